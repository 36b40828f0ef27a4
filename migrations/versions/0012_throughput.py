"""Throughput and faults (issue 14).

- ``idempotency_key``: the Idempotency-Keys of the API's POST actions, with the stored answer
  (app.idempotency).

Revision ID: 0012_throughput
Revises: 0011_security (the lead re-chains it at merge)
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_throughput'
down_revision = '0011_security'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
    sa.UniqueConstraint('username', 'key', name='uq_idempotency_key_username_key')
    )
    op.create_index('ix_idempotency_key_expires_at', 'idempotency_key', ['expires_at'], unique=False)


def downgrade():
    op.drop_index('ix_idempotency_key_expires_at', table_name='idempotency_key')
    op.drop_table('idempotency_key')

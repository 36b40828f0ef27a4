"""Throughput and faults (issue 14).

- ``idempotency_key``: the Idempotency-Keys of the API's POST actions, with the stored answer
  (app.idempotency);
- the task list's indexes: the step filter and the due-date sort on ``task_item``; on PostgreSQL only,
  trigram (pg_trgm) GIN indexes for the search by applicant name and case number (``ILIKE '%…%'``).

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
    op.create_index('ix_task_item_open_by_step', 'task_item',
                    ['state', 'name', 'role', 'claimed_by', 'created_at', 'case_id'], unique=False)
    op.create_index('ix_task_item_open_by_due', 'task_item',
                    ['state', 'role', 'claimed_by', 'due_at', 'created_at', 'case_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_approval_case_applicant_trgm ON approval_case '
                   'USING gin (applicant_name gin_trgm_ops)')
        op.execute('CREATE INDEX ix_approval_case_case_no_trgm ON approval_case USING gin (case_no gin_trgm_ops)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_approval_case_case_no_trgm')
        op.execute('DROP INDEX IF EXISTS ix_approval_case_applicant_trgm')
    op.drop_index('ix_task_item_open_by_due', table_name='task_item')
    op.drop_index('ix_task_item_open_by_step', table_name='task_item')
    op.drop_index('ix_idempotency_key_expires_at', table_name='idempotency_key')
    op.drop_table('idempotency_key')

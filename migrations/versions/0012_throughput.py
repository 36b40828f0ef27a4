"""Throughput and faults (issue 14).

- ``idempotency_key``: the Idempotency-Keys of the API's POST actions, with the stored answer
  (app.idempotency);
- the task list's indexes: partial indexes of the available (open, unclaimed) tasks in each order and by
  step on ``task_item``; on PostgreSQL only,
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
    # partial: PostgreSQL does not take "claimed_by IS NULL" as an equality that lets an index give the order
    available = sa.text("state = 'READY' AND claimed_by IS NULL")
    for name, columns in (('ix_task_item_available', ['role', 'created_at', 'case_id']),
                          ('ix_task_item_available_step', ['name', 'role', 'created_at', 'case_id']),
                          ('ix_task_item_available_due', ['role', 'due_at', 'created_at', 'case_id'])):
        op.create_index(name, 'task_item', columns, unique=False, postgresql_where=available,
                        sqlite_where=available)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_approval_case_applicant_trgm ON approval_case '
                   'USING gin (applicant_name gin_trgm_ops)')
        op.execute('CREATE INDEX ix_approval_case_case_no_trgm ON approval_case USING gin (case_no gin_trgm_ops)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_approval_case_case_no_trgm')
        op.execute('DROP INDEX IF EXISTS ix_approval_case_applicant_trgm')
    for name in ('ix_task_item_available_due', 'ix_task_item_available_step', 'ix_task_item_available'):
        op.drop_index(name, table_name='task_item')
    op.drop_index('ix_idempotency_key_expires_at', table_name='idempotency_key')
    op.drop_table('idempotency_key')

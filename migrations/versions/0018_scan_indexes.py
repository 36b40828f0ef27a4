"""The inbox's due-soon scan reads the notices already given by task (issue 14: the scans at 100,000 open tasks).

Revision ID: 0018_scan_indexes
Revises: 0017_hearing_time
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_scan_indexes'
down_revision = '0017_hearing_time'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_inbox_notice_task', 'inbox_notice', ['task_id'])


def downgrade():
    op.drop_index('ix_inbox_notice_task', table_name='inbox_notice')

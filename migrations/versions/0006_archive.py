"""Sealed case files (一案一卷): archiving marks.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('approval_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('archive_sha256', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('approval_case', schema=None) as batch_op:
        batch_op.drop_column('archive_sha256')
        batch_op.drop_column('archived_at')

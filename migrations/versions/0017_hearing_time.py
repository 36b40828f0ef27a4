"""The hearing's time of day (听证时间: 行政许可法 第48条 notifies the time and the place, not only the day).

Revision ID: 0017_hearing_time
Revises: 0016_hearing
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017_hearing_time'
down_revision = '0016_hearing'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hearing') as batch_op:
        batch_op.add_column(sa.Column('scheduled_time', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('hearing') as batch_op:
        batch_op.drop_column('scheduled_time')

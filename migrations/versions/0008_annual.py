"""Annual statistics reports (统计年报): generated, previewed, published (locked), re-issued as versions.

- ``annual_report``: one row per published version of a year's report; the content is canonical JSON with
  a SHA-256 over it, and triggers refuse UPDATE and DELETE (a correction is a new version with a reason);
- ``annual_report_draft``: the supervisor's working copy per year (narrative, last generated figures).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

from app.records.triggers import AppendOnly

# As app.annual.models defines it at this revision (kept here so the migration never follows the code).
_LOCKED = AppendOnly("annual_report", "published annual reports are locked")
create_statements, drop_statements = _LOCKED.create_statements, _LOCKED.drop_statements

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('annual_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report')),
    sa.UniqueConstraint('year', 'version', name=op.f('uq_annual_report_year'))
    )
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_report_year'), ['year'], unique=False)
    op.create_table('annual_report_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.Column('saved_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report_draft')),
    sa.UniqueConstraint('year', name=op.f('uq_annual_report_draft_year'))
    )
    dialect = op.get_bind().dialect.name
    for stmt in create_statements(dialect):
        op.execute(stmt)


def downgrade():
    dialect = op.get_bind().dialect.name
    for stmt in drop_statements(dialect):
        op.execute(stmt)
    op.drop_table('annual_report_draft')
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_report_year'))
    op.drop_table('annual_report')

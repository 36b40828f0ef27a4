"""The applicant's procedural rights and the officers' rules (issue 11, part B).

- ``hearing``: one hearing procedure of a case (行政许可法 第46–48条): the notice of hearing rights, the request
  window, the arrangement (host, time, place, notice), recusal requests and the signed transcript;
- ``app_user.principal_head`` / ``acting_principal_*``: the bureau's principal head (主要负责人) and a deputy
  designated as acting, who sign major decisions and committee conclusions;
- ``service_item.publication_exception``: the legal basis on which an item's decisions are not published
  (法律法规、部门规章另有规定的除外);
- ``service_item.case_prefix`` and ``case_sequence``: cases numbered per kind — complaints TS-2026-000001, not
  like a permit (XK-…).

Revision ID: 0016_hearing
Revises: 0011_security (the lead re-chains it at merge)
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_hearing'
down_revision = '0015_licences'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hearing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=32), nullable=False),
    sa.Column('notice_ref', sa.String(length=200), nullable=False),
    sa.Column('notified_on', sa.Date(), nullable=False),
    sa.Column('window_until', sa.Date(), nullable=False),
    sa.Column('parties', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=True),
    sa.Column('request_ref', sa.String(length=200), nullable=True),
    sa.Column('requested_by', sa.String(length=200), nullable=True),
    sa.Column('hold_by', sa.Date(), nullable=True),
    sa.Column('host', sa.String(length=64), nullable=True),
    sa.Column('scheduled_on', sa.Date(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('parties_notified_on', sa.Date(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('transcript_ref', sa.String(length=200), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('recusals', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['approval_case.id'], name=op.f('fk_hearing_case_id_approval_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hearing'))
    )
    with op.batch_alter_table('hearing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hearing_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('principal_head', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('acting_principal_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('acting_principal_ref', sa.String(length=200), nullable=True))

    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publication_exception', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('case_prefix', sa.String(length=8), nullable=False, server_default='XK'))

    op.create_table('case_sequence',
    sa.Column('prefix', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_no', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('prefix', 'year', name=op.f('pk_case_sequence'))
    )


def downgrade():
    op.drop_table('case_sequence')
    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.drop_column('case_prefix')
        batch_op.drop_column('publication_exception')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('acting_principal_ref')
        batch_op.drop_column('acting_principal_until')
        batch_op.drop_column('principal_head')
    with op.batch_alter_table('hearing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hearing_case_id'))
    op.drop_table('hearing')

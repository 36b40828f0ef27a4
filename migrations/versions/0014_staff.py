"""Staff at the counter and at the desk (issue 12): the inbox's notices; the applicant's contact details
(kept out of the hash-chained records); the registration form's one-time tokens.

Revision ID: 0014_staff
Revises: 0011_security (the lead re-chains it at merge)
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_staff'
down_revision = '0012_throughput'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbox_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['approval_case.id'], name=op.f('fk_inbox_notice_case_id_approval_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_notice')),
    sa.UniqueConstraint('username', 'key', name=op.f('uq_inbox_notice_username'))
    )
    op.create_index('ix_inbox_notice_unread', 'inbox_notice', ['username', 'read_at'], unique=False)
    op.create_table('applicant_contact',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('id_number', sa.String(length=32), nullable=True),
    sa.Column('legal_representative', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['approval_case.id'], name=op.f('fk_applicant_contact_case_id_approval_case')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_applicant_contact'))
    )
    op.create_table('registration_token',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['approval_case.id'], name=op.f('fk_registration_token_case_id_approval_case')),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_registration_token'))
    )


def downgrade():
    op.drop_table('registration_token')
    op.drop_table('applicant_contact')
    op.drop_index('ix_inbox_notice_unread', table_name='inbox_notice')
    op.drop_table('inbox_notice')

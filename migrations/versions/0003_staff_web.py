"""Staff web: evidence files, case confidentiality class, user language.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'evidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.String(length=36), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('confidentiality', sa.String(length=16), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('supersedes_id', sa.Integer(), nullable=True),
        sa.Column('supersede_reason', sa.Text(), nullable=True),
        sa.Column('superseded', sa.Boolean(), nullable=False),
        sa.Column('uploaded_by', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['approval_case.id'], name=op.f('fk_evidence_case_id_approval_case')),
        sa.ForeignKeyConstraint(['supersedes_id'], ['evidence.id'], name=op.f('fk_evidence_supersedes_id_evidence')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_sha256'), ['sha256'], unique=False)
    with op.batch_alter_table('approval_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidentiality', sa.String(length=16), nullable=False,
                                      server_default='internal'))
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='zh'))
    # The task list asks for open, unclaimed tasks of a role, oldest first: index exactly that.
    with op.batch_alter_table('task_item', schema=None) as batch_op:
        batch_op.drop_index('ix_task_item_open_by_role')
        batch_op.create_index('ix_task_item_open_by_role', ['state', 'role', 'claimed_by', 'created_at', 'case_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('task_item', schema=None) as batch_op:
        batch_op.drop_index('ix_task_item_open_by_role')
        batch_op.create_index('ix_task_item_open_by_role', ['state', 'role', 'created_at'], unique=False)
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('approval_case', schema=None) as batch_op:
        batch_op.drop_column('confidentiality')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_sha256'))
        batch_op.drop_index(batch_op.f('ix_evidence_case_id'))
    op.drop_table('evidence')

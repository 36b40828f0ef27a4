"""Publicity: published decisions, public progress query, enforcement staff list.

- ``publication``: the 双公示 record of each decision and its review (PENDING_REVIEW → PUBLISHED →
  UPDATED | WITHDRAWN, or WITHHELD);
- ``approval_case.query_code``: the code on the receipt for the public progress query (existing cases
  get one now);
- ``app_user``: the enforcement officer's post, certificate number, category, area and validity;
- ``service_item``: the service guide's where/when and complaint texts.

Revision ID: 0005
Revises: 0004
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def upgrade():
    op.create_table('publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('document_no', sa.String(length=100), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by', sa.String(length=64), nullable=True),
    sa.Column('withheld_class', sa.String(length=16), nullable=True),
    sa.Column('withheld_reason', sa.Text(), nullable=True),
    sa.Column('withheld_approver', sa.String(length=64), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('public_note', sa.Text(), nullable=True),
    sa.Column('redactions', sa.JSON(), nullable=False),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['approval_case.id'], name=op.f('fk_publication_case_id_approval_case'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_publication_item_id_service_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication')),
    sa.UniqueConstraint('case_id', name=op.f('uq_publication_case_id'))
    )
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publication_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_publication_decision_date'), ['decision_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_publication_due_on'), ['due_on'], unique=False)

    with op.batch_alter_table('approval_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('query_code', sa.String(length=16), nullable=True))

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('certificate_no', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('enforcement_category', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('area', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('certificate_valid_until', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_app_user_certificate_no'), ['certificate_no'], unique=False)

    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('where_when', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('complaint_channel', sa.Text(), nullable=True))

    # Cases registered before this revision get a query code too (staff can print a new receipt).
    conn = op.get_bind()
    case = sa.table('approval_case', sa.column('id', sa.Integer), sa.column('query_code', sa.String))
    for (case_id,) in conn.execute(sa.select(case.c.id).where(case.c.query_code.is_(None))).all():
        code = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8))
        conn.execute(case.update().where(case.c.id == case_id).values(query_code=code))


def downgrade():
    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.drop_column('complaint_channel')
        batch_op.drop_column('where_when')

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_certificate_no'))
        batch_op.drop_column('certificate_valid_until')
        batch_op.drop_column('area')
        batch_op.drop_column('enforcement_category')
        batch_op.drop_column('certificate_no')
        batch_op.drop_column('post')

    with op.batch_alter_table('approval_case', schema=None) as batch_op:
        batch_op.drop_column('query_code')

    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_due_on'))
        batch_op.drop_index(batch_op.f('ix_publication_decision_date'))
        batch_op.drop_index(batch_op.f('ix_publication_state'))
        batch_op.drop_index(batch_op.f('ix_publication_item_id'))

    op.drop_table('publication')

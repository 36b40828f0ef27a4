"""The licence register and the licence's life (issue 11, part A).

- ``licence``: one row per licence a grant created (number from the gap-free register, holder, scope, term,
  status), ``licence_event``: its history;
- ``service_item``: which licence procedure an item is (issue, change, renewal, cancellation, revocation),
  the certificate's name, the term, the item whose licences it acts on, and the renewal lead time with its
  legal basis.

Revision ID: 0015_licences
Revises: 0011_security (the maintainer re-chains it at merge)
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_licences'
down_revision = '0014_staff'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service_item') as batch:
        batch.add_column(sa.Column('licence_procedure', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('licence_name', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('licence_valid_years', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('licence_item', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('renewal_lead_days', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('renewal_basis', sa.Text(), nullable=True))
    op.create_table('licence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('licence_name', sa.String(length=200), nullable=False),
    sa.Column('holder_name', sa.String(length=200), nullable=False),
    sa.Column('holder_type', sa.String(length=32), nullable=False),
    sa.Column('holder_code', sa.String(length=64), nullable=True),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('document_no', sa.String(length=100), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_changed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['approval_case.id'], name=op.f('fk_licence_case_id_approval_case')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_licence_item_id_service_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licence')),
    sa.UniqueConstraint('number', name=op.f('uq_licence_number')),
    sa.UniqueConstraint('case_id', name=op.f('uq_licence_case_id'))
    )
    op.create_index('ix_licence_holder_status', 'licence', ['holder_code', 'status'], unique=False)
    op.create_index(op.f('ix_licence_item_id'), 'licence', ['item_id'], unique=False)
    op.create_index(op.f('ix_licence_status'), 'licence', ['status'], unique=False)
    op.create_index(op.f('ix_licence_valid_until'), 'licence', ['valid_until'], unique=False)
    op.create_table('licence_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['approval_case.id'], name=op.f('fk_licence_event_case_id_approval_case')),
    sa.ForeignKeyConstraint(['licence_id'], ['licence.id'], name=op.f('fk_licence_event_licence_id_licence')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licence_event'))
    )
    op.create_index(op.f('ix_licence_event_case_id'), 'licence_event', ['case_id'], unique=False)
    op.create_index(op.f('ix_licence_event_licence_id'), 'licence_event', ['licence_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_licence_event_licence_id'), table_name='licence_event')
    op.drop_index(op.f('ix_licence_event_case_id'), table_name='licence_event')
    op.drop_table('licence_event')
    op.drop_index(op.f('ix_licence_valid_until'), table_name='licence')
    op.drop_index(op.f('ix_licence_status'), table_name='licence')
    op.drop_index(op.f('ix_licence_item_id'), table_name='licence')
    op.drop_index('ix_licence_holder_status', table_name='licence')
    op.drop_table('licence')
    with op.batch_alter_table('service_item') as batch:
        for name in ('renewal_basis', 'renewal_lead_days', 'licence_item', 'licence_valid_years', 'licence_name',
                     'licence_procedure'):
            batch.drop_column(name)

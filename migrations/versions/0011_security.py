"""Security hardening (issue 10).

- ``account_record``: the account log, append-only and hash-chained (app.users.records);
- ``login_attempt``: every sign-in attempt, the throttle's shared state across processes and nodes;
- ``auth_session``: server-side sessions and API tokens (SHA-256 of an opaque token), revocable;
- ``case_access_grant``: a leader's grant of one state-secret case to a supervisor.

Revision ID: 0011_security
Revises: 0010_documents (the lead re-chains it at merge)
"""
import sqlalchemy as sa
from alembic import op

from app.records.triggers import AppendOnly

# As app.users.records defines it at this revision (kept here so the migration never follows the code).
_ACCOUNT_LOG = AppendOnly("account_record", "account records are append-only")


# revision identifiers, used by Alembic.
revision = '0011_security'
down_revision = '0010_documents'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('ts', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_record')),
    sa.UniqueConstraint('seq', name=op.f('uq_account_record_seq'))
    )
    with op.batch_alter_table('account_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_record_username'), ['username'], unique=False)

    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ts', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_addr_ts', ['remote_addr', 'ts'], unique=False)
        batch_op.create_index('ix_login_attempt_username_ts', ['username', 'ts'], unique=False)

    op.create_table('auth_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_why', sa.String(length=32), nullable=True),
    sa.Column('remote_addr', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_auth_session_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_session_token_hash'))
    )
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_session_user_id'), ['user_id'], unique=False)

    op.create_table('case_access_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_by', sa.String(length=64), nullable=False),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['approval_case.id'], name=op.f('fk_case_access_grant_case_id_approval_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_access_grant'))
    )
    with op.batch_alter_table('case_access_grant', schema=None) as batch_op:
        batch_op.create_index('ix_case_access_grant_case_user', ['case_id', 'username', 'revoked_at'], unique=False)

    for statement in _ACCOUNT_LOG.create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    for statement in _ACCOUNT_LOG.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('case_access_grant', schema=None) as batch_op:
        batch_op.drop_index('ix_case_access_grant_case_user')

    op.drop_table('case_access_grant')
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_session_user_id'))

    op.drop_table('auth_session')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_username_ts')
        batch_op.drop_index('ix_login_attempt_addr_ts')

    op.drop_table('login_attempt')
    with op.batch_alter_table('account_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_record_username'))

    op.drop_table('account_record')

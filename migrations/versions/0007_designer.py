"""Process designer: deployment records and change notes.

The append-only, hash-chained log of deployments (one record per definition version created), with the
same triggers as execution_record. Versions deployed before this revision get an 'import' record each, in
version order, so that the whole registry verifies.

Revision ID: 0007
Revises: 0006
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

from app.records.chain import HashChain
from app.records.triggers import AppendOnly

# As app.designer.records defines them at this revision (kept here so the migration never follows the code).
_APPEND_ONLY = AppendOnly("deployment_record", "deployment records are append-only")
create_statements, drop_statements = _APPEND_ONLY.create_statements, _APPEND_ONLY.drop_statements
_CHAIN = HashChain(("seq", "ts", "actor", "action", "key", "version", "sha256", "note", "prev_hash"))

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade():
    op.create_table('deployment_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('ts', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployment_record')),
    sa.UniqueConstraint('seq', name=op.f('uq_deployment_record_seq'))
    )
    with op.batch_alter_table('deployment_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deployment_record_key'), ['key'], unique=False)

    conn = op.get_bind()
    existing = conn.execute(sa.text(
        "SELECT key, version, sha256, deployed_by, deployed_at, note FROM definition_version ORDER BY id")).all()
    table = sa.table('deployment_record', sa.column('seq', sa.Integer), sa.column('ts', sa.DateTime),
                     *(sa.column(c, sa.String) for c in ('actor', 'action', 'key')), sa.column('version', sa.Integer),
                     *(sa.column(c, sa.String) for c in ('sha256', 'note', 'prev_hash', 'hash')))
    prev, rows = GENESIS_HASH, []
    for seq, (key, version, sha256, deployed_by, deployed_at, note) in enumerate(existing, start=1):
        if isinstance(deployed_at, str):  # SQLite hands back text through a raw query
            deployed_at = dt.datetime.fromisoformat(deployed_at)
        row = {"seq": seq, "ts": deployed_at, "actor": deployed_by, "action": "import", "key": key,
               "version": version, "sha256": sha256, "note": note, "prev_hash": prev}
        row["hash"] = prev = _CHAIN.hash(row)
        rows.append(row)
    if rows:
        op.bulk_insert(table, rows)

    for statement in create_statements(conn.dialect.name):
        op.execute(statement)


def downgrade():
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('deployment_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deployment_record_key'))
    op.drop_table('deployment_record')

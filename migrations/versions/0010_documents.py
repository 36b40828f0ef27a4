"""Official documents and signed checkpoints.

- ``document_template``: deployed template versions (append-only: an issued document names its version);
- ``document_counter``: the number register, one row per document type and year;
- ``issued_document``: numbered, signed documents of a case (status valid / voided / superseded);
- ``checkpoint``: signed checkpoints of every record chain (append-only).

Revision ID: 0010_documents
Revises: 0008 (the lead re-chains it after the case-kernel migration)
"""
import sqlalchemy as sa
from alembic import op

from app.anchoring.models import APPEND_ONLY as CHECKPOINTS
from app.documents.models import TEMPLATES_APPEND_ONLY as TEMPLATES

revision = '0010_documents'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('deployed_by', sa.String(length=64), nullable=False),
    sa.Column('deployed_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_template')),
    sa.UniqueConstraint('doc_type', 'version', name=op.f('uq_document_template_doc_type'))
    )
    with op.batch_alter_table('document_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_template_doc_type'), ['doc_type'], unique=False)
    op.create_table('document_counter',
    sa.Column('doc_type', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('doc_type', 'year', name=op.f('pk_document_counter'))
    )
    op.create_table('issued_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('doc_type', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('voided_by', sa.String(length=64), nullable=True),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['approval_case.id'], name=op.f('fk_issued_document_case_id_approval_case')),
    sa.ForeignKeyConstraint(['template_id'], ['document_template.id'],
                            name=op.f('fk_issued_document_template_id_document_template')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['issued_document.id'],
                            name=op.f('fk_issued_document_supersedes_id_issued_document')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['issued_document.id'],
                            name=op.f('fk_issued_document_superseded_by_id_issued_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_document')),
    sa.UniqueConstraint('public_id', name=op.f('uq_issued_document_public_id')),
    sa.UniqueConstraint('number', name=op.f('uq_issued_document_number')),
    sa.UniqueConstraint('doc_type', 'year', 'serial', name=op.f('uq_issued_document_doc_type'))
    )
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_document_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_document_sha256'), ['sha256'], unique=False)
    op.create_table('checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('merkle_root', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.Column('certificate', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkpoint')),
    sa.UniqueConstraint('seq', name=op.f('uq_checkpoint_seq'))
    )
    dialect = op.get_bind().dialect.name
    for statement in TEMPLATES.create_statements(dialect) + CHECKPOINTS.create_statements(dialect):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in CHECKPOINTS.drop_statements(dialect) + TEMPLATES.drop_statements(dialect):
        op.execute(statement)
    op.drop_table('checkpoint')
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_document_sha256'))
        batch_op.drop_index(batch_op.f('ix_issued_document_case_id'))
    op.drop_table('issued_document')
    op.drop_table('document_counter')
    with op.batch_alter_table('document_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_template_doc_type'))
    op.drop_table('document_template')

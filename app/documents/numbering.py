"""The number register: one gap-free sequence per document type and year.

``next_serial`` takes the next serial with one atomic ``UPDATE document_counter SET last_serial =
last_serial + 1 … RETURNING last_serial`` in the caller's transaction. On PostgreSQL the UPDATE keeps the
counter row locked until that transaction ends, so concurrent issuers of the same type queue behind it and
each gets the next number; when the issuing transaction rolls back, the increment rolls back with it and
the number is given to the next issuer — no gaps. SQLite has one writer at a time anyway. The first
document of a type in a year inserts the counter row (ON CONFLICT DO NOTHING: two first issuers at once
both end up updating the one row). The unique constraints on issued_document are the last line of defence.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from app.documents.models import DocumentCounter
from app.extensions import db


def _insert_counter(doc_type: str, year: int) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(DocumentCounter).values(doc_type=doc_type, year=year, last_serial=0)
                       .on_conflict_do_nothing(index_elements=["doc_type", "year"]))


def next_serial(doc_type: str, year: int) -> int:
    """The next serial for (type, year), held by the current transaction until it commits or rolls back."""
    stmt = (update(DocumentCounter)
            .where(DocumentCounter.doc_type == doc_type, DocumentCounter.year == year)
            .values(last_serial=DocumentCounter.last_serial + 1)
            .returning(DocumentCounter.last_serial)
            .execution_options(synchronize_session=False))
    serial = db.session.execute(stmt).scalar()
    if serial is None:
        _insert_counter(doc_type, year)
        serial = db.session.execute(stmt).scalar_one()
    return serial

"""Tables of the documents feature: deployed template versions, the number register, issued documents."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.extensions import db
from app.records.triggers import AppendOnly

VALID, VOIDED, SUPERSEDED = "valid", "voided", "superseded"
STATUSES = (VALID, VOIDED, SUPERSEDED)


class DocumentTemplate(db.Model):
    """One deployed version of one document type's template. Never changed once written (append-only):
    an issued document names the exact version it was rendered with."""
    __tablename__ = "document_template"
    __table_args__ = (UniqueConstraint("doc_type", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    deployed_by: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class DocumentCounter(db.Model):
    """The number register: the last serial issued per document type and year. Taken with an atomic
    UPDATE … RETURNING inside the issuing transaction, so the row stays locked until that transaction ends
    and a rolled-back issue gives its number back (see numbering.py)."""
    __tablename__ = "document_counter"

    doc_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_serial: Mapped[int] = mapped_column(default=0)


class IssuedDocument(db.Model):
    """A numbered, signed document of a case. The signed PDF is stored under its SHA-256 (like evidence).
    Never deleted: a voided document keeps its number and says why; a superseding one points back."""
    __tablename__ = "issued_document"
    __table_args__ = (UniqueConstraint("doc_type", "year", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the QR code and the public page use: random, so documents cannot be enumerated.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    doc_type: Mapped[str] = mapped_column(String(32))
    year: Mapped[int]
    serial: Mapped[int]
    number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    template_id: Mapped[int] = mapped_column(ForeignKey("document_template.id"))
    data: Mapped[dict] = mapped_column(JSON)  # the step's data it was rendered from (dates as ISO text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the signed PDF
    size: Mapped[int] = mapped_column(BigInteger)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_on: Mapped[dt.date]  # the date printed on the document (China date)
    status: Mapped[str] = mapped_column(String(16), default=VALID)
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_by: Mapped[str | None] = mapped_column(String(64))
    voided_at: Mapped[dt.datetime | None]
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("issued_document.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("issued_document.id"))

    template = relationship(DocumentTemplate, lazy="joined", innerjoin=True)
    case = relationship("Case")
    supersedes = relationship("IssuedDocument", foreign_keys=[supersedes_id], remote_side=[id])
    superseded_by = relationship("IssuedDocument", foreign_keys=[superseded_by_id], remote_side=[id])


TEMPLATES_APPEND_ONLY = AppendOnly("document_template", "document templates are append-only")

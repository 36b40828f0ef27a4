from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.extensions import db

EVIDENCE_KINDS = ("document", "photo", "audio", "video")


class Evidence(db.Model):
    """A document or audio/video record of a case. The bytes live on disk under their SHA-256 and are
    never replaced: a correction is a new row that supersedes the old one, with a reason."""
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    confidentiality: Mapped[str] = mapped_column(String(16))  # app.cases.confidentiality
    description: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    supersede_reason: Mapped[str | None] = mapped_column(Text)
    superseded: Mapped[bool] = mapped_column(default=False)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    supersedes = relationship("Evidence", remote_side=[id])
    case = relationship("Case")

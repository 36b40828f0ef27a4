from __future__ import annotations

import datetime as dt

from sqlalchemy import LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.extensions import db


class DefinitionVersion(db.Model):
    """One deployed version of one BPMN process or DMN decision; new only when the content changed."""
    __tablename__ = "definition_version"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # 'bpmn' | 'dmn'
    key: Mapped[str] = mapped_column(String(128), index=True)  # process id or decision id
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    deployed_by: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

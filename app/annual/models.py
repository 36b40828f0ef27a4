"""The annual report's tables: the published versions (locked) and the supervisor's working copy per year."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.extensions import db
from app.records.triggers import AppendOnly


class AnnualReport(db.Model):
    """One published version of a year's report. Never updated or deleted (triggers, migration 0008)."""
    __tablename__ = "annual_report"
    __table_args__ = (UniqueConstraint("year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    version: Mapped[int]
    # canonical JSON of {year, version, definition, figures, narrative, reason, published_by, published_at}
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime]
    published_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)  # required from version 2 on

    @property
    def document(self) -> dict:
        return json.loads(self.content)

    @property
    def valid(self) -> bool:
        doc = self.document
        return (hashlib.sha256(self.content.encode("utf-8")).hexdigest() == self.sha256
                and doc.get("year") == self.year and doc.get("version") == self.version)


class AnnualReportDraft(db.Model):
    """The supervisor's working copy for a year (narrative and the figures last generated); mutable."""
    __tablename__ = "annual_report_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    narrative: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[str] = mapped_column(Text)  # canonical JSON, as generated when saved
    saved_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    saved_by: Mapped[str] = mapped_column(String(64))


# Published versions are locked by triggers (used by migration 0008, and by tests to clean up behind them).
LOCKED = AppendOnly("annual_report", "published annual reports are locked")
create_statements = LOCKED.create_statements
drop_statements = LOCKED.drop_statements
behind_the_triggers = LOCKED.behind  # tests only

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ExecutionRecord(db.Model):
    """One step of one case. ``hash`` covers every other column and the previous record's hash."""
    __tablename__ = "execution_record"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"), index=True)
    seq: Mapped[int]
    ts: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(64))  # username, 'engine' or 'scheduler'
    role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(48))
    task_id: Mapped[str | None] = mapped_column(String(36))
    task_name: Mapped[str | None] = mapped_column(String(200))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, stored as text so it hashes identically
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

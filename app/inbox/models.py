from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.extensions import db


class InboxNotice(db.Model):
    """One notice to one user. ``key`` makes a notice idempotent (a scan run twice tells once)."""
    __tablename__ = "inbox_notice"
    __table_args__ = (UniqueConstraint("username", "key"), Index("ix_inbox_notice_unread", "username", "read_at"),
                      Index("ix_inbox_notice_task", "task_id"))  # the due-soon scan: notices given per task

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # new_task, reassigned_to, reassigned_away, returned, due_soon
    key: Mapped[str] = mapped_column(String(120))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("approval_case.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # what the text needs: case number, step, who…
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]

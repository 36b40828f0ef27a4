from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.extensions import db


class SchedulerLease(db.Model):
    """Who runs the jobs: one row per lease name; a holder renews it, others wait until it expires."""
    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[dt.datetime]


class SchedulerRun(db.Model):
    """One run of one job, with what it changed (counts) — the scheduler's own log."""
    __tablename__ = "scheduler_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64), index=True)
    holder: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)

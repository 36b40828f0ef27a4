"""Calendar overrides: the State Council holiday notices loaded by an administrator, and local closures."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.extensions import db

DAY_KINDS = ("holiday", "adjusted_workday", "closure", "workday")
LOCAL_SOURCE = "local"


class CalendarDay(db.Model):
    """One day whose status is set here rather than by the chinesecalendar package.

    ``holiday`` and ``adjusted_workday`` (调休上班) rows come from a loaded notice (``source`` = the
    notice's number); ``closure`` rows are local ad-hoc closures (``source`` = 'local'); ``workday`` is
    reserved for a local correction that makes a day a working day."""
    __tablename__ = "calendar_day"
    __table_args__ = (
        CheckConstraint("kind IN ('holiday', 'adjusted_workday', 'closure', 'workday')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(unique=True)
    is_workday: Mapped[bool]
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CalendarYear(db.Model):
    """A year whose notice an administrator has loaded: its days are confirmed. ``version`` counts loads."""
    __tablename__ = "calendar_year"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    source: Mapped[str] = mapped_column(String(100))
    loaded_by: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

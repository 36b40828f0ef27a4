from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.extensions import db

# Why the hearing rights were notified (行政许可法 第46、47条).
BASES = ("law", "public_interest", "major_interests")


class Hearing(db.Model):
    """One hearing procedure of a case: the notice of rights, the request, the arrangement, the transcript.

    ``state``: ``notified`` (window open) → ``requested`` (to be held) → ``held``; or ``waived`` when nobody
    asked within the window. ``hearing_held`` of a case is derived from a row in state ``held``."""
    __tablename__ = "hearing"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"), index=True)
    basis: Mapped[str] = mapped_column(String(32))
    # 行政许可听证告知书 文书号: the number the documents register gave the notice (typed on older diagrams)
    notice_ref: Mapped[str] = mapped_column(String(200))
    notified_on: Mapped[dt.date]
    window_until: Mapped[dt.date]  # the last working day a request is accepted (第47条: 5 days)
    parties: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="notified")
    requested_on: Mapped[dt.date | None]
    request_ref: Mapped[str | None] = mapped_column(String(200))
    requested_by: Mapped[str | None] = mapped_column(String(200))
    hold_by: Mapped[dt.date | None]  # 第47条: organised within 20 days of the request
    host: Mapped[str | None] = mapped_column(String(64))
    scheduled_on: Mapped[dt.date | None]
    scheduled_time: Mapped[str | None] = mapped_column(String(5))  # HH:MM, Beijing time (None: older diagrams)
    place: Mapped[str | None] = mapped_column(String(200))
    parties_notified_on: Mapped[dt.date | None]  # 第48条: time and place notified 7 days before
    held_on: Mapped[dt.date | None]
    transcript_ref: Mapped[str | None] = mapped_column(String(200))
    late: Mapped[bool] = mapped_column(default=False)  # scheduled or held after hold_by (flagged, recorded)
    recusals: Mapped[list] = mapped_column(JSON, default=list)  # [{host, reason, decision, on}]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

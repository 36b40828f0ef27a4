"""The legal review (法制审核) rounds of a major case and its professional committee (专业审查委员会) meetings."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.extensions import db


class LegalReviewRound(db.Model):
    """One round of 法制审核. Rounds are never changed once written; a new submission is a new round."""
    __tablename__ = "legal_review_round"
    __table_args__ = (UniqueConstraint("case_id", "round_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"), index=True)
    round_no: Mapped[int]
    task_id: Mapped[str] = mapped_column(String(36))
    reviewer: Mapped[str] = mapped_column(String(64))
    checklist: Mapped[dict] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(16))
    opinion: Mapped[str] = mapped_column(Text)
    completed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CommitteeMeeting(db.Model):
    """A 专业审查委员会 meeting on a case, and the leader's signature of its conclusion."""
    __tablename__ = "committee_meeting"
    __table_args__ = (UniqueConstraint("case_id", "meeting_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"), index=True)
    meeting_no: Mapped[int]
    task_id: Mapped[str] = mapped_column(String(36))
    secretary: Mapped[str] = mapped_column(String(64))
    meeting_date: Mapped[str | None] = mapped_column(String(10))
    attendees: Mapped[list] = mapped_column(JSON)
    legal_attendees: Mapped[list] = mapped_column(JSON)
    quorum_met: Mapped[bool]
    minutes: Mapped[str] = mapped_column(Text)
    conclusion: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    signed_by: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime | None]
    sign_opinion: Mapped[str | None] = mapped_column(Text)

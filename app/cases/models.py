from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.extensions import db


class Case(db.Model):
    """An application and its running process. ``state`` is SpiffWorkflow's instance state without spec."""
    __tablename__ = "approval_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    # Printed on the receipt: with the case number it lets the applicant look up progress on the portal.
    query_code: Mapped[str | None] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_type: Mapped[str] = mapped_column(String(32))
    applicant_code: Mapped[str | None] = mapped_column(String(64))
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    # The case's own confidentiality class (see models.evidence); a state-secret case takes no audio/video.
    confidentiality: Mapped[str] = mapped_column(String(16), default="internal")
    status: Mapped[str] = mapped_column(String(32), index=True)
    is_major: Mapped[bool] = mapped_column(default=False)
    major_reason: Mapped[str | None] = mapped_column(Text)
    process_key: Mapped[str] = mapped_column(String(128))
    process_version_id: Mapped[int] = mapped_column(ForeignKey("definition_version.id"), index=True)
    # The exact definition versions (process, called processes, decision tables) the case runs on.
    bundle: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(16))
    # Optimistic lock: two actions on one case cannot both commit (see services.cases).
    lock_version: Mapped[int] = mapped_column(default=1)
    facts_changed_at: Mapped[dt.datetime | None]
    # Head of the execution-record chain: lets verify notice records cut off the end.
    records_count: Mapped[int] = mapped_column(default=0)
    records_head: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]

    # Legal time limits (行政许可法 第32、42、45条), all dates in China time; see app.deadlines.
    received_on: Mapped[dt.date | None]
    correction_notice_on: Mapped[dt.date | None]
    accepted_on: Mapped[dt.date | None]  # the decision clock starts here
    deemed_accepted: Mapped[bool] = mapped_column(default=False)  # no correction notice within 5 wd
    decision_due: Mapped[dt.date | None] = mapped_column(index=True)
    decision_due_confirmed: Mapped[bool] = mapped_column(default=True)
    calendar_version: Mapped[str | None] = mapped_column(String(64))
    extension_days: Mapped[int] = mapped_column(default=0)
    decided_on: Mapped[dt.date | None]
    publication_due: Mapped[dt.date | None]
    published_on: Mapped[dt.date | None]
    overdue_recorded: Mapped[bool] = mapped_column(default=False)
    publication_overdue_recorded: Mapped[bool] = mapped_column(default=False)
    # Supervision and the engine
    suspended: Mapped[bool] = mapped_column(default=False)
    engine_error: Mapped[str | None] = mapped_column(Text)
    next_timer_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    stuck_recorded: Mapped[bool] = mapped_column(default=False)
    # Sealed case file (一案一卷, see app.archive): when, and the SHA-256 of the sealed bundle's manifest.json.
    archived_at: Mapped[dt.datetime | None]
    archive_sha256: Mapped[str | None] = mapped_column(String(64))

    item = relationship("ServiceItem", lazy="joined", innerjoin=True)
    process_version = relationship("DefinitionVersion")  # loaded when asked for: it holds the whole diagram

    __mapper_args__ = {"version_id_col": lock_version}


_AVAILABLE = text("state = 'READY' AND claimed_by IS NULL")


class TaskItem(db.Model):
    """The task projection: one row per user task of a case, so task lists never load the engine state."""
    __tablename__ = "task_item"
    __table_args__ = (
        # Serves "open, for my role, unclaimed, oldest first" (the task list) straight from the index.
        Index("ix_task_item_open_by_role", "state", "role", "claimed_by", "created_at", "case_id"),
        Index("ix_task_item_claimed", "claimed_by", "state"),
        # The "available" task list (open, unclaimed) in each of its orders and by step, read in order from
        # the index (migration 0012). Partial: PostgreSQL does not take "claimed_by IS NULL" as an equality
        # that lets a plain index give the order, so it sorted every open task for each page. On PostgreSQL
        # the applicant and case-number search use trigram indexes on approval_case (pg_trgm, only there).
        Index("ix_task_item_available", "role", "created_at", "case_id", postgresql_where=_AVAILABLE,
              sqlite_where=_AVAILABLE),
        Index("ix_task_item_available_step", "name", "role", "created_at", "case_id", postgresql_where=_AVAILABLE,
              sqlite_where=_AVAILABLE),
        Index("ix_task_item_available_due", "role", "due_at", "created_at", "case_id", postgresql_where=_AVAILABLE,
              sqlite_where=_AVAILABLE),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the engine's task UUID
    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(128))  # BPMN element id
    title: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))  # READY, COMPLETED, CANCELLED
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    due_at: Mapped[dt.date | None] = mapped_column(index=True)
    due_confirmed: Mapped[bool] = mapped_column(default=True)
    due_extended: Mapped[bool] = mapped_column(default=False)  # legal review: +3 wd once
    overdue_recorded: Mapped[bool] = mapped_column(default=False)
    completed_at: Mapped[dt.datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(64))
    draft: Mapped[dict | None] = mapped_column(JSON)

    case = relationship("Case")  # lists join it explicitly; see web.tasks and api.tasks


class CaseAccessGrant(db.Model):
    """A supervisor's deliberate, recorded permission to see one state-secret case: someone outside a secret's
    知悉范围 who needs it for their work is let in with the approval of the body's head (保守国家秘密法,
    2010 text, 第16条; docs/security.md). Given by a leader with a reason, revocable; both written to the
    case's records."""
    __tablename__ = "case_access_grant"
    __table_args__ = (Index("ix_case_access_grant_case_user", "case_id", "username", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"))
    username: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(64))

"""The scheduler's timer job: BPMN timer events whose time has come wake their cases."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.cases.models import Case
from app.cases.service import wake_case
from app.core.errors import ServiceError
from app.core.vocabulary import TERMINAL_STATUSES
from app.extensions import db

SCHEDULER = "scheduler"


def fire_due_timers(now: dt.datetime) -> dict:
    """BPMN timer events whose time has come: wake their cases."""
    due = db.session.scalars(select(Case.id).where(Case.next_timer_at <= now, Case.suspended.is_(False),
                                                   Case.status.not_in(TERMINAL_STATUSES))).all()
    fired = errors = 0
    for case_id in due:
        try:
            result = wake_case(case_id, SCHEDULER, "timer due")
        except ServiceError:
            continue
        fired += result["error"] is None
        errors += result["error"] is not None
    return {"due": len(due), "fired": fired, "errors": errors}

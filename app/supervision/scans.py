"""The supervisor's scheduler job: cases that stopped moving go on the record (and on the desk's lists).

Idempotent like every scan (app.deadlines.scans): a case is marked when recorded and picked again only
after it has moved (a transition clears the mark).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select

from app.calendar.service import calendar
from app.cases.actions import for_each_case
from app.cases.models import Case, TaskItem
from app.core.clock import CHINA
from app.core.vocabulary import TERMINAL_STATUSES
from app.extensions import db
from app.records import RecordDraft, append_records
from app.supervision.lists import stuck_workdays

SCHEDULER = "scheduler"


def scan_stuck(today: dt.date) -> dict:
    """Cases with no transition for N working days, and cases the engine can no longer move (no open
    task, no timer, not finished) — each recorded once until the case moves again."""
    workdays = stuck_workdays()
    cal = calendar()
    # Only the stuck ones from the database (it was every open case, each checked here: 2.8 s at 100,000).
    stuck = db.session.scalars(select(Case.id).where(
        Case.status.not_in(TERMINAL_STATUSES), Case.suspended.is_(False), Case.stuck_recorded.is_(False),
        Case.updated_at < _stuck_before(cal, today, workdays)).order_by(Case.id)).all()
    has_open_task = exists().where(TaskItem.case_id == Case.id, TaskItem.state == "READY")
    broken = db.session.scalars(select(Case.id).where(
        Case.status.not_in(TERMINAL_STATUSES), Case.stuck_recorded.is_(False), ~has_open_task,
        Case.next_timer_at.is_(None))).all()

    def mark(kind: str):
        def apply(case: Case) -> bool:
            if case.stuck_recorded:
                return False
            case.stuck_recorded = True
            append_records(case, [RecordDraft(actor=SCHEDULER, action=f"case_{kind}", payload={
                "since": case.updated_at.isoformat(), "workdays": workdays})])
            return True
        return apply

    broken_ids = set(broken)
    return {"broken": for_each_case(broken, mark("broken")),
            "stuck": for_each_case([c for c in stuck if c not in broken_ids], mark("stuck"))}


def _stuck_before(cal, today: dt.date, workdays: int) -> dt.datetime:
    """The moment (naive UTC) before which a case's last change lies ``workdays`` working days or more before
    ``today``: the last China date that far back (working days only grow going back), its end in UTC."""
    day = today
    for _ in range(3660):
        if cal.workdays_between(day, today) >= workdays:
            break
        day -= dt.timedelta(days=1)
    end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
    return end_of_day.astimezone(dt.timezone.utc).replace(tzinfo=None)

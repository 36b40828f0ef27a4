"""The inbox's scan: a task due within 2 working days is told to its holder (or, unclaimed, to everyone who
may claim it) once; idempotent through the notice's key."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.calendar.service import calendar
from app.cases.models import Case, TaskItem
from app.extensions import db
from app.inbox.service import notify, role_holders

SOON_WORKDAYS = 2


def scan_deadlines_soon(today: dt.date) -> dict:
    horizon = today + dt.timedelta(days=SOON_WORKDAYS + 14)  # calendar days enough for 2 working days
    rows = db.session.execute(select(TaskItem, Case).join(Case, TaskItem.case_id == Case.id).where(
        TaskItem.state == "READY", TaskItem.due_at.is_not(None), TaskItem.due_at >= today,
        TaskItem.due_at <= horizon)).all()
    told = 0
    for task, case in rows:
        left = calendar().workdays_between(today, task.due_at)
        if left > SOON_WORKDAYS:
            continue
        for username in [task.claimed_by] if task.claimed_by else role_holders(task.role):
            if notify(username, "due_soon", f"due:{task.id}:{task.due_at}", case, task,
                      due=task.due_at.isoformat(), days=left):
                told += 1
    db.session.commit()
    return {"told": told}

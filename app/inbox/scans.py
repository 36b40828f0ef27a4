"""The inbox's scan: a task due within 2 working days is told to its holder (or, unclaimed, to everyone who
may claim it) once; idempotent through the notice's key."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.calendar.service import calendar
from app.cases.models import Case, TaskItem
from app.extensions import db
from app.inbox.models import InboxNotice
from app.inbox.service import notify, role_holders
from app.users.lookup import names_read_once

SOON_WORKDAYS = 2


def scan_deadlines_soon(today: dt.date) -> dict:
    horizon = _last_day_soon(today)
    rows = db.session.execute(select(TaskItem, Case).join(Case, TaskItem.case_id == Case.id).where(
        TaskItem.state == "READY", TaskItem.due_at.is_not(None), TaskItem.due_at >= today,
        TaskItem.due_at <= horizon)).all()
    told_already = _told_due_soon([task.id for task, _ in rows])
    holders: dict[str, list[str]] = {}
    told = 0
    with names_read_once(), db.session.no_autoflush:  # the notices go in at the commit, together
        for task, case in rows:
            left = calendar().workdays_between(today, task.due_at)
            key = f"due:{task.id}:{task.due_at}"
            if task.role not in holders:
                holders[task.role] = role_holders(task.role)
            for username in [task.claimed_by] if task.claimed_by else holders[task.role]:
                if (username, key) not in told_already:
                    notify(username, "due_soon", key, case, task, known_new=True, due=task.due_at.isoformat(),
                           days=left)
                    told += 1
    db.session.commit()
    return {"told": told}


def _last_day_soon(today: dt.date) -> dt.date:
    """The last day with at most ``SOON_WORKDAYS`` working days left: the query reads only the tasks due by
    then (the others were read and skipped one by one before: 20 s an hour at 100,000 open tasks)."""
    days, last = calendar(), today
    while days.workdays_between(today, last + dt.timedelta(days=1)) <= SOON_WORKDAYS:
        last += dt.timedelta(days=1)
    return last


def _told_due_soon(task_ids: list[str]) -> set[tuple[str, str]]:
    """(username, key) of the due-soon notices already given for these tasks, read in a few queries: a task
    stays due soon for two working days, so most of an hourly run's tasks were told before."""
    told: set[tuple[str, str]] = set()
    for first in range(0, len(task_ids), 500):
        told.update(map(tuple, db.session.execute(select(InboxNotice.username, InboxNotice.key).where(
            InboxNotice.kind == "due_soon", InboxNotice.task_id.in_(task_ids[first:first + 500])))))
    return told

"""The scheduler's jobs: catch-up scans over the database, so a restarted scheduler misses nothing.

Every scan is idempotent: what it does to a case it marks on the case (or task), and it only picks rows
not yet marked; running it twice changes nothing the second time. Each case is handled in its own
transaction, so one busy case (a user action in flight) is simply picked up by the next run.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.calendar.service import calendar
from app.cases.actions import for_each_case
from app.cases.models import Case, TaskItem
from app.core.i18n import t
from app.core.vocabulary import TERMINAL_STATUSES
from app.deadlines.clock import correction_notice_due
from app.deadlines.service import recompute
from app.extensions import db
from app.records import RecordDraft, append_records

SCHEDULER = "scheduler"


def scan_deemed_acceptance(today: dt.date) -> dict:
    """第32条: no correction notice within 5 working days of receipt → accepted on the receipt date."""
    candidates = db.session.scalars(select(Case.id).where(
        Case.accepted_on.is_(None), Case.correction_notice_on.is_(None), Case.received_on.is_not(None),
        Case.status.not_in(TERMINAL_STATUSES))).all()
    cal = calendar()

    def apply(case: Case) -> bool:
        if case.accepted_on is not None or case.correction_notice_on is not None:
            return False
        limit = correction_notice_due(case.received_on, cal)
        if not limit.date < today:
            return False
        case.accepted_on, case.deemed_accepted = case.received_on, True
        drafts = [RecordDraft(actor=SCHEDULER, action="deemed_accepted", payload={
            "received_on": case.received_on.isoformat(), "notice_due": limit.date.isoformat(),
            "message": t("deemed_accepted_no_correction", lang="zh", date=case.received_on.isoformat())})]
        recompute(case, drafts)
        append_records(case, drafts)
        return True

    return {"candidates": len(candidates), "deemed_accepted": for_each_case(candidates, apply)}


def scan_overdue(today: dt.date) -> dict:
    """One record when a task or a case's decision becomes overdue (and it goes on the supervisor's desk)."""
    task_rows = db.session.execute(select(TaskItem.case_id, TaskItem.id).where(
        TaskItem.state == "READY", TaskItem.due_at < today, TaskItem.overdue_recorded.is_(False))).all()
    by_case: dict[int, list[str]] = {}
    for case_id, task_id in task_rows:
        by_case.setdefault(case_id, []).append(task_id)

    def apply_tasks(case: Case) -> bool:
        tasks = db.session.scalars(select(TaskItem).where(TaskItem.id.in_(by_case[case.id]),
                                                          TaskItem.overdue_recorded.is_(False))).all()
        for task in tasks:
            task.overdue_recorded = True
        append_records(case, [RecordDraft(actor=SCHEDULER, action="task_overdue", task_id=task.id,
                                          task_name=task.name, payload={"due": task.due_at.isoformat()})
                              for task in tasks])
        return bool(tasks)

    cases = db.session.scalars(select(Case.id).where(
        Case.decision_due < today, Case.decided_on.is_(None), Case.overdue_recorded.is_(False),
        Case.status.not_in(TERMINAL_STATUSES))).all()

    def apply_case(case: Case) -> bool:
        if case.overdue_recorded or case.decided_on is not None:
            return False
        case.overdue_recorded = True
        append_records(case, [RecordDraft(actor=SCHEDULER, action="decision_overdue", payload={
            "decision_due": case.decision_due.isoformat()})])
        return True

    return {"tasks_overdue": for_each_case(by_case, apply_tasks), "cases_overdue": for_each_case(cases, apply_case)}

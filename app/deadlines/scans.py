"""The scheduler's jobs: catch-up scans over the database, so a restarted scheduler misses nothing.

Every scan is idempotent: what it does to a case it marks on the case (or task), and it only picks rows
not yet marked; running it twice changes nothing the second time. Each case is handled in its own
transaction, so one busy case (a user action in flight) is simply picked up by the next run.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import exists, select

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


def scan_publication(today: dt.date) -> dict:
    """Decisions not published within 7 working days of the decision date. A decision withheld from
    publication (a secret, with a reason and an approver; app.publicity) is not late."""
    from app.publicity.models import WITHHELD, Publication
    withheld = exists().where(Publication.case_id == Case.id, Publication.state == WITHHELD)
    late = db.session.scalars(select(Case.id).where(
        Case.publication_due < today, Case.published_on.is_(None), Case.publication_overdue_recorded.is_(False),
        ~withheld)).all()

    def apply(case: Case) -> bool:
        if case.publication_overdue_recorded or case.published_on is not None:
            return False
        if db.session.scalar(select(exists().where(Publication.case_id == case.id,
                                                   Publication.state == WITHHELD))):  # withheld meanwhile
            return False
        case.publication_overdue_recorded = True
        append_records(case, [RecordDraft(actor=SCHEDULER, action="publication_overdue", payload={
            "publication_due": case.publication_due.isoformat()})])
        return True

    return {"publication_overdue": for_each_case(late, apply)}


def annual_report_reminder(today: dt.date) -> dict:
    """统计年报: last year's report is due before 31 January. In January, while it is not published, remind
    (log) every run; ``published`` says whether a version of last year's report is published."""
    from app.publicity.annual import is_published
    due = dt.date(today.year, 1, 31)
    in_season = today.month == 1
    published = is_published(today.year - 1)
    if in_season and not published:
        current_app.logger.warning("统计年报：%s 年度报告须于 %s 前公布并报送（剩 %d 天）", today.year - 1, due,
                                   (due - today).days)
    return {"in_season": int(in_season), "published": published,
            "days_left": (due - today).days if in_season else None}

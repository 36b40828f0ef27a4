"""The supervisor's lists (督办台): late, nearly late, stuck and broken work, and every open task, with the
filters they share and the counts on the desk's tabs.

Queries read the task projection and the case columns only (never the engine state). Dates are China
dates; periods are working days (app.calendar).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import exists, func, select

from app.calendar.service import calendar
from app.cases.models import Case, TaskItem
from app.catalogue.models import ServiceItem
from app.core.clock import CHINA, china_date, china_today
from app.core.vocabulary import TERMINAL_STATUSES
from app.definitions.service import bundle_key, get_bundle, latest_versions
from app.extensions import db

DUE_SOON_WORKDAYS = 2
STUCK_WORKDAYS = 5  # the default of SUPERVISION_STUCK_WORKDAYS
MAX_ROWS = 5000  # a list longer than this is a different problem; the page says when it is cut


def stuck_workdays() -> int:
    """After how many working days without a transition a running case counts as stuck (the desk's list,
    the scheduler's scan and the page's explanation all ask here)."""
    return int(current_app.config.get("SUPERVISION_STUCK_WORKDAYS", STUCK_WORKDAYS))


@dataclass
class Filters:
    item: str | None = None  # ServiceItem.code
    step: str | None = None  # TaskItem.name (BPMN element id)
    major: bool | None = None

    @classmethod
    def from_args(cls, args) -> "Filters":
        major = args.get("major", "")
        return cls(item=args.get("item") or None, step=args.get("step") or None,
                   major=True if major in ("1", "true") else False if major in ("0", "false") else None)


@dataclass
class Row:
    """One line of a supervision list: an open task, or a case (decision deadline, stuck, broken)."""
    kind: str  # 'task' | 'case'
    case_no: str
    item: str
    item_name: str
    is_major: bool
    status: str
    suspended: bool
    task_id: str | None = None
    step: str | None = None  # BPMN element id(s), '、'-joined for a case row
    step_title: str | None = None
    role: str | None = None
    assignee: str | None = None
    due: dt.date | None = None
    due_confirmed: bool = True
    days_overdue: int | None = None
    days_left: int | None = None
    last_change: dt.datetime | None = None
    idle_workdays: int | None = None
    problem: str | None = None  # broken list: 'engine_error' | 'no_open_task'
    engine_error: str | None = None
    waiting_since: dt.datetime | None = None


def _case_conditions(filters: Filters) -> list:
    conditions = []
    if filters.item:
        conditions.append(ServiceItem.code == filters.item)
    if filters.major is not None:
        conditions.append(Case.is_major.is_(filters.major))
    return conditions


def _task_rows(conditions: list, filters: Filters, order) -> list[tuple[TaskItem, Case, ServiceItem]]:
    stmt = (select(TaskItem, Case, ServiceItem).join(Case, TaskItem.case_id == Case.id)
            .join(ServiceItem, Case.item_id == ServiceItem.id)
            .where(TaskItem.state == "READY", *conditions, *_case_conditions(filters)))
    if filters.step:
        stmt = stmt.where(TaskItem.name == filters.step)
    return db.session.execute(stmt.order_by(*order).limit(MAX_ROWS)).all()


def _case_rows(conditions: list, filters: Filters) -> list[tuple[Case, ServiceItem]]:
    stmt = (select(Case, ServiceItem).join(ServiceItem, Case.item_id == ServiceItem.id)
            .where(*conditions, *_case_conditions(filters)))
    if filters.step:
        stmt = stmt.where(exists().where(TaskItem.case_id == Case.id, TaskItem.state == "READY",
                                         TaskItem.name == filters.step))
    return db.session.execute(stmt.order_by(Case.id).limit(MAX_ROWS)).all()


class _Days:
    """Working days between dates, remembered per pair (many rows share a due date)."""

    def __init__(self):
        self.cal = calendar()
        self.known: dict[tuple[dt.date, dt.date], int] = {}

    def __call__(self, a: dt.date, b: dt.date) -> int:
        if (a, b) not in self.known:
            self.known[(a, b)] = self.cal.workdays_between(a, b)
        return self.known[(a, b)]


def _open_tasks_by_case(case_ids) -> dict[int, list[TaskItem]]:
    found: dict[int, list[TaskItem]] = defaultdict(list)
    ids = list(case_ids)
    for start in range(0, len(ids), 500):
        for task in db.session.scalars(select(TaskItem).where(TaskItem.case_id.in_(ids[start:start + 500]),
                                                              TaskItem.state == "READY")
                                       .order_by(TaskItem.created_at, TaskItem.id)):
            found[task.case_id].append(task)
    return found


def _task_row(task: TaskItem, case: Case, item: ServiceItem) -> Row:
    return Row(kind="task", case_no=case.case_no, item=item.code, item_name=item.name, is_major=case.is_major,
               status=case.status, suspended=case.suspended, task_id=task.id, step=task.name,
               step_title=task.title, role=task.role, assignee=task.claimed_by, due=task.due_at,
               due_confirmed=task.due_confirmed, last_change=case.updated_at, waiting_since=task.created_at)


def _case_row(case: Case, item: ServiceItem, tasks: list[TaskItem], **extra) -> Row:
    claimed = [task.claimed_by for task in tasks if task.claimed_by]
    return Row(kind="case", case_no=case.case_no, item=item.code, item_name=item.name, is_major=case.is_major,
               status=case.status, suspended=case.suspended, step="、".join(task.name for task in tasks) or None,
               step_title="、".join(task.title for task in tasks) or None,
               role="、".join(sorted({task.role for task in tasks})) or None,
               assignee="、".join(claimed) or None, last_change=case.updated_at,
               waiting_since=min((task.created_at for task in tasks), default=None), **extra)


def overdue(filters: Filters | None = None, today: dt.date | None = None) -> list[Row]:
    """Open tasks past their due date, and undecided running cases past their decision deadline;
    the longest overdue first."""
    filters, today = filters or Filters(), today or china_today()
    days = _Days()
    rows = [_task_row(task, case, item) for task, case, item in _task_rows(
        [TaskItem.due_at.is_not(None), TaskItem.due_at < today], filters, (TaskItem.due_at, TaskItem.case_id))]
    cases = _case_rows([Case.decision_due.is_not(None), Case.decision_due < today, Case.decided_on.is_(None),
                        Case.status.not_in(TERMINAL_STATUSES)], filters)
    tasks = _open_tasks_by_case(c.id for c, _ in cases)
    rows += [_case_row(c, item, tasks.get(c.id, []), due=c.decision_due, due_confirmed=c.decision_due_confirmed)
             for c, item in cases]
    for row in rows:
        row.days_overdue = days(row.due, today)
    rows.sort(key=lambda r: (-r.days_overdue, r.due, r.case_no, r.kind))
    return rows


def due_soon(filters: Filters | None = None, today: dt.date | None = None) -> list[Row]:
    """Open tasks (and undecided cases) due from today up to the second working day after today."""
    filters, today = filters or Filters(), today or china_today()
    days = _Days()
    until = days.cal.add_workdays(today, DUE_SOON_WORKDAYS).date
    rows = [_task_row(task, case, item) for task, case, item in _task_rows(
        [TaskItem.due_at >= today, TaskItem.due_at <= until], filters, (TaskItem.due_at, TaskItem.case_id))]
    cases = _case_rows([Case.decision_due >= today, Case.decision_due <= until, Case.decided_on.is_(None),
                        Case.status.not_in(TERMINAL_STATUSES)], filters)
    tasks = _open_tasks_by_case(c.id for c, _ in cases)
    rows += [_case_row(c, item, tasks.get(c.id, []), due=c.decision_due, due_confirmed=c.decision_due_confirmed)
             for c, item in cases]
    for row in rows:
        row.days_left = days(today, row.due)
    rows.sort(key=lambda r: (r.due, r.case_no, r.kind))
    return rows


def stuck(filters: Filters | None = None, today: dt.date | None = None, workdays: int | None = None) -> list[Row]:
    """Running, not suspended cases without a transition (``updated_at``) for ``workdays`` working days."""
    filters, today = filters or Filters(), today or china_today()
    workdays = stuck_workdays() if workdays is None else workdays
    days = _Days()
    # A case idle for n working days was last changed at least n calendar days ago (China date):
    # before China midnight of today - n + 1, i.e. 16:00 UTC the day before.
    latest = dt.datetime.combine(today - dt.timedelta(days=workdays - 1), dt.time(), CHINA) \
        .astimezone(dt.timezone.utc).replace(tzinfo=None)
    cases = _case_rows([Case.status.not_in(TERMINAL_STATUSES), Case.suspended.is_(False), Case.updated_at < latest], filters)
    tasks = _open_tasks_by_case(c.id for c, _ in cases)
    rows = []
    for c, item in cases:
        idle = days(china_date(c.updated_at), today)
        if idle >= workdays:
            rows.append(_case_row(c, item, tasks.get(c.id, []), idle_workdays=idle, due=c.decision_due,
                                  due_confirmed=c.decision_due_confirmed))
    rows.sort(key=lambda r: (-r.idle_workdays, r.case_no))
    return rows


def broken(filters: Filters | None = None, today: dt.date | None = None) -> list[Row]:
    """Cases with an engine error, and running cases that wait for nothing: no open task, no timer."""
    filters = filters or Filters()
    no_task = ~exists().where(TaskItem.case_id == Case.id, TaskItem.state == "READY")
    waiting_for_nothing = Case.status.not_in(TERMINAL_STATUSES) & Case.next_timer_at.is_(None) & no_task
    cases = _case_rows([Case.engine_error.is_not(None) | waiting_for_nothing], filters)
    tasks = _open_tasks_by_case(c.id for c, _ in cases)
    rows = [_case_row(c, item, tasks.get(c.id, []), problem="engine_error" if c.engine_error else "no_open_task",
                      engine_error=c.engine_error, due=c.decision_due, due_confirmed=c.decision_due_confirmed)
            for c, item in cases]
    rows.sort(key=lambda r: r.case_no)
    return rows


def open_list(filters: Filters | None = None, today: dt.date | None = None) -> list[Row]:
    """Every open task (the diagrams' step counts link here), the longest waiting first."""
    filters, today = filters or Filters(), today or china_today()
    days = _Days()
    rows = [_task_row(task, case, item) for task, case, item in _task_rows(
        [], filters, (TaskItem.created_at, TaskItem.case_id))]
    for row in rows:
        if row.due is not None:
            late = days(row.due, today)
            row.days_overdue, row.days_left = (late, None) if late > 0 else (None, -late)
    return rows


LIST_FUNCTIONS = {"overdue": overdue, "due_soon": due_soon, "stuck": stuck, "broken": broken, "open": open_list}


def counts(today: dt.date | None = None) -> dict[str, int]:
    """How many lines each list has (no filters), for the desk's tabs; counted in the database where the
    list needs no working-day arithmetic."""
    today = today or china_today()
    until = calendar().add_workdays(today, DUE_SOON_WORKDAYS).date

    def tasks(*conditions) -> int:
        return db.session.scalar(select(func.count(TaskItem.id)).where(TaskItem.state == "READY", *conditions))

    def cases(*conditions) -> int:
        return db.session.scalar(select(func.count(Case.id)).where(*conditions))

    undecided = (Case.decided_on.is_(None), Case.status.not_in(TERMINAL_STATUSES))
    no_task = ~exists().where(TaskItem.case_id == Case.id, TaskItem.state == "READY")
    return {
        "overdue": tasks(TaskItem.due_at < today) + cases(Case.decision_due < today, *undecided),
        "due_soon": tasks(TaskItem.due_at >= today, TaskItem.due_at <= until)
        + cases(Case.decision_due >= today, Case.decision_due <= until, *undecided),
        "stuck": len(stuck(Filters(), today)),
        "broken": cases(Case.engine_error.is_not(None)
                        | (Case.status.not_in(TERMINAL_STATUSES) & Case.next_timer_at.is_(None) & no_task)),
        "open": tasks(),
    }


def step_choices() -> list[tuple[str, str]]:
    """(element id, title) of every user task of the deployed diagrams and of every open task."""
    seen: dict[str, str] = {}
    latest = latest_versions()
    if latest:
        for meta in get_bundle(bundle_key(v.id for v in latest.values())).tasks.values():
            seen.setdefault(meta.task_id, meta.title)
    for name, title in db.session.execute(select(TaskItem.name, func.max(TaskItem.title))
                                          .where(TaskItem.state == "READY").group_by(TaskItem.name)):
        seen.setdefault(name, title)
    return sorted(seen.items(), key=lambda kv: kv[1])


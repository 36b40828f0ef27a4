"""The supervisor's desk (督办): lists of late, nearly late, stuck and broken work, the per-step picture,
the monthly on-time rate, and the supervisor's actions on tasks and cases.

Queries read the task projection and the case columns only (never the engine state). Every action is
one transaction that writes an execution record on the case (actor = the supervisor, role "supervisor").
Dates are China dates; periods are working days (app.calendar).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Integer, cast, exists, func, select
from sqlalchemy import case as sql_case

from app.calendar.service import calendar
from app.cases import access as case_access
from app.cases import actions as case_actions
from app.cases import service as case_service
from app.cases.actions import action, lock_task
from app.cases.models import Case, TaskItem
from app.catalogue.models import ServiceItem
from app.core.clock import CHINA, china_date, china_today, utcnow
from app.core.errors import Conflict, Forbidden, InvalidData
from app.core.i18n import t
from app.core.roles import role_label
from app.core.vocabulary import TERMINAL_STATUSES, status_label
from app.definitions.models import DefinitionVersion
from app.definitions.service import bundle_key, get_bundle, latest_versions
from app.extensions import db
from app.legal_review.guard import separation_refusal
from app.records import RecordDraft, append_records
from app.users.models import User, UserRole

ROLE = "supervisor"
DUE_SOON_WORKDAYS = 2
MAX_ROWS = 5000  # a list longer than this is a different problem; the page says when it is cut
LISTS = ("overdue", "due_soon", "stuck", "broken", "open")


def stuck_workdays() -> int:
    return int(current_app.config.get("SUPERVISION_STUCK_WORKDAYS", 5))


# ------------------------------------------------------------------------------------------ lists

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


def assignable_users(role: str) -> list[User]:
    """Active users who hold ``role`` (the people a task of that role may be given to)."""
    return list(db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                   .where(UserRole.role == role, User.active.is_(True)).order_by(User.username)))


# ------------------------------------------------------------------------------------------ steps

@dataclass
class StepStat:
    process_id: str
    name: str
    title: str
    role: str
    open: int
    avg_wait_hours: float
    max_wait_hours: float


@dataclass
class VersionSteps:
    """The open work of the cases that run on one process version."""
    version_id: int
    key: str
    name: str
    version: int
    steps: list[StepStat] = field(default_factory=list)

    @property
    def open(self) -> int:
        return sum(s.open for s in self.steps)


@dataclass
class DiagramCounts:
    """One diagram version (a main or a called process) and the open tasks on each of its steps."""
    version_id: int
    key: str
    name: str
    version: int
    counts: dict[str, int]


def _epoch(column):
    """Seconds since 1970 of a naive-UTC timestamp column, in SQL (averaged without loading rows)."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", column)
    return cast(func.strftime("%s", column), Integer)


def step_stats(now: dt.datetime | None = None) -> list[VersionSteps]:
    """Open tasks and their average and longest wait (now − created_at) per step, grouped by the cases'
    process version; computed in the database from the projection."""
    now = now or utcnow()
    now_epoch = (now - dt.datetime(1970, 1, 1)).total_seconds()
    rows = db.session.execute(
        select(Case.process_version_id, TaskItem.process_id, TaskItem.name, func.max(TaskItem.title),
               func.max(TaskItem.role), func.count(TaskItem.id), func.avg(_epoch(TaskItem.created_at)),
               func.min(_epoch(TaskItem.created_at)))
        .join(Case, TaskItem.case_id == Case.id).where(TaskItem.state == "READY")
        .group_by(Case.process_version_id, TaskItem.process_id, TaskItem.name)).all()
    versions = {v.id: v for v in db.session.execute(
        select(DefinitionVersion.id, DefinitionVersion.key, DefinitionVersion.name, DefinitionVersion.version)
        .where(DefinitionVersion.id.in_({r[0] for r in rows})))}
    grouped: dict[int, VersionSteps] = {}
    for version_id, process_id, name, title, role, n, avg_epoch, min_epoch in rows:
        v = versions[version_id]
        group = grouped.setdefault(version_id, VersionSteps(version_id, v.key, v.name, v.version))
        group.steps.append(StepStat(process_id, name, title, role, int(n),
                                    max(now_epoch - float(avg_epoch), 0) / 3600,
                                    max(now_epoch - float(min_epoch), 0) / 3600))
    order = _step_order()
    for group in grouped.values():  # the main process's steps first, then those of called processes
        group.steps.sort(key=lambda s: (s.process_id != group.key, s.process_id,
                                        order.get((s.process_id, s.name), 999), s.name))
    return sorted(grouped.values(), key=lambda g: (g.key, -g.version))


def _step_order() -> dict[tuple[str, str], int]:
    """Steps in the order the latest bundle declares them (roughly the flow's order)."""
    latest = latest_versions()
    if not latest:
        return {}
    return {k: i for i, k in enumerate(get_bundle(bundle_key(v.id for v in latest.values())).tasks)}


def diagram_counts() -> list[DiagramCounts]:
    """Every diagram version that open tasks run on (main and called processes) and every latest deployed
    process, with the open count per user task (0 included, so the picture is complete)."""
    rows = db.session.execute(
        select(Case.bundle, TaskItem.process_id, TaskItem.name, func.count(TaskItem.id))
        .join(Case, TaskItem.case_id == Case.id).where(TaskItem.state == "READY")
        .group_by(Case.bundle, TaskItem.process_id, TaskItem.name)).all()
    latest = latest_versions()
    bundles = {r[0] for r in rows}
    if latest:
        bundles.add(bundle_key(v.id for v in latest.values()))
    ids_of = {b: [int(i) for i in b.split(",") if i] for b in bundles}
    versions = {v.id: v for v in db.session.execute(
        select(DefinitionVersion.id, DefinitionVersion.key, DefinitionVersion.name, DefinitionVersion.version)
        .where(DefinitionVersion.id.in_({i for ids in ids_of.values() for i in ids}),
               DefinitionVersion.kind == "bpmn"))}
    version_of = {b: {versions[i].key: i for i in ids if i in versions} for b, ids in ids_of.items()}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for b in bundles:
        for meta in get_bundle(b).tasks.values():
            version_id = version_of[b].get(meta.process_id)
            if version_id is not None:
                counts[version_id].setdefault(meta.task_id, 0)
    shown = {v.id for v in latest.values() if v.id in versions}
    for b, process_id, name, n in rows:
        version_id = version_of[b].get(process_id)
        if version_id is not None:
            counts[version_id][name] = counts[version_id].get(name, 0) + int(n)
            shown.add(version_id)
    main_keys = set(db.session.scalars(select(ServiceItem.process_key).distinct()))
    return sorted((DiagramCounts(i, versions[i].key, versions[i].name, versions[i].version, counts[i])
                   for i in shown), key=lambda d: (d.key not in main_keys, d.key, -d.version))


def diagram_content(version_id: int) -> bytes:
    return db.session.scalar(select(DefinitionVersion.content).where(DefinitionVersion.id == version_id))


# ------------------------------------------------------------------------------------------ on time

@dataclass
class MonthRate:
    month: str  # YYYY-MM
    decided: int  # decided in the month
    with_deadline: int  # ... of which had a decision deadline
    on_time: int  # decided_on <= decision_due

    @property
    def late(self) -> int:
        return self.with_deadline - self.on_time

    @property
    def no_deadline(self) -> int:
        return self.decided - self.with_deadline

    @property
    def rate(self) -> float | None:
        """Share of on-time decisions among the month's decisions that had a deadline (None: none)."""
        return self.on_time / self.with_deadline if self.with_deadline else None


def _month_start(d: dt.date, back: int = 0) -> dt.date:
    index = d.year * 12 + d.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def on_time_rates(today: dt.date | None = None, months: int = 12) -> list[MonthRate]:
    """The last ``months`` months (the current one last): cases decided in the month and how many of them
    on or before their decision deadline."""
    today = today or china_today()
    start = _month_start(today, months - 1)
    rows = db.session.execute(
        select(Case.decided_on, func.count(Case.id), func.count(Case.decision_due),
               func.sum(sql_case((Case.decided_on <= Case.decision_due, 1), else_=0)))
        .where(Case.decided_on >= start, Case.decided_on <= today).group_by(Case.decided_on)).all()
    result = {f"{_month_start(today, back):%Y-%m}": MonthRate(f"{_month_start(today, back):%Y-%m}", 0, 0, 0)
              for back in range(months - 1, -1, -1)}
    for decided_on, n, with_deadline, on_time in rows:
        month = result[f"{decided_on:%Y-%m}"]
        month.decided += int(n)
        month.with_deadline += int(with_deadline)
        month.on_time += int(on_time or 0)
    return list(result.values())


# ------------------------------------------------------------------------------------------ actions

def _require_supervisor(user: User) -> None:
    if not user.has_role(ROLE):
        raise Forbidden.of("permission_denied")


def _clean_reason(reason: str | None, field_name: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidData(t("reason_required"), fields={field_name: [t("reason_required")]}, code="reason_required")
    if len(text) > 2000:
        message = t("too_long", max=2000)
        raise InvalidData(message, fields={field_name: [message]})
    return text


@action
def reassign_task(user: User, task_id: str, to: str, reason: str) -> TaskItem:
    """Give an open task to another active user who holds its role (separation of duties respected)."""
    _require_supervisor(user)
    reason = _clean_reason(reason)
    task = lock_task(task_id)
    if task.state != "READY":
        raise Conflict.of("task_not_open", state=task.state)
    target = db.session.scalar(select(User).where(User.username == (to or "").strip(), User.active.is_(True)))
    if target is None:
        message = t("unknown_user", value=to)
        raise InvalidData(message, fields={"to": [message]}, code="unknown_user")
    if not target.has_role(task.role):
        message = t("user_lacks_role", value=target.username, role=role_label(task.role))
        raise InvalidData(message, fields={"to": [message]}, code="user_lacks_role")
    refusal = separation_refusal(task, target.username)
    if refusal:
        raise InvalidData(t(refusal), fields={"to": [t(refusal)]}, code=refusal)
    if task.claimed_by == target.username:
        raise Conflict.of("already_assigned", user=target.username)
    previous = task.claimed_by
    task.claimed_by = target.username
    append_records(task.case, [RecordDraft(
        actor=user.username, role=ROLE, action="task_reassigned", task_id=task.id, task_name=task.name,
        payload={"title": task.title, "from": previous, "to": target.username, "reason": reason})])
    task.case.updated_at = utcnow()
    db.session.commit()
    return task


@action
def add_note(user: User, case_no: str, text: str) -> Case:
    """A supervisory note (督办意见) on the case's record."""
    _require_supervisor(user)
    text = _clean_reason(text)
    case = case_actions.lock_case_by_no(case_no)
    append_records(case, [RecordDraft(actor=user.username, role=ROLE, action="supervisory_note",
                                      payload={"text": text})])
    db.session.commit()
    return case


@action
def suspend_case(user: User, case_no: str, reason: str) -> Case:
    """Stop all work on the case (staff actions are refused with 'case_suspended') until resumed."""
    _require_supervisor(user)
    reason = _clean_reason(reason)
    case = case_actions.lock_case_by_no(case_no)
    if case.suspended:
        raise Conflict.of("case_already_suspended")
    if case.status in TERMINAL_STATUSES:
        raise Conflict.of("case_not_running", status=status_label(case.status))
    case.suspended = True
    case.updated_at = utcnow()
    append_records(case, [RecordDraft(actor=user.username, role=ROLE, action="case_suspended",
                                      payload={"reason": reason})])
    db.session.commit()
    return case


@action
def resume_case(user: User, case_no: str, reason: str) -> Case:
    _require_supervisor(user)
    reason = _clean_reason(reason)
    case = case_actions.lock_case_by_no(case_no)
    if not case.suspended:
        raise Conflict.of("case_not_suspended")
    case.suspended = False
    case.updated_at = utcnow()  # the stuck clock restarts with the case
    append_records(case, [RecordDraft(actor=user.username, role=ROLE, action="case_resumed",
                                      payload={"reason": reason})])
    db.session.commit()
    return case


def retry_case(user: User, case_no: str, reason: str) -> dict:
    """Run the engine again for a broken case (services.cases.wake_case: one transaction, which records
    'engine_woken' or 'engine_error' with the supervisor as actor). Returns {transitions, error}."""
    _require_supervisor(user)
    reason = _clean_reason(reason)
    case = case_access.get_case(case_no)
    has_open_task = db.session.scalar(select(func.count(TaskItem.id)).where(
        TaskItem.case_id == case.id, TaskItem.state == "READY")) > 0
    stalled = case.status not in TERMINAL_STATUSES and case.next_timer_at is None and not has_open_task
    if not case.engine_error and not stalled:
        raise Conflict.of("nothing_to_retry")
    case_id = case.id
    db.session.rollback()  # wake_case starts its own transaction from a clean session
    return case_service.wake_case(case_id, actor=user.username, reason=reason)


SUPERVISION_ACTIONS = ("task_reassigned", "supervisory_note", "case_suspended", "case_resumed", "engine_woken",
                       "engine_error")

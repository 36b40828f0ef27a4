"""The frame of every action on a case: one transaction, the case row locked, races turned into 409, and
refusals written into the case's records as evidence."""
from __future__ import annotations

from functools import wraps

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.exc import StaleDataError

from app.cases import hooks
from app.cases.models import Case, TaskItem
from app.core.errors import Conflict, Forbidden, NotFound, ServiceError
from app.core.i18n import t
from app.core.roles import role_label
from app.extensions import db
from app.records import RecordDraft, append_records
from app.users.lookup import display_name
from app.users.models import User


def _is_lock_conflict(exc: OperationalError) -> bool:
    # SQLite in WAL mode refuses a write whose read snapshot is stale instead of waiting.
    return "database is locked" in str(exc) or "could not serialize" in str(exc)


def action(func):
    """One user action = one transaction: any race with another action on the case becomes a 409."""
    @wraps(func)
    def wrapped(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (StaleDataError, IntegrityError):
            db.session.rollback()
            raise Conflict.of("concurrent_change")
        except OperationalError as exc:
            db.session.rollback()
            if _is_lock_conflict(exc):
                raise Conflict.of("concurrent_change")
            raise
    return wrapped


def lock_case(case_id: int) -> Case:
    """The case row, locked until commit on PostgreSQL; on SQLite the version column catches races."""
    return db.session.scalars(select(Case).where(Case.id == case_id).with_for_update(of=Case)
                              .execution_options(populate_existing=True)).one()


def lock_case_by_no(case_no: str) -> Case:
    """The case with this number, locked like ``lock_case`` (404 when there is none)."""
    case = db.session.scalars(select(Case).where(Case.case_no == case_no).with_for_update(of=Case)
                              .execution_options(populate_existing=True)).first()
    if case is None:
        raise NotFound.of("not_found", what=case_no)
    return case


def lock_task(task_id: str) -> TaskItem:
    """The task with its case row locked (one statement): every check after it sees the current state."""
    task = db.session.scalars(
        select(TaskItem).join(TaskItem.case).options(contains_eager(TaskItem.case))
        .where(TaskItem.id == task_id).with_for_update(of=Case)
        .execution_options(populate_existing=True)).first()
    if task is None:
        raise NotFound.of("not_found", what=task_id)
    return task


def refuse(error_cls: type[ServiceError], key: str, user: User, case_id: int, attempted: str,
           task: TaskItem | None = None, **params) -> ServiceError:
    """Undo the action, write the refusal into the case's records (evidence), and return the error."""
    task_id, task_name, role = (task.id, task.name, task.role) if task is not None else (None, None, None)
    db.session.rollback()
    for _attempt in range(3):
        try:
            case = lock_case(case_id)
            append_records(case, [RecordDraft(
                actor=user.username, role=role, action="refused", task_id=task_id, task_name=task_name,
                payload={"attempted": attempted, "reason": key, "message": t(key, lang="zh", **params),
                         "actor_roles": sorted(user.roles)})])
            db.session.commit()
            break
        except (StaleDataError, IntegrityError, OperationalError):
            db.session.rollback()
    else:  # the case kept changing under us: the refusal stands, but say loudly that it is unrecorded
        current_app.logger.error("refusal %s of %s on task %s could not be recorded", key, user.username, task_id)
    return error_cls(t(key, **params), code=key)


def check_case_open(case: Case) -> None:
    """A sealed or suspended case takes no action."""
    if case.archived_at is not None:  # sealed case file (app.archive): read-only
        raise Conflict.of("case_archived_read_only")
    if case.suspended:
        raise Conflict.of("case_suspended")


def check_may_act(user: User, task: TaskItem, attempted: str) -> None:
    """May ``user`` claim, draft or complete ``task`` now? Refusals of the law are recorded."""
    if task.case.archived_at is not None:
        raise Conflict.of("case_archived_read_only")
    if task.state != "READY":
        raise Conflict.of("task_not_open", state=task.state)
    if task.case.suspended:
        raise Conflict.of("case_suspended")
    if not user.has_role(task.role):
        raise refuse(Forbidden, "role_required", user, task.case_id, attempted, task, role=role_label(task.role))
    refusal = hooks.actor_refusal(task, user.username)
    if refusal:
        raise refuse(Forbidden, refusal, user, task.case_id, attempted, task)
    if task.claimed_by and task.claimed_by != user.username:
        raise Conflict.of("task_claimed_by_other", user=display_name(task.claimed_by))


def for_each_case(case_ids, apply) -> int:
    """Lock each case, let ``apply`` change it (returning whether it did), commit; count the changes."""
    changed = 0

    @action
    def one(case_id):
        case = lock_case(case_id)
        if apply(case):
            db.session.commit()
            return True
        db.session.rollback()
        return False

    for case_id in list(case_ids):
        try:
            changed += bool(one(case_id))
        except ServiceError:  # changed meanwhile by a user; the next run sees it again
            continue
    return changed

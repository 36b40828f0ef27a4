"""Who sees which case, and the look-ups every case page, API call and command starts from."""
from __future__ import annotations

from sqlalchemy import Select, func, select

from app.cases.models import Case, TaskItem
from app.core.errors import Forbidden, NotFound
from app.core.roles import CASE_WORKING_ROLES
from app.definitions.service import get_bundle
from app.engine.definitions import TaskMeta
from app.extensions import db
from app.users.models import User

TASK_SCOPES = ("mine", "available")


def get_case(case_no: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.case_no == case_no))
    if case is None:
        raise NotFound.of("not_found", what=case_no)
    return case


def get_task(task_id: str) -> TaskItem:
    task = db.session.get(TaskItem, task_id)
    if task is None:
        raise NotFound.of("not_found", what=task_id)
    return task


def may_view_case(user: User, case: Case) -> bool:
    """Supervisors see every case; staff who work cases see them, but a state-secret case only its
    leader and the people who acted on it; designers and administrators see no case data."""
    if user.has_role("supervisor"):
        return True
    if not CASE_WORKING_ROLES & user.roles:
        return False
    if case.confidentiality != "state_secret" or user.has_role("leader") or case.created_by == user.username:
        return True
    return db.session.scalar(select(func.count(TaskItem.id)).where(
        TaskItem.case_id == case.id, (TaskItem.completed_by == user.username) | (TaskItem.claimed_by == user.username)
        | ((TaskItem.state == "READY") & TaskItem.role.in_(sorted(user.roles))))) > 0


def case_for_viewer(user: User, case_no: str) -> Case:
    case = get_case(case_no)
    if not may_view_case(user, case):
        raise Forbidden.of("permission_denied")
    return case


def task_for_viewer(user: User, task_id: str) -> TaskItem:
    task = get_task(task_id)
    if not may_view_case(user, task.case):
        raise Forbidden.of("permission_denied")
    return task


def task_meta(task: TaskItem) -> TaskMeta:
    return get_bundle(task.case.bundle).task_meta(task.process_id, task.name)


def open_tasks(case: Case) -> list[TaskItem]:
    return list(db.session.scalars(select(TaskItem).where(TaskItem.case_id == case.id, TaskItem.state == "READY")
                                   .order_by(TaskItem.created_at, TaskItem.id)))


def scoped_tasks(stmt: Select, scope: str, user: User) -> Select:
    """Open tasks of a task list: claimed by ``user`` ("mine"), or open to their roles and unclaimed
    ("available"). The web list, the API and the command line all scope through here."""
    stmt = stmt.where(TaskItem.state == "READY")
    if scope == "mine":
        return stmt.where(TaskItem.claimed_by == user.username)
    return stmt.where(TaskItem.role.in_(sorted(user.roles)), TaskItem.claimed_by.is_(None))


def users_roles(usernames) -> dict[str, set[str]]:
    users = db.session.scalars(select(User).where(User.username.in_(list(usernames)), User.active.is_(True)))
    return {u.username: u.roles for u in users}

"""Who sees which case, and the look-ups every case page, API call and command starts from."""
from __future__ import annotations

from sqlalchemy import Select, func, select

from app.cases.models import Case, CaseAccessGrant, TaskItem
from app.core.errors import Forbidden, NotFound
from app.core.i18n import t
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
    """The one rule of who sees a case — the web, the API, the commands, documents and the case file ask
    it. Designers and administrators see no case data. Staff who work cases and supervisors see cases;
    a state-secret case (国家秘密) only its 知悉范围: leaders, the clerk who registered it, whoever holds or
    held one of its tasks, and a supervisor a leader granted it to (``CaseAccessGrant``). Holding the role
    of an open task is not enough: claiming it (a recorded act) is what brings someone in."""
    if not (CASE_WORKING_ROLES | {"supervisor"}) & user.roles:
        return False
    if case.confidentiality != "state_secret":
        return True
    if CASE_WORKING_ROLES & user.roles and (user.has_role("leader") or case.created_by == user.username
                                           or _holds_or_held_a_task(user, case)):
        return True
    return user.has_role("supervisor") and has_access_grant(user, case)


def may_act_on_case(user: User, case: Case) -> bool:
    """Who may add to a case beyond its tasks (files, …): someone who may see it and works cases — a
    supervisor sees cases but does not work them."""
    return bool(CASE_WORKING_ROLES & user.roles) and may_view_case(user, case)


def _holds_or_held_a_task(user: User, case: Case) -> bool:
    return db.session.scalar(select(func.count(TaskItem.id)).where(
        TaskItem.case_id == case.id,
        (TaskItem.completed_by == user.username) | (TaskItem.claimed_by == user.username))) > 0


def has_access_grant(user: User, case: Case) -> bool:
    """Whether a leader granted ``user`` this case and has not revoked it."""
    return db.session.scalar(select(func.count(CaseAccessGrant.id)).where(
        CaseAccessGrant.case_id == case.id, CaseAccessGrant.username == user.username,
        CaseAccessGrant.revoked_at.is_(None))) > 0


def listed_applicant(case: Case) -> str:
    """The applicant as a task or case list shows it: a state-secret case's applicant stays on its own page
    (lists are seen by everyone holding a role, and over shoulders)."""
    return str(t("state_secret_withheld")) if case.confidentiality == "state_secret" else case.applicant_name


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


def assignable_supervisors() -> list[User]:
    """Active supervisors, whom a leader may grant a state-secret case."""
    from app.users.models import UserRole
    return list(db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == "supervisor", User.active.is_(True)).order_by(User.username)))

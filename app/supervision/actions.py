"""The supervisor's actions: reassign an open task, a supervisory note (督办意见), suspend and resume a case,
run the engine again for a broken case. Each is one transaction that writes an execution record on the
case (actor = the supervisor, role "supervisor").
"""
from __future__ import annotations

from sqlalchemy import func, select

from app.cases.access import get_case, may_view_case
from app.cases.actions import action, lock_case_by_no, lock_task, refuse
from app.cases.models import Case, TaskItem
from app.cases.service import wake_case
from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden, InvalidData
from app.core.i18n import t
from app.core.roles import role_label
from app.core.vocabulary import TERMINAL_STATUSES, status_label
from app.extensions import db
from app.inbox.service import task_reassigned
from app.legal_review.guard import separation_refusal
from app.records import RecordDraft, append_records
from app.users.models import User, UserRole

ROLE = "supervisor"
# The record actions the supervisor's case page lists.
SUPERVISION_ACTIONS = ("task_reassigned", "supervisory_note", "case_suspended", "case_resumed", "engine_woken",
                       "engine_error")


def _require_supervisor(user: User) -> None:
    if not user.has_role(ROLE):
        raise Forbidden.of("permission_denied")


def _require_viewer(user: User, case: Case) -> None:
    """A state-secret case takes a supervisor's action only with a leader's grant (app.cases.access)."""
    if not may_view_case(user, case):
        raise refuse(Forbidden, "permission_denied", user, case.id, "supervision")


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
    _require_viewer(user, task.case)
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
    task_reassigned(task, user.username, previous, target.username)  # the inbox tells both holders
    task.case.updated_at = utcnow()
    db.session.commit()
    return task


@action
def add_note(user: User, case_no: str, text: str) -> Case:
    """A supervisory note (督办意见) on the case's record."""
    _require_supervisor(user)
    text = _clean_reason(text)
    case = lock_case_by_no(case_no)
    _require_viewer(user, case)
    append_records(case, [RecordDraft(actor=user.username, role=ROLE, action="supervisory_note",
                                      payload={"text": text})])
    db.session.commit()
    return case


@action
def suspend_case(user: User, case_no: str, reason: str) -> Case:
    """Stop all work on the case (staff actions are refused with 'case_suspended') until resumed."""
    _require_supervisor(user)
    reason = _clean_reason(reason)
    case = lock_case_by_no(case_no)
    _require_viewer(user, case)
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
    case = lock_case_by_no(case_no)
    _require_viewer(user, case)
    if not case.suspended:
        raise Conflict.of("case_not_suspended")
    case.suspended = False
    case.updated_at = utcnow()  # the stuck clock restarts with the case
    append_records(case, [RecordDraft(actor=user.username, role=ROLE, action="case_resumed",
                                      payload={"reason": reason})])
    db.session.commit()
    return case


def retry_case(user: User, case_no: str, reason: str) -> dict:
    """Run the engine again for a broken case (app.cases.service.wake_case: one transaction, which records
    'engine_woken' or 'engine_error' with the supervisor as actor). Returns {transitions, error}."""
    _require_supervisor(user)
    reason = _clean_reason(reason)
    case = get_case(case_no)
    _require_viewer(user, case)
    has_open_task = db.session.scalar(select(func.count(TaskItem.id)).where(
        TaskItem.case_id == case.id, TaskItem.state == "READY")) > 0
    stalled = case.status not in TERMINAL_STATUSES and case.next_timer_at is None and not has_open_task
    if not case.engine_error and not stalled:
        raise Conflict.of("nothing_to_retry")
    case_id = case.id
    db.session.rollback()  # wake_case starts its own transaction from a clean session
    return wake_case(case_id, actor=user.username, reason=reason)



def assignable_users(role: str) -> list[User]:
    """Active users who hold ``role`` (the people a task of that role may be given to)."""
    return list(db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                   .where(UserRole.role == role, User.active.is_(True)).order_by(User.username)))


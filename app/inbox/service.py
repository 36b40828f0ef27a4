"""Notices: written in the action's own transaction (a refused action tells nobody), read by their user."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import import_module

from flask import current_app
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from app.cases.models import Case, TaskItem
from app.core.clock import utcnow
from app.core.i18n import current_language, t
from app.core.vocabulary import task_kind_label
from app.extensions import db
from app.inbox.models import InboxNotice
from app.records.models import ExecutionRecord
from app.users.lookup import display_name
from app.users.models import User, UserRole

log = logging.getLogger("app.inbox")
KINDS = ("new_task", "reassigned_to", "reassigned_away", "returned", "due_soon")
# Steps that send a case back to whoever did the earlier step of the same role (修改重报).
RETURN_KINDS = ("amend",)


def notice_text(notice: InboxNotice) -> str:
    params = dict(notice.params or {})
    if params.get("kind") and current_language() == "en":  # diagrams title steps in Chinese
        params["step"] = task_kind_label(params["kind"])
    for name in ("by", "to"):
        if name in params:
            params[name] = display_name(params[name])
    return t(f"inbox_{notice.kind}", **params)


def notify(username: str, kind: str, key: str, case: Case | None = None, task: TaskItem | None = None,
           *, known_new: bool = False, **params) -> InboxNotice | None:
    """Tell ``username`` once per ``key``; None when already told. ``known_new``: the caller has just read
    that there is no such notice (a scan, for many at once), so the check is not made again."""
    if not known_new and db.session.scalar(select(InboxNotice.id).where(InboxNotice.username == username,
                                                                         InboxNotice.key == key)):
        return None
    if case is not None:
        params.setdefault("case_no", case.case_no)
    if task is not None:
        params.setdefault("step", task.title)
        params.setdefault("kind", task.kind)
    notice = InboxNotice(username=username, kind=kind, key=key, case_id=case.id if case else None,
                         task_id=task.id if task else None, params=params)
    db.session.add(notice)
    # sent once the action is committed, as plain values (after the commit the rows are expired)
    db.session.info.setdefault("inbox_outgoing", []).append(Outgoing(
        username, display_name(username), kind, notice_text(notice), params.get("case_no"),
        task.id if task else None))
    return notice


@event.listens_for(Session, "after_commit")
def _send_after_commit(session) -> None:
    """The notifier (SMS, mail…) sees only what was committed; a failing gateway never undoes the action."""
    outgoing = session.info.pop("inbox_outgoing", [])
    if not outgoing:
        return
    send = _notifier()
    for notice in outgoing:
        try:
            send(notice)
        except Exception:  # noqa: BLE001 — the inbox has it; a gateway's failure is logged, not raised
            log.exception("notifier failed for the %s notice to %s", notice.kind, notice.username)


@event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session) -> None:
    session.info.pop("inbox_outgoing", None)


@dataclass(frozen=True)
class Outgoing:
    """What a notifier gets: who (a gateway looks up the phone or address by username), what and about which case."""
    username: str
    display_name: str
    kind: str
    text: str
    case_no: str | None
    task_id: str | None


def _notifier():
    module, _, name = current_app.config.get("INBOX_NOTIFIER", "app.inbox.notifiers:log_notifier").partition(":")
    return getattr(import_module(module), name)


def role_holders(role: str) -> list[str]:
    return list(db.session.scalars(select(User.username).join(UserRole, UserRole.user_id == User.id)
                                   .where(UserRole.role == role, User.active.is_(True))
                                   .order_by(User.username)))


def tasks_opened(case: Case, rows: list[TaskItem], bundle, drafts) -> None:
    """The kernel's hook: a step sent back (修改重报) goes to whoever did that role's earlier step; any other
    new task is news to everyone who may claim it. The tasks were created in this action, so no notice can
    name them yet (``known_new``), and nothing pending needs flushing for these reads (the records are
    written directly, the users are not changed here): a fifth of a plain step's time went to both."""
    with db.session.no_autoflush:
        for task in rows:
            if task.state != "READY":
                continue
            earlier = _earlier_holder(case, task) if task.kind in RETURN_KINDS else None
            if earlier:
                notify(earlier, "returned", f"returned:{task.id}", case, task, known_new=True)
                continue
            for username in role_holders(task.role):
                notify(username, "new_task", f"new:{task.id}", case, task, known_new=True)


def _earlier_holder(case: Case, task: TaskItem) -> str | None:
    """Who last completed a step of this role on the case (the reviewer whose review comes back)."""
    return db.session.scalar(select(ExecutionRecord.actor).where(
        ExecutionRecord.case_id == case.id, ExecutionRecord.action == "task_completed",
        ExecutionRecord.role == task.role).order_by(ExecutionRecord.seq.desc()).limit(1))


def task_reassigned(task: TaskItem, by: str, previous: str | None, to: str) -> None:
    """A supervisor gave ``task`` to ``to``: both the new and the previous holder are told."""
    now = utcnow().isoformat()
    notify(to, "reassigned_to", f"to:{task.id}:{to}:{now}", task.case, task, by=by)
    if previous and previous != to:
        notify(previous, "reassigned_away", f"away:{task.id}:{previous}:{now}", task.case, task, by=by, to=to)


def unread_count(username: str) -> int:
    return db.session.scalar(select(func.count(InboxNotice.id)).where(
        InboxNotice.username == username, InboxNotice.read_at.is_(None))) or 0


def notices(username: str, limit: int = 100) -> list[InboxNotice]:
    return list(db.session.scalars(select(InboxNotice).where(InboxNotice.username == username)
                                   .order_by(InboxNotice.id.desc()).limit(limit)))


def mark_all_read(username: str) -> int:
    result = db.session.execute(update(InboxNotice).where(InboxNotice.username == username,
                                                          InboxNotice.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount

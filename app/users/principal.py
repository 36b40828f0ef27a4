"""The principal head (主要负责人) — the first person responsible for enforcement under the bureau's plan — and
the deputy designated to act for them. Only they sign major enforcement decisions and the professional
committee's conclusions (app.legal_review). Designations are administrator actions, one transaction each,
in the account log."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.core.access import require_roles
from app.core.clock import china_today
from app.core.errors import Conflict, InvalidData
from app.core.i18n import t
from app.extensions import db
from app.users.accounts import get_user
from app.users.models import User
from app.users.records import record_account


def may_sign_major(user: User, on: dt.date) -> bool:
    """The principal head, or a deputy whose acting designation covers ``on``."""
    return bool(user.active and (user.principal_head or (user.acting_principal_until is not None
                                                         and user.acting_principal_until >= on)))


def principal_head() -> User | None:
    return db.session.scalar(select(User).where(User.principal_head.is_(True), User.active.is_(True)))


def _leader(username: str) -> User:
    user = get_user(username)
    if "leader" not in user.roles or not user.active:
        message = t("principal_must_be_leader")
        raise InvalidData(message, fields={"username": [message]}, code="principal_must_be_leader")
    return user


def designate_principal(actor: User, username: str) -> User:
    """Make ``username`` (an active leader) the principal head; the previous one stops being it."""
    require_roles(actor, "admin")
    user = _leader(username)
    if user.principal_head:
        raise Conflict.of("already_principal")
    for previous in db.session.scalars(select(User).where(User.principal_head.is_(True))):
        previous.principal_head = False
        record_account(actor.username, "principal_ended", previous.username, successor=username)
    user.principal_head = True
    user.acting_principal_until = user.acting_principal_ref = None
    record_account(actor.username, "principal_designated", username)
    db.session.commit()
    return user


def designate_acting(actor: User, username: str, until: dt.date | None, ref: str) -> User:
    """A deputy acts for the principal head until ``until`` (included), on the written designation ``ref``."""
    require_roles(actor, "admin")
    user = _leader(username)
    errors = {}
    if user.principal_head:
        errors["username"] = [t("already_principal")]
    if until is None or until < china_today():
        errors["until"] = [t("acting_until_past", today=china_today().isoformat())]
    if not (ref or "").strip():
        errors["ref"] = [t("acting_needs_ref")]
    if errors:
        raise InvalidData(next(iter(errors.values()))[0], fields=errors)
    user.acting_principal_until, user.acting_principal_ref = until, ref.strip()[:200]
    record_account(actor.username, "acting_designated", username, until=until.isoformat(), ref=user.acting_principal_ref)
    db.session.commit()
    return user


def end_acting(actor: User, username: str) -> User:
    require_roles(actor, "admin")
    user = get_user(username)
    if user.acting_principal_until is None:
        raise Conflict.of("not_acting")
    user.acting_principal_until = user.acting_principal_ref = None
    record_account(actor.username, "acting_ended", username)
    db.session.commit()
    return user

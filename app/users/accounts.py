"""What changes an account: the user's own password change, and the administrator's actions — create a user,
change their name, roles and enforcement-certificate data, disable and re-enable them, set a new password,
release a sign-in lockout. Each is one transaction that writes the account log (app.users.records); none
writes a password or its hash there."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from app.core.access import require_roles
from app.core.errors import Conflict, InvalidData, NotFound
from app.core.i18n import t
from app.core.roles import ROLE_CODES
from app.extensions import db
from app.users import auth, throttle
from app.users.models import LoginAttempt, User, UserRole
from app.users.passwords import check_password_policy
from app.users.records import record_account

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


@dataclass
class Certificate:
    """Enforcement-certificate data (执法证) of an officer; all empty for staff without one."""
    post: str | None = None
    certificate_no: str | None = None
    enforcement_category: str | None = None
    area: str | None = None
    valid_until: dt.date | None = None


def change_own_password(user: User, current: str, new: str) -> None:
    """The user changes their own password: the current one first (a wrong one counts towards the sign-in
    lockout), then the policy. Every session of the user ends; the caller opens a new one if it wants."""
    address = auth.client_address()
    throttle.check_not_locked(user.username, address)
    if not user.check_password(current or ""):
        throttle.note_attempt(user.username, address, "bad_password", user)
        message = t("current_password_wrong")
        raise InvalidData(message, fields={"current_password": [message]}, code="current_password_wrong")
    check_password_policy(new, user.username, user.full_name)
    if user.check_password(new):
        message = t("password_unchanged")
        raise InvalidData(message, fields={"new_password": [message]}, code="password_unchanged")
    user.set_password(new)
    ended = auth.revoke_sessions(user, "password_changed")
    record_account(user.username, "password_changed", user.username, sessions_ended=ended)
    db.session.commit()


def _admin(actor: User) -> None:
    require_roles(actor, "admin")


def get_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound.of("not_found", what=username)
    return user


def _clean_roles(roles) -> list[str]:
    roles = sorted(set(roles or []))
    unknown = [r for r in roles if r not in ROLE_CODES]
    if unknown:
        message = t("bad_choice", value=", ".join(unknown))
        raise InvalidData(message, fields={"roles": [message]})
    return roles


def _clean_name(full_name: str | None) -> str:
    name = (full_name or "").strip()
    if not name or len(name) > 100:
        message = t("required") if not name else t("too_long", max=100)
        raise InvalidData(message, fields={"full_name": [message]})
    return name


def create_user(actor: User, username: str, full_name: str, roles, password: str,
                certificate: Certificate | None = None) -> User:
    _admin(actor)
    username = (username or "").strip()
    if not 2 <= len(username) <= 64 or set(username) - USERNAME_CHARS:
        message = t("username_format")
        raise InvalidData(message, fields={"username": [message]}, code="username_format")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        message = t("username_taken", value=username)
        raise InvalidData(message, fields={"username": [message]}, code="username_taken")
    name, roles = _clean_name(full_name), _clean_roles(roles)
    check_password_policy(password, username, name, field="password")
    user = User(username=username, full_name=name, role_rows=[UserRole(role=r) for r in roles])
    user.set_password(password)
    _set_certificate(user, certificate or Certificate())
    db.session.add(user)
    record_account(actor.username, "user_created", username, full_name=name, roles=roles,
                   certificate_no=user.certificate_no)
    db.session.commit()
    return user


def update_user(actor: User, username: str, full_name: str, roles, certificate: Certificate) -> User:
    """Name, roles and certificate data; what changed goes into the log."""
    _admin(actor)
    user = get_user(username)
    name, roles = _clean_name(full_name), _clean_roles(roles)
    if user.username == actor.username and "admin" not in roles:
        raise Conflict.of("cannot_remove_own_admin")
    before = _snapshot(user)
    user.full_name = name
    user.role_rows = [r for r in user.role_rows if r.role in roles] + \
        [UserRole(role=r) for r in roles if r not in user.roles]
    _set_certificate(user, certificate)
    after = _snapshot(user)
    changes = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changes:
        record_account(actor.username, "user_changed", username, changes=changes)
    db.session.commit()
    return user


def _snapshot(user: User) -> dict:
    return {"full_name": user.full_name, "roles": sorted(user.roles), "post": user.post,
            "certificate_no": user.certificate_no, "enforcement_category": user.enforcement_category,
            "area": user.area, "certificate_valid_until":
                user.certificate_valid_until.isoformat() if user.certificate_valid_until else None}


def _set_certificate(user: User, cert: Certificate) -> None:
    def clean(value, limit):
        value = (value or "").strip()
        return value[:limit] or None
    user.post, user.certificate_no = clean(cert.post, 100), clean(cert.certificate_no, 64)
    user.enforcement_category, user.area = clean(cert.enforcement_category, 100), clean(cert.area, 200)
    user.certificate_valid_until = cert.valid_until


def set_active(actor: User, username: str, active: bool, reason: str) -> User:
    """Disable (every session ends at once) or re-enable an account, with a reason."""
    _admin(actor)
    user = get_user(username)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidData(t("reason_required"), fields={"reason": [t("reason_required")]}, code="reason_required")
    if user.username == actor.username and not active:
        raise Conflict.of("cannot_disable_self")
    if user.active == active:
        raise Conflict.of("already_enabled" if active else "already_disabled")
    user.active = active
    ended = 0 if active else auth.revoke_sessions(user, "disabled")
    record_account(actor.username, "user_enabled" if active else "user_disabled", username,
                   reason=reason[:2000], sessions_ended=ended)
    db.session.commit()
    return user


def set_password(actor: User, username: str, password: str) -> User:
    """The administrator sets a new password (a forgotten one): the policy applies, every session ends."""
    _admin(actor)
    user = get_user(username)
    check_password_policy(password, user.username, user.full_name, field="password")
    user.set_password(password)
    ended = auth.revoke_sessions(user, "password_set")
    record_account(actor.username, "password_set", username, sessions_ended=ended)
    db.session.commit()
    return user


def unlock(actor: User, username: str) -> None:
    """Release a sign-in lockout of the account before its time (the failures before it no longer count)."""
    _admin(actor)
    user = get_user(username)
    db.session.add(LoginAttempt(username=throttle.attempt_key(user.username), remote_addr=auth.client_address(),
                                outcome="unlocked"))
    record_account(actor.username, "sign_in_unlocked", username)
    db.session.commit()


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.username)))

"""Sign-in throttling, per account and per client address.

Every attempt is a row of ``login_attempt`` in the database, so the limit holds across gunicorn workers and
app nodes on one PostgreSQL (docs/deployment.md): a per-process counter would give each worker its own
allowance. An account is locked while it has ``LOGIN_ACCOUNT_MAX_FAILURES`` failures within
``LOGIN_WINDOW_SECONDS`` since its last successful sign-in or an administrator's unlock; an address while it
has ``LOGIN_ADDRESS_MAX_FAILURES`` failures in the window (set high enough for an office behind one NAT
address). Refused attempts while locked are recorded but not counted, so the lock ends when the window has
passed the failures that caused it. An account's lockout is written to the account log (app.users.records).
"""
from __future__ import annotations

import datetime as dt
import math

from flask import current_app
from sqlalchemy import func, select

from app.core.clock import utcnow
from app.core.errors import TooManyRequests
from app.core.i18n import t
from app.extensions import db
from app.users.models import LoginAttempt
from app.users.records import record_account

FAILURES = ("bad_password", "unknown_user", "disabled")
RESETS = ("success", "unlocked")


def attempt_key(username: str) -> str:
    """The account key of an attempt: as typed, without surrounding blanks, lower-cased, cut to the column."""
    return (username or "").strip().lower()[:64]


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])


def _locked_until(column, value: str, limit: int, reset_column: bool) -> dt.datetime | None:
    """When the ``limit``-th newest counted failure leaves the window; None when not locked."""
    after_id = _last_reset_id(value) if reset_column else 0
    nth = db.session.scalar(select(LoginAttempt.ts).where(
        column == value, LoginAttempt.ts > utcnow() - _window(), LoginAttempt.id > after_id,
        LoginAttempt.outcome.in_(FAILURES)).order_by(LoginAttempt.id.desc()).offset(limit - 1).limit(1))
    return nth + _window() if nth is not None else None


def _last_reset_id(key: str) -> int:
    """The account's last success or unlock (by id: attempts in the same instant keep their order)."""
    return db.session.scalar(select(func.max(LoginAttempt.id)).where(
        LoginAttempt.username == key, LoginAttempt.outcome.in_(RESETS))) or 0


def account_locked_until(username: str) -> dt.datetime | None:
    return _locked_until(LoginAttempt.username, attempt_key(username),
                         current_app.config["LOGIN_ACCOUNT_MAX_FAILURES"], True)


def locked_until(username: str, remote_addr: str) -> dt.datetime | None:
    ends = [until for until in (account_locked_until(username), _locked_until(
        LoginAttempt.remote_addr, remote_addr[:64], current_app.config["LOGIN_ADDRESS_MAX_FAILURES"], False))
        if until is not None]
    return max(ends) if ends else None


def check_not_locked(username: str, remote_addr: str) -> None:
    """Refuse (429, recorded) while the account or the address is locked."""
    until = locked_until(username, remote_addr)
    if until is None:
        return
    note_attempt(username, remote_addr, "throttled")
    seconds = max(1, math.ceil((until - utcnow()).total_seconds()))
    raise TooManyRequests(t("sign_in_locked", minutes=math.ceil(seconds / 60)), code="sign_in_locked",
                          headers={"Retry-After": str(seconds)})


def note_attempt(username: str, remote_addr: str, outcome: str, user=None) -> None:
    """Record the attempt and commit it at once: the refusal that follows rolls back everything else. A failure
    that locks a known account writes the lockout into the account log."""
    key = attempt_key(username)
    db.session.add(LoginAttempt(username=key, remote_addr=remote_addr[:64], outcome=outcome))
    if outcome in FAILURES:
        db.session.flush()
        if user is not None and _just_locked(key):
            record_account("system", "sign_in_locked", user.username, remote_addr=remote_addr,
                           failures=current_app.config["LOGIN_ACCOUNT_MAX_FAILURES"])
            current_app.logger.warning("sign-in locked for account %s after failures from %s", key, remote_addr)
    db.session.commit()


def _just_locked(key: str) -> bool:
    """Whether this failure is the one that reached the account's limit (so the lockout is written once)."""
    limit = current_app.config["LOGIN_ACCOUNT_MAX_FAILURES"]
    return db.session.scalar(select(func.count(LoginAttempt.id)).where(
        LoginAttempt.username == key, LoginAttempt.ts > utcnow() - _window(), LoginAttempt.id > _last_reset_id(key),
        LoginAttempt.outcome.in_(FAILURES))) == limit

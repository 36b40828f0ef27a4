"""Signing in and the sessions it opens.

A sign-in (the staff web or the API) opens a session: an opaque random token given to the client (in the
web's session cookie, or as the API's bearer token) whose SHA-256 is the key of an ``auth_session`` row. The
token says nothing about the user, and checking it costs one indexed look-up. A session ends at sign-out, on
a password change, when the account is disabled, after ``SESSION_IDLE_SECONDS`` without use and at the
latest after its absolute lifetime (``PERMANENT_SESSION_LIFETIME`` for the web, ``TOKEN_MAX_AGE_SECONDS``
for the API).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import lru_cache

from flask import current_app, has_request_context, request
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.clock import utcnow
from app.core.errors import Unauthorized
from app.extensions import db
from app.users import throttle
from app.users.models import AuthSession, User

WEB, API = "web", "api"
# A session's last use is written at most this often, not on every request (one write a minute at most).
TOUCH_SECONDS = 60


def client_address() -> str:
    """The client's address (behind the reverse proxy, ProxyFix has put the real one here)."""
    return (request.remote_addr or "unknown") if has_request_context() else "cli"


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method)


def authenticate(username: str, password: str) -> User:
    """The user these credentials belong to; else Unauthorized (or 429 while throttled). An unknown username
    costs the same password-hash check as a known one, so the time of the answer tells nothing."""
    address = client_address()
    throttle.check_not_locked(username, address)
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        outcome = "unknown_user"
    elif not user.check_password(password):
        outcome = "bad_password"
    else:
        outcome = "success" if user.active else "disabled"
    throttle.note_attempt(username, address, outcome, user)
    if outcome != "success":
        raise Unauthorized.of("bad_credentials")
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def start_session(user: User, kind: str) -> str:
    """Open a session for ``user`` in the caller's transaction; returns the token (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    config = current_app.config
    lifetime = config["TOKEN_MAX_AGE_SECONDS"] if kind == API else config["PERMANENT_SESSION_LIFETIME"]
    if isinstance(lifetime, dt.timedelta):
        lifetime = lifetime.total_seconds()
    db.session.add(AuthSession(token_hash=_digest(token), user_id=user.id, kind=kind, created_at=now,
                               last_seen_at=now, expires_at=now + dt.timedelta(seconds=lifetime),
                               remote_addr=client_address()[:64]))
    return token


def session_user(token: str | None, kind: str) -> User | None:
    """The active user of a live session with this token, else None. One indexed look-up; the last use is
    written at most once a minute."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(AuthSession).where(AuthSession.token_hash == _digest(token)))
    now = utcnow()
    if row is None or row.kind != kind or row.revoked_at is not None or now >= row.expires_at \
            or now - row.last_seen_at > dt.timedelta(seconds=current_app.config["SESSION_IDLE_SECONDS"]) \
            or not row.user.active:
        return None
    if (now - row.last_seen_at).total_seconds() > TOUCH_SECONDS:
        db.session.execute(update(AuthSession).where(AuthSession.id == row.id).values(last_seen_at=now))
        db.session.commit()
    return row.user


def end_session(token: str | None, why: str = "sign_out") -> None:
    """Revoke the session of this token (sign-out), in the caller's transaction."""
    if token:
        db.session.execute(update(AuthSession).where(AuthSession.token_hash == _digest(token),
                                                     AuthSession.revoked_at.is_(None))
                           .values(revoked_at=utcnow(), revoked_why=why))


def revoke_sessions(user: User, why: str) -> int:
    """Revoke every live session of ``user`` (password changed, account disabled), in the caller's transaction."""
    result = db.session.execute(update(AuthSession).where(AuthSession.user_id == user.id,
                                                          AuthSession.revoked_at.is_(None))
                                .values(revoked_at=utcnow(), revoked_why=why))
    return result.rowcount


def user_from_token(token: str) -> User:
    """The API's bearer token check (registered with app.api.helpers.token_loader)."""
    user = session_user(token, API)
    if user is None:
        raise Unauthorized.of("bad_token")
    return user


def user_from_session(session) -> User | None:
    """The web session's user (registered with app.web.user_loader)."""
    return session_user(session.get("sid"), WEB)

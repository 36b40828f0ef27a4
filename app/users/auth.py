"""Password sign-in, the web session's user and bearer tokens (signed, time-limited; no token table to keep)."""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app.core.errors import Unauthorized
from app.extensions import db
from app.users.models import User

_SALT = "api-token"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def authenticate(username: str, password: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(password):
        raise Unauthorized.of("bad_credentials")
    return user


def issue_token(user: User) -> str:
    # The password hash prefix ties the token to the current password: changing it revokes old tokens.
    return _serializer().dumps({"u": user.id, "p": user.password_hash[-12:]})


def user_from_token(token: str) -> User:
    try:
        claims = _serializer().loads(token, max_age=current_app.config["TOKEN_MAX_AGE_SECONDS"])
    except (SignatureExpired, BadSignature):
        raise Unauthorized.of("bad_token")
    user = db.session.get(User, claims.get("u"))
    if user is None or not user.active or user.password_hash[-12:] != claims.get("p"):
        raise Unauthorized.of("bad_token")
    return user


def user_from_session(session) -> User | None:
    """The user a web session was signed in as, while the account is active and the password unchanged."""
    user_id = session.get("user_id")
    user = db.session.get(User, user_id) if user_id else None
    if user is not None and user.active and session.get("pw") == user.password_hash[-12:]:
        return user
    return None

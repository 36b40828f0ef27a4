from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.clock import utcnow
from app.extensions import db


class User(db.Model):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(8), default="zh")  # 'zh' | 'en', chosen by the user
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Enforcement officer (行政执法人员清单, published on the portal); only certificate holders are listed, and
    # only a certificate valid on the day lets an officer do an on-site check (app.publicity.service).
    post: Mapped[str | None] = mapped_column(String(100))
    certificate_no: Mapped[str | None] = mapped_column(String(64), index=True)
    enforcement_category: Mapped[str | None] = mapped_column(String(100))
    area: Mapped[str | None] = mapped_column(String(200))
    certificate_valid_until: Mapped[dt.date | None]
    # 主要负责人: the bureau's principal head signs major decisions and committee conclusions; a deputy only
    # while designated acting (until that day, with the designation's document), both set by an administrator.
    principal_head: Mapped[bool] = mapped_column(default=False)
    acting_principal_until: Mapped[dt.date | None]
    acting_principal_ref: Mapped[str | None] = mapped_column(String(200))
    role_rows: Mapped[list["UserRole"]] = relationship(back_populates="user", cascade="all, delete-orphan",
                                                       lazy="selectin")

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def set_password(self, password: str) -> None:
        from flask import current_app
        self.password_hash = generate_password_hash(password, current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    user: Mapped[User] = relationship(back_populates="role_rows")


class AuthSession(db.Model):
    """A signed-in session (the staff web) or a bearer token (the API): an opaque random token that only the
    client holds; we keep its SHA-256, so a copy of this table signs nobody in. Revoked at sign-out, on a
    password change and when the account is disabled; it lapses after an idle period and an absolute age."""
    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # the one indexed lookup per request
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # 'web' | 'api'
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    revoked_why: Mapped[str | None] = mapped_column(String(32))  # sign_out | password_changed | disabled | …
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class LoginAttempt(db.Model):
    """Every sign-in attempt, kept in the database so that the throttle holds across processes and nodes."""
    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_username_ts", "username", "ts"),
                      Index("ix_login_attempt_addr_ts", "remote_addr", "ts"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(default=utcnow)
    username: Mapped[str] = mapped_column(String(64))  # as typed (lower-cased, cut to 64)
    remote_addr: Mapped[str] = mapped_column(String(64))
    # success | bad_password | unknown_user | disabled | throttled | unlocked (an administrator's reset)
    outcome: Mapped[str] = mapped_column(String(16))

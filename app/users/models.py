from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
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

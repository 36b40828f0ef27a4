"""The Idempotency-Keys: one row per (user, key), with the request's fingerprint and the stored answer."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("username", "key", name="uq_idempotency_key_username_key"),
                      Index("ix_idempotency_key_expires_at", "expires_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of method, path, query and body
    status: Mapped[int | None]  # the answer, set in the same transaction as the action
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]

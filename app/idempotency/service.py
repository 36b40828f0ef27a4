"""Finding, reserving, answering and purging Idempotency-Keys (the request hooks are in ``api``)."""
from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app
from sqlalchemy import delete, select

from app.core.clock import utcnow
from app.core.errors import InvalidData
from app.extensions import db
from app.idempotency.models import IdempotencyKey


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What "the same request" means: the same method, path, query string and body bytes."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def stored(username: str, key: str, fingerprint_: str) -> IdempotencyKey | None:
    """The answered key of this user, if any and not expired; the same key for another request is a 422."""
    row = db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.username == username, IdempotencyKey.key == key, IdempotencyKey.expires_at > utcnow()))
    if row is None or row.status is None:
        return None
    if row.fingerprint != fingerprint_:
        raise InvalidData.of("idempotency_key_reused")
    return row


def reserve(username: str, key: str, fingerprint_: str) -> IdempotencyKey:
    """Insert the key (first statement of the transaction): a concurrent request with the same key waits
    here for this one's transaction, then fails on the unique index and replays what this one stored."""
    now = utcnow()
    db.session.execute(delete(IdempotencyKey).where(  # an expired key of the same name, not purged yet
        IdempotencyKey.username == username, IdempotencyKey.key == key, IdempotencyKey.expires_at <= now))
    row = IdempotencyKey(username=username, key=key, fingerprint=fingerprint_, created_at=now,
                         expires_at=now + dt.timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"]))
    db.session.add(row)
    db.session.flush()
    return row


def answer(row: IdempotencyKey, status: int, content_type: str | None, body: bytes) -> None:
    row.status, row.content_type, row.body = status, content_type, body


def purge_expired(now: dt.datetime) -> dict:
    """Scheduler job: delete the expired keys (their answers can no longer be replayed)."""
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    db.session.commit()
    return {"purged": result.rowcount}

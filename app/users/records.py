"""The account log: an append-only, hash-chained record of what changed about staff accounts — created,
roles and certificate data changed, disabled, re-enabled, passwords changed or set, sign-in lockouts and
their release. Built like the deployment log (app.designer.records): SHA-256 over the canonical JSON of
each record and the previous one's hash; the database refuses UPDATE, DELETE and TRUNCATE."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import String, Text, insert, select, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.extensions import db
from app.records.chain import GENESIS_HASH, HashChain, canonical_json
from app.records.triggers import AppendOnly

TABLE = "account_record"
HASHED_FIELDS = ("seq", "ts", "actor", "action", "username", "payload", "prev_hash")


class AccountRecord(db.Model):
    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    ts: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(64))  # who did it ('system' for a lockout)
    action: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(64), index=True)  # whose account
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON; never a password or a hash of one
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


ACCOUNT_CHAIN = HashChain(HASHED_FIELDS)
APPEND_ONLY = AppendOnly(TABLE, "account records are append-only")


def record_account(actor: str, action: str, username: str, **payload) -> None:
    """Chain one record onto the log in the caller's transaction (committed with the change it records)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # One writer at a time: the next seq and prev_hash must not be read by two writers at once.
        session.execute(text(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE"))
    last = session.execute(select(AccountRecord.seq, AccountRecord.hash)
                           .order_by(AccountRecord.seq.desc()).limit(1)).first()
    row = {"ts": utcnow(), "actor": actor, "action": action, "username": username,
           "payload": canonical_json(payload)}
    ACCOUNT_CHAIN.link([row], *((last.seq, last.hash) if last else (0, GENESIS_HASH)))
    session.connection().execute(insert(AccountRecord.__table__), [row])


def account_records(username: str | None = None, limit: int = 200) -> list[tuple[AccountRecord, dict]]:
    stmt = select(AccountRecord).order_by(AccountRecord.seq.desc()).limit(limit)
    if username:
        stmt = stmt.where(AccountRecord.username == username)
    return [(r, json.loads(r.payload)) for r in db.session.scalars(stmt)]


def verify_account_records():
    """Recompute the chain: a ``ChainCheck`` naming the first record that does not fit."""
    return ACCOUNT_CHAIN.check(db.session.scalars(select(AccountRecord).order_by(AccountRecord.seq)).all())

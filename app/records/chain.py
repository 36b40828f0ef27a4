"""Appending to and verifying the per-case hash chain of execution records.

Each record's hash is SHA-256 over a canonical JSON encoding of all its fields, including the previous
record's hash, so changing, removing or reordering any record breaks every hash after it. The case row
keeps the chain head (count and last hash), so cutting records off the end is found as well.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select

from app.core.clock import utcnow
from app.extensions import db
from app.records.models import ExecutionRecord

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_timestamp(ts: dt.datetime) -> str:
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return ts.isoformat(timespec="microseconds")


@dataclass(frozen=True)
class HashChain:
    """A hash chain over rows numbered 1, 2, 3…: each row's hash is SHA-256 over the canonical JSON of its
    ``fields`` (``prev_hash`` among them), so changing, removing or reordering a row breaks every hash
    after it. The execution records of each case and the deployment log are both such chains."""
    fields: tuple[str, ...]

    def hash(self, row) -> str:
        """``row`` is a mapping or an object with the fields as attributes."""
        get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
        body = {name: get(name) for name in self.fields}
        if isinstance(body.get("ts"), dt.datetime):
            body["ts"] = canonical_timestamp(body["ts"])
        return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()

    def link(self, rows: list[dict], seq: int, prev: str) -> tuple[int, str]:
        """Number and hash ``rows`` after the row ``seq`` whose hash is ``prev``; returns the new head."""
        for row in rows:
            seq += 1
            row["seq"], row["prev_hash"] = seq, prev
            row["hash"] = prev = self.hash(row)
        return seq, prev

    def check(self, rows) -> "ChainCheck":
        """Walk ``rows`` (ordered by seq) and name the first one that does not fit, and why."""
        prev, count = GENESIS_HASH, 0
        for expected, row in enumerate(rows, start=1):
            count += 1
            problem = None
            if row.seq != expected:
                problem = f"sequence gap: expected {expected}, found {row.seq}"
            elif row.prev_hash != prev:
                problem = "previous-hash link broken (a record before it was removed, inserted or changed)"
            elif self.hash(row) != row.hash:
                problem = "content does not match its hash (the record was altered)"
            if problem:
                return ChainCheck(count, prev, min(row.seq, expected), problem)
            prev = row.hash
        return ChainCheck(count, prev)


@dataclass(frozen=True)
class ChainCheck:
    count: int  # rows read (up to and including the first bad one)
    head: str  # the hash of the last good row
    first_invalid_seq: int | None = None
    reason: str | None = None

    @property
    def valid(self) -> bool:
        return self.first_invalid_seq is None


EXECUTION_CHAIN = HashChain(("case_id", "seq", "ts", "actor", "role", "action", "task_id", "task_name",
                             "from_state", "to_state", "payload", "prev_hash"))


def record_hash(**row) -> str:
    return EXECUTION_CHAIN.hash(row)


@dataclass
class RecordDraft:
    """A record before it has its place in the chain."""
    actor: str
    action: str
    role: str | None = None
    task_id: str | None = None
    task_name: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    payload: dict = field(default_factory=dict)


def append_records(case, drafts: list[RecordDraft]) -> None:
    """Chain ``drafts`` onto the case's records in the current transaction.

    The caller holds the case row (optimistic version or FOR UPDATE), so nobody else appends meanwhile.
    """
    if not drafts:
        return
    now = utcnow()
    rows = [{"case_id": case.id, "ts": now, "actor": draft.actor, "role": draft.role, "action": draft.action,
             "task_id": draft.task_id, "task_name": draft.task_name, "from_state": draft.from_state,
             "to_state": draft.to_state, "payload": canonical_json(draft.payload)} for draft in drafts]
    seq, head = EXECUTION_CHAIN.link(rows, case.records_count or 0, case.records_head or GENESIS_HASH)
    # Core insert on the session's connection: same transaction, without the ORM's per-row bookkeeping.
    db.session.connection().execute(insert(ExecutionRecord.__table__), rows)
    case.records_count, case.records_head = seq, head


@dataclass
class VerifyResult:
    case_id: int
    case_no: str
    valid: bool
    count: int
    first_invalid_seq: int | None = None
    reason: str | None = None

    def to_dict(self) -> dict:
        return {"case_no": self.case_no, "valid": self.valid, "count": self.count,
                "first_invalid_seq": self.first_invalid_seq, "reason": self.reason}


def verify_case(case) -> VerifyResult:
    """Recompute the case's chain; name the first record that does not match and why."""
    records = db.session.scalars(
        select(ExecutionRecord).where(ExecutionRecord.case_id == case.id).order_by(ExecutionRecord.seq))
    check = EXECUTION_CHAIN.check(records)
    if not check.valid:
        return VerifyResult(case.id, case.case_no, False, _count(case), check.first_invalid_seq, check.reason)
    if check.count != (case.records_count or 0) or check.head != (case.records_head or GENESIS_HASH):
        return VerifyResult(case.id, case.case_no, False, check.count, check.count + 1,
                            f"chain head mismatch: the case expects {case.records_count} records ending in "
                            f"{(case.records_head or '')[:12]}…, found {check.count} (records removed from the end?)")
    return VerifyResult(case.id, case.case_no, True, check.count)


def _count(case) -> int:
    return db.session.scalar(select(db.func.count()).select_from(ExecutionRecord)
                             .where(ExecutionRecord.case_id == case.id))

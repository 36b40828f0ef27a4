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
from typing import Any, Iterator

from sqlalchemy import insert, select

from app.core.clock import utcnow
from app.extensions import db
from app.records.models import ExecutionRecord

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _timestamp(ts: dt.datetime) -> str:
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return ts.isoformat(timespec="microseconds")


def record_hash(*, case_id: int, seq: int, ts: dt.datetime, actor: str, role: str | None, action: str,
                task_id: str | None, task_name: str | None, from_state: str | None, to_state: str | None,
                payload: str, prev_hash: str, **_ignored) -> str:
    body = canonical_json({
        "case_id": case_id, "seq": seq, "ts": _timestamp(ts), "actor": actor, "role": role, "action": action,
        "task_id": task_id, "task_name": task_name, "from_state": from_state, "to_state": to_state,
        "payload": payload, "prev_hash": prev_hash,
    })
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


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
    seq, prev = case.records_count or 0, case.records_head or GENESIS_HASH
    now = utcnow()
    rows = []
    for draft in drafts:
        seq += 1
        row = {"case_id": case.id, "seq": seq, "ts": now, "actor": draft.actor, "role": draft.role,
               "action": draft.action, "task_id": draft.task_id, "task_name": draft.task_name,
               "from_state": draft.from_state, "to_state": draft.to_state,
               "payload": canonical_json(draft.payload), "prev_hash": prev}
        row["hash"] = prev = record_hash(**row)
        rows.append(row)
    # Core insert on the session's connection: same transaction, without the ORM's per-row bookkeeping.
    db.session.connection().execute(insert(ExecutionRecord.__table__), rows)
    case.records_count, case.records_head = seq, prev


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
    prev, count = GENESIS_HASH, 0
    for expected_seq, rec in enumerate(records, start=1):
        count += 1
        problem = None
        if rec.seq != expected_seq:
            problem = f"sequence gap: expected {expected_seq}, found {rec.seq}"
        elif rec.prev_hash != prev:
            problem = "previous-hash link broken (a record before it was removed, inserted or changed)"
        elif record_hash(**_columns(rec)) != rec.hash:
            problem = "content does not match its hash (the record was altered)"
        if problem:
            return VerifyResult(case.id, case.case_no, False, _count(case), min(rec.seq, expected_seq), problem)
        prev = rec.hash
    if count != (case.records_count or 0) or prev != (case.records_head or GENESIS_HASH):
        return VerifyResult(case.id, case.case_no, False, count, count + 1,
                            f"chain head mismatch: the case expects {case.records_count} records ending in "
                            f"{(case.records_head or '')[:12]}…, found {count} (records removed from the end?)")
    return VerifyResult(case.id, case.case_no, True, count)


def _count(case) -> int:
    return db.session.scalar(select(db.func.count()).select_from(ExecutionRecord)
                             .where(ExecutionRecord.case_id == case.id))


def _columns(rec: ExecutionRecord) -> dict:
    return {c: getattr(rec, c) for c in ("case_id", "seq", "ts", "actor", "role", "action", "task_id",
                                         "task_name", "from_state", "to_state", "payload", "prev_hash")}


def verify_all() -> Iterator[VerifyResult]:
    from app.cases.models import Case
    for case in db.session.scalars(select(Case).order_by(Case.id).execution_options(yield_per=200)):
        yield verify_case(case)

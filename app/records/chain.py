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
from functools import cached_property
from json.encoder import encode_basestring as _encode_string  # the C escaper when available (ensure_ascii off)
from typing import Any

from sqlalchemy import func, insert, select

from app.core.clock import utcnow
from app.extensions import db
from app.records.models import ExecutionRecord

GENESIS_HASH = "0" * 64


# One encoder for every call: json.dumps with these options builds a new one each time (measured: a third of
# the cost of hashing a record, bench/verify.py).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


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

    def hash_values(self, values) -> str:
        """The hash of a row given as its values in the order of ``fields`` (anything after them is ignored):
        the same canonical JSON as ``hash``, written directly when every value is a string, an integer, None
        or the ``ts`` datetime (the records' case; 2–3× faster than building and encoding a dict)."""
        parts = []
        for prefix, index, is_ts in self._plan:
            value = values[index]
            kind = type(value)
            if kind is str:
                parts.append(prefix + _encode_string(value))
            elif value is None:
                parts.append(prefix + "null")
            elif kind is int:
                parts.append(prefix + int.__repr__(value))
            elif is_ts and kind is dt.datetime:
                parts.append(prefix + _encode_string(canonical_timestamp(value)))
            else:  # anything else: the general encoder
                body = dict(zip(self.fields, values))
                if isinstance(body.get("ts"), dt.datetime):
                    body["ts"] = canonical_timestamp(body["ts"])
                return hashlib.sha256(_CANONICAL.encode(body).encode("utf-8")).hexdigest()
        return hashlib.sha256(("{" + ",".join(parts) + "}").encode("utf-8")).hexdigest()

    @cached_property
    def _plan(self) -> tuple:
        """(the key as canonical JSON writes it, the value's index, whether it is ``ts``), in key order."""
        return tuple((_encode_string(name) + ":", self.fields.index(name), name == "ts") for name in sorted(self.fields))

    def link(self, rows: list[dict], seq: int, prev: str) -> tuple[int, str]:
        """Number and hash ``rows`` after the row ``seq`` whose hash is ``prev``; returns the new head."""
        for row in rows:
            seq += 1
            row["seq"], row["prev_hash"] = seq, prev
            row["hash"] = prev = self.hash(row)
        return seq, prev

    def check(self, rows) -> "ChainCheck":
        """Walk ``rows`` (ordered by seq) and name the first one that does not fit, and why."""
        return self._walk(((row.seq, row.prev_hash, row.hash, row) for row in rows), self.hash)

    def check_tuples(self, rows) -> "ChainCheck":
        """``check`` for plain tuples: the values of ``fields`` in order, then the stored hash."""
        i_seq, i_prev = self.fields.index("seq"), self.fields.index("prev_hash")
        return self._walk(((row[i_seq], row[i_prev], row[-1], row) for row in rows), self.hash_values)

    @staticmethod
    def _walk(rows, hash_of) -> "ChainCheck":
        prev, count = GENESIS_HASH, 0
        for expected, (seq, prev_hash, stored, row) in enumerate(rows, start=1):
            count += 1
            problem = None
            if seq != expected:
                problem = f"sequence gap: expected {expected}, found {seq}"
            elif prev_hash != prev:
                problem = "previous-hash link broken (a record before it was removed, inserted or changed)"
            elif hash_of(row) != stored:
                problem = "content does not match its hash (the record was altered)"
            if problem:
                return ChainCheck(count, prev, min(seq, expected), problem)
            prev = stored
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
    return chain_result(case, EXECUTION_CHAIN.check(records))


# The columns ``EXECUTION_CHAIN.check_tuples`` reads: the hashed fields (case_id first), then the hash.
RECORD_COLUMNS = [ExecutionRecord.__table__.c[name] for name in (*EXECUTION_CHAIN.fields, "hash")]


def record_columns_ts_as_text(dialect: str) -> list:
    """``RECORD_COLUMNS`` with ``ts`` written by the database as the canonical text ``canonical_timestamp``
    gives (2026-11-29T08:00:00.000000): no datetime parsed and formatted again per record (a quarter of a
    bulk verification's time on SQLite, bench/verify.py). Only a shortcut: a chain that does not verify this
    way must be checked again with ``verify_case`` before anything is reported — a timestamp stored in another
    form (written by hand, not by this app) would otherwise look altered."""
    ts = ExecutionRecord.__table__.c.ts
    if dialect == "sqlite":  # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff'
        text = func.replace(ts, " ", "T")
    elif dialect == "postgresql":
        text = func.to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.US')
    else:
        return RECORD_COLUMNS
    return [text.label("ts") if column is ts else column for column in RECORD_COLUMNS]


def chain_result(case, check: ChainCheck) -> VerifyResult:
    """The verdict on the case's chain from the check of its records (``case``: id, case_no, records_count,
    records_head)."""
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

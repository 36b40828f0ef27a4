"""The case row's legally relevant fields are covered by its record chain: the applicant, the facts, the
confidentiality class, the major flag and the status are each set by a record (``case_created``,
``facts_changed``, ``case_marked_major``, ``status_changed``). Verification replays the records and compares
the row, naming the field — so editing the row in the database, which no record explains, is found too.

Cases registered before the creation record carried ``confidentiality`` and ``is_major`` are compared on the
other fields only.
"""
from __future__ import annotations

import json

from sqlalchemy import select

from app.core.vocabulary import CaseStatus
from app.extensions import db
from app.records.models import ExecutionRecord

ROW_FIELDS = ("applicant_name", "applicant_type", "applicant_code", "facts", "confidentiality", "is_major", "status")


def replay(case) -> tuple[dict, dict]:
    """(field → value the records give, field → seq of the record that set it)."""
    rows = db.session.execute(select(ExecutionRecord.seq, ExecutionRecord.action, ExecutionRecord.to_state,
                                     ExecutionRecord.payload)
                              .where(ExecutionRecord.case_id == case.id).order_by(ExecutionRecord.seq))
    return replay_rows(rows)


def replay_rows(rows) -> tuple[dict, dict]:
    """``replay`` from the case's records already read: ``(seq, action, to_state, payload)`` in order."""
    expected: dict = {}
    source: dict = {}
    for seq, action, to_state, raw in rows:
        if action not in ("case_created", "facts_changed", "case_marked_major", "status_changed"):
            continue
        payload = json.loads(raw) if raw else {}
        if action == "case_created":
            applicant = payload.get("applicant") or {}
            expected.update(applicant_name=applicant.get("name"), applicant_type=applicant.get("type"),
                            applicant_code=applicant.get("code") or None, facts=dict(payload.get("facts") or {}),
                            status=CaseStatus.RECEIVED)
            for key in ("confidentiality", "is_major"):
                if key in payload:
                    expected[key] = payload[key]
            source.update(dict.fromkeys(expected, seq))
        elif action == "facts_changed":
            expected.setdefault("facts", {})
            for key, change in (payload.get("changes") or {}).items():
                expected["facts"][key] = change.get("to")
            source["facts"] = seq
        elif action == "case_marked_major":
            expected["is_major"], source["is_major"] = True, seq
        else:
            expected["status"], source["status"] = to_state, seq
    return expected, source


def _normal(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def row_problems(case) -> list[str]:
    """Each field of the row that its records do not give, named with both values."""
    return _compare(case, *replay(case))


def row_problems_from(case, rows) -> list[str]:
    """``row_problems`` from the case's records already read (``replay_rows``); ``case`` may be a plain row."""
    return _compare(case, *replay_rows(rows))


def _compare(case, expected: dict, source: dict) -> list[str]:
    problems = []
    for name in ROW_FIELDS:
        if name not in expected:
            continue
        actual = getattr(case, name)
        if name == "applicant_code":
            actual = actual or None
        if _normal(actual) != _normal(expected[name]):
            problems.append(f"case row field {name} is {_normal(actual)} but the records (last set by record "
                            f"#{source.get(name)}) give {_normal(expected[name])}")
    return problems

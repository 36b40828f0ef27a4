"""The approval sheet of a case, read from its execution records (the hash chain is the one source of what was
decided, by whom and when): one entry per completed step, in the order they were done."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import select

from app.cases.models import Case
from app.cases.timeline import value_text
from app.core.i18n import current_language, pick
from app.core.roles import role_label
from app.core.vocabulary import task_kind_label
from app.definitions.service import get_bundle
from app.extensions import db
from app.records.models import ExecutionRecord
from app.users.lookup import display_name

# The field that carries a step's conclusion (审查意见的结论、法制审核结论、委员会结论、决定), in this order.
DECISION_FIELDS = ("outcome", "conclusion", "decision", "proposal")
# Written fields shown in full; facts of the case (category, investment…) are in the case summary instead.
TEXT_TYPES = ("text", "longtext", "date", "users")
MARKS = {"pass": "✓", "fail": "✗", "na": "—"}


@dataclass
class Mark:
    result: str  # pass / fail / na
    sign: str
    label: str
    comment: str


@dataclass
class Opinion:
    step: str
    who: str
    role: str
    at: dt.datetime
    decision: str | None = None
    decision_code: str | None = None  # for the style (revise shows in red), never shown as text
    texts: list[tuple[str, str]] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    task_id: str | None = None


def approval_sheet(case: Case, before_task_id: str | None = None) -> list[Opinion]:
    """The case's completed steps with what each decided and wrote (all of them; a task page passes its own
    id, which is still open, so nothing of its own shows)."""
    bundle = get_bundle(case.bundle)
    metas = {meta.task_id: meta for meta in bundle.tasks.values()}
    records = db.session.scalars(select(ExecutionRecord).where(
        ExecutionRecord.case_id == case.id, ExecutionRecord.action == "task_completed")
        .order_by(ExecutionRecord.seq)).all()
    sheet = []
    for record in records:
        if before_task_id and record.task_id == before_task_id:
            continue
        meta = metas.get(record.task_name)
        data = json.loads(record.payload).get("data") or {}
        fields = meta.form.by_name if meta else {}
        entry = Opinion(step=_step_title(meta, record.task_name), who=display_name(record.actor),
                        role=role_label(record.role or (meta.role if meta else "")), at=record.ts,
                        task_id=record.task_id)
        for name in DECISION_FIELDS:
            if data.get(name) is not None and name in fields:
                entry.decision, entry.decision_code = value_text(fields[name], data[name]), str(data[name])
                break
        for name, spec in fields.items():
            value = data.get(name)
            if value in (None, "", []) or name in DECISION_FIELDS:
                continue
            if spec.type == "checklist" and isinstance(value, dict):
                entry.marks = [Mark(mark.get("result", ""), MARKS.get(mark.get("result"), "?"),
                                    pick(item.label, item.label_en), mark.get("comment") or "")
                               for item in spec.items if isinstance(mark := value.get(item.value), dict)]
            elif spec.type in TEXT_TYPES or (spec.type == "boolean" and name not in case.facts):
                entry.texts.append((pick(spec.label, spec.label_en), value_text(spec, value)))
        sheet.append(entry)
    return sheet


def _step_title(meta, task_name: str | None) -> str:
    """The diagram's title in Chinese; in English the declared kind's English name (diagrams title in Chinese)."""
    if meta is None:
        return task_name or ""
    return task_kind_label(meta.kind) if meta.kind and current_language() == "en" else meta.title

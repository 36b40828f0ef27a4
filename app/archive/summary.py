"""summary.html, the printable summary inside a bundle: the case, the definitions it ran on, every record in
plain words, the evidence files and the chain head. Always in Chinese, whatever the exporting user reads."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from app.cases.confidentiality import confidentiality_label
from app.cases.models import Case
from app.cases.timeline import describe, facts_for_display
from app.core.clock import china_time_text
from app.core.i18n import in_language
from app.core.roles import role_label
from app.core.vocabulary import status_label
from app.definitions.service import get_bundle
from app.engine.definitions import Bundle
from app.records.models import ExecutionRecord

APPLICANT_TYPES = {"legal_person": "法人", "natural_person": "自然人", "individual_business": "个体工商户",
                   "other_organization": "其他组织"}
# Not the application's Jinja environment: the summary is a file of its own, the same outside any request.
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True,
                         trim_blocks=True, lstrip_blocks=True)


def render_summary(case: Case, records: list[ExecutionRecord], evidence, file_members: dict, definitions,
                   exported_at: dt.datetime, exporter: str, sealed: bool, note: str) -> str:
    with in_language("zh"):
        bundle = _bundle(case)
        context = {
            "case": case, "note": note, "sealed": sealed, "facts": _facts(case, bundle),
            "status": status_label(case.status), "records": _describe_all(records, bundle), "role_label": role_label,
            "applicant_type": APPLICANT_TYPES.get(case.applicant_type, case.applicant_type),
            "files": [{"e": e, "member": file_members[e.id], "size": _size(e.size),
                       "class": confidentiality_label(e.confidentiality)} for e in evidence],
            "definitions": definitions, "exported_at": _china_time(exported_at), "exporter": exporter,
            "china_time": _china_time, "head_count": case.records_count or 0,
            "head_hash": case.records_head or "0" * 64,
        }
        return _TEMPLATES.get_template("summary.html").render(**context)


def _bundle(case: Case) -> Bundle | None:
    """The definitions the case ran on, for the words of its records and facts; None if they cannot be read
    (an unreadable definition must not stop the export: the summary falls back to raw names)."""
    try:
        return get_bundle(case.bundle)
    except Exception:  # noqa: BLE001
        return None


def _facts(case: Case, bundle: Bundle | None) -> list[tuple[str, str]]:
    raw = [(k, str(v)) for k, v in (case.facts or {}).items()]
    if bundle is None:
        return raw
    try:
        return facts_for_display(case.facts or {}, bundle)
    except Exception:  # noqa: BLE001
        return raw


def _describe_all(records: list[ExecutionRecord], bundle: Bundle | None) -> list[dict]:
    """Each record in plain words (app.cases.timeline), falling back to its action name."""
    rows = []
    for rec in records:
        text, details, engine = f"{rec.actor}: {rec.action}", [], False
        if rec.action == "case_archived":
            payload = json.loads(rec.payload)
            text = (f"{rec.actor} 封存了电子案卷（档案号 {payload.get('archive_no') or '—'}，封存记录 "
                    f"{payload.get('records_sealed')} 条，文件 {len(payload.get('files') or [])} 个）")
        elif bundle is not None:
            try:
                entry = describe(rec, bundle)
                text, details, engine = entry.text, entry.details, entry.engine
            except Exception:  # noqa: BLE001
                pass
        rows.append({"seq": rec.seq, "ts": _china_time(rec.ts), "actor": rec.actor, "role": rec.role,
                     "text": text, "details": details, "engine": engine, "hash": rec.hash})
    return rows


def _china_time(value: dt.datetime | None) -> str:
    return china_time_text(value, seconds=True) or "—"


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)

"""New applications and the case page (timeline, files, diagram)."""
from __future__ import annotations

import json

from flask import abort, render_template
from markupsafe import Markup
from sqlalchemy import select

from app.cases import access as case_access
from app.cases.confidentiality import CONFIDENTIALITY_CLASSES, CONFIDENTIALITY_LABELS
from app.cases.models import Case
from app.cases.timeline import describe, facts_for_display
from app.core.vocabulary import status_label
from app.deadlines.models import PROCEDURE_LABELS
from app.definitions.models import DefinitionVersion
from app.definitions.service import get_bundle
from app.evidence import service as evidence_service
from app.extensions import db
from app.records.models import ExecutionRecord
from app.web import bp, current_user, login_required
from app.web.tasks import _days_left


def _case_or_404(case_no: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.case_no == case_no))
    if case is None:
        abort(404)
    if not case_access.may_view_case(current_user(), case):
        abort(403)
    return case


@bp.get("/cases/<case_no>")
@login_required
def case_page(case_no: str):
    case = _case_or_404(case_no)
    records = db.session.scalars(select(ExecutionRecord).where(ExecutionRecord.case_id == case.id)
                                 .order_by(ExecutionRecord.seq)).all()
    bundle = get_bundle(case.bundle)
    user = current_user()
    files = evidence_service.case_evidence(case)
    timeline = [(r, describe(r, bundle)) for r in records]
    return render_template(
        "case.html", case=case, timeline=timeline, files=files, may_read=lambda e: evidence_service.may_read(user, e),
        open_tasks=case_access.open_tasks(case), diagrams=_diagrams(case, records),
        facts=facts_for_display(case.facts, bundle),
        status_label=status_label, class_labels=CONFIDENTIALITY_LABELS,
        classes=CONFIDENTIALITY_CLASSES, pauses=_pauses(case), procedures=PROCEDURE_LABELS,
        days_left=_days_left)


def _pauses(case: Case) -> list:
    from app.deadlines.models import ClockPause
    return db.session.scalars(select(ClockPause).where(ClockPause.case_id == case.id).order_by(ClockPause.id)).all()


def _diagrams(case: Case, records) -> list[tuple[str, Markup]]:
    """The case's own diagram versions, done steps and current steps marked (from its records)."""
    from app.bpmn.svg import render_svg
    last_state: dict[tuple[str, str], str] = {}
    for r in records:
        if r.action == "task_state" and r.task_name:
            process = json.loads(r.payload).get("process")
            last_state[(process, r.task_name)] = r.to_state
    ids = [int(i) for i in case.bundle.split(",") if i]
    versions = db.session.scalars(select(DefinitionVersion).where(DefinitionVersion.id.in_(ids),
                                                                  DefinitionVersion.kind == "bpmn")).all()
    processes_seen = {process for process, _ in last_state}
    result = []
    for version in sorted(versions, key=lambda v: v.key != case.process_key):
        if version.key not in processes_seen and version.key != case.process_key:
            continue  # a called process this case never entered
        done = {el for (p, el), state in last_state.items() if p == version.key and state == "COMPLETED"}
        current = {el for (p, el), state in last_state.items()
                   if p == version.key and state in ("READY", "STARTED", "WAITING")}
        svg = render_svg(version.content, completed=done, current=current, title=f"{version.name} v{version.version}")
        result.append((f"{version.name}（v{version.version}）", Markup(svg)))
    return result

"""The case page: its timeline, its diagrams with the steps done and current, and the panels the features
add (files, legal time limits…)."""
from __future__ import annotations

import json

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from app.bpmn.svg import render_svg
from app.cases import access as case_access
from app.cases.confidentiality import CONFIDENTIALITY_LABELS
from app.cases.models import Case
from app.cases.timeline import describe, facts_for_display
from app.cases.web_panels import CASE_MAIN, CASE_PAGE, panels
from app.core.vocabulary import status_label
from app.definitions.models import DefinitionVersion
from app.definitions.service import get_bundle
from app.extensions import db
from app.records.models import ExecutionRecord
from app.web import bp, current_user, login_required


@bp.get("/cases/<case_no>")
@login_required
def case_page(case_no: str):
    user = current_user()
    case = case_access.case_for_viewer(user, case_no)
    records = db.session.scalars(select(ExecutionRecord).where(ExecutionRecord.case_id == case.id)
                                 .order_by(ExecutionRecord.seq)).all()
    bundle = get_bundle(case.bundle)
    return render_template(
        "case.html", case=case, timeline=[(r, describe(r, bundle)) for r in records], human=_human,
        open_tasks=case_access.open_tasks(case), diagrams=_diagrams(case, records),
        facts=facts_for_display(case.facts, bundle), status_label=status_label, class_labels=CONFIDENTIALITY_LABELS,
        **panels(CASE_PAGE, case, user), **panels(CASE_MAIN, case, user))


HUMAN_ACTIONS_EXCLUDED = ("status_changed", "task_state", "deadline_set")


def _human(record) -> bool:
    """A step people took (办理、认领、改派、上传…), as opposed to the engine's and the scheduler's bookkeeping."""
    return record.actor not in ("engine", "scheduler") and record.action not in HUMAN_ACTIONS_EXCLUDED


def _diagrams(case: Case, records) -> list[tuple[str, Markup]]:
    """The case's own diagram versions, done steps and current steps marked (from its records)."""
    last_state: dict[tuple[str, str], str] = {}
    ever_done: set[tuple[str, str]] = set()  # a step done once stays done when a loop brings the case back
    for r in records:
        if r.action == "task_state" and r.task_name:
            process = json.loads(r.payload).get("process")
            last_state[(process, r.task_name)] = r.to_state
            if r.to_state == "COMPLETED":
                ever_done.add((process, r.task_name))
    ids = [int(i) for i in case.bundle.split(",") if i]
    versions = db.session.scalars(select(DefinitionVersion).where(DefinitionVersion.id.in_(ids),
                                                                  DefinitionVersion.kind == "bpmn")).all()
    processes_seen = {process for process, _ in last_state}
    result = []
    for version in sorted(versions, key=lambda v: v.key != case.process_key):
        if version.key not in processes_seen and version.key != case.process_key:
            continue  # a called process this case never entered
        current = {el for (p, el), state in last_state.items()
                   if p == version.key and state in ("READY", "STARTED", "WAITING")}
        done = {el for (p, el) in ever_done if p == version.key} - current
        svg = render_svg(version.content, completed=done, current=current, title=f"{version.name} v{version.version}")
        result.append((f"{version.name}（v{version.version}）", Markup(svg)))
    return result

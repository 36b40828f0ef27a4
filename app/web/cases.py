"""New applications and the case page (timeline, files, diagram)."""
from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from marshmallow import ValidationError
from sqlalchemy import select

from app.cases import access as case_access
from app.cases import service as case_service
from app.cases.confidentiality import CONFIDENTIALITY_CLASSES, CONFIDENTIALITY_LABELS
from app.cases.models import Case
from app.cases.timeline import describe, facts_for_display
from app.catalogue.models import ServiceItem
from app.core.errors import ServiceError
from app.core.vocabulary import status_label
from app.deadlines.models import PROCEDURE_LABELS
from app.definitions.models import DefinitionVersion
from app.definitions.service import get_bundle
from app.evidence import service as evidence_service
from app.evidence.web import posted_uploads
from app.extensions import db
from app.records.models import ExecutionRecord
from app.schemas import CaseCreateSchema
from app.web import bp, current_user, login_required, roles_required
from app.web.tasks import _days_left

APPLICANT_TYPES = ("legal_person", "natural_person", "individual_business", "other_organization")


@bp.route("/cases/new", methods=["GET", "POST"])
@roles_required("clerk")
def new_case():
    items = db.session.scalars(select(ServiceItem).where(ServiceItem.active.is_(True))
                               .order_by(ServiceItem.code)).all()
    values, errors = dict(request.form), {}
    if request.method == "POST":
        facts = {k: request.form[k] for k in ("project_name", "description", "investment") if request.form.get(k)}
        body = {"item": request.form.get("item", ""), "confidentiality": request.form.get("confidentiality"),
                "applicant": {"name": request.form.get("applicant_name", ""),
                              "type": request.form.get("applicant_type", ""),
                              "code": request.form.get("applicant_code") or None},
                "facts": facts}
        try:
            data = CaseCreateSchema().load(body)
            case = case_service.create_case(current_user(), data["item"], data["applicant"], data["facts"],
                                            confidentiality=data["confidentiality"], attachments=posted_uploads())
        except ValidationError as exc:
            errors = _flatten_errors(exc.messages)
        except ServiceError as exc:
            db.session.rollback()
            errors = _flatten_errors(exc.fields or {"_": [exc.message]})
        else:
            flash(_("申请已登记，案件编号 %(case_no)s", case_no=case.case_no), "success")
            return redirect(url_for("web.case_page", case_no=case.case_no))
    return render_template("new_case.html", items=items, values=values, errors=errors,
                           applicant_types=APPLICANT_TYPES, classes=CONFIDENTIALITY_CLASSES,
                           class_labels=CONFIDENTIALITY_LABELS), (422 if errors else 200)


def _flatten_errors(messages: dict, prefix: str = "") -> dict[str, list[str]]:
    """{'applicant': {'code': [...]}} -> {'applicant_code': [...]} to match the page's field names."""
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten_errors(value, f"{name}_" if key != "facts" else ""))
        else:
            flat[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return flat


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

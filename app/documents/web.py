"""The documents on the staff pages: the task page lists the documents its step will issue, each with a
preview rendered from the form as currently filled in (unsigned, unnumbered, marked 预览), and the case page
lists every document of the case with its number, status, download and print."""
from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.cases.access import case_for_viewer, may_view_case, task_for_viewer, task_meta
from app.cases.hooks import Step
from app.cases.web_forms import form_values
from app.cases.web_panels import case_panel, task_panel
from app.core.clock import china_time_text
from app.core.errors import ServiceError
from app.documents import service
from app.documents.models import IssuedDocument
from app.documents.steps import planned_documents
from app.documents.types import DOC_TYPES
from app.extensions import db
from app.web import bp, current_user, login_required, register_templates


def init_app(app) -> None:
    register_templates(app, __name__)


def _step_for(task, user, data: dict) -> Step:
    return Step(user=user, case=task.case, task=task, meta=task_meta(task), data=data)


def step_documents(task, user, data: dict) -> list[str]:
    """The types of the documents the task's step will issue with ``data``; for a step whose documents
    depend on a choice not made yet (accept, correct or reject), every type it may issue."""
    planned = [p.doc_type for p in planned_documents(_step_for(task, user, data))]
    if planned:
        return planned
    return [code for code, dtype in DOC_TYPES.items() if task.kind in dtype.steps]


# When a step may issue several documents, which choice issues which (shown next to each on the task page).
ISSUED_WHEN = {"acceptance_notice": _l("受理时"), "correction_notice": _l("要求补正时"),
               "rejection_decision": _l("不予受理时"), "grant_decision": _l("准予许可时"), "licence": _l("准予许可时"),
               "denial_decision": _l("不予许可时")}


@task_panel("documents/_task_documents.html", order=30)
def task_documents(task, user) -> dict:
    codes = step_documents(task, user, task.draft or {})
    return {"step_documents": [(code, DOC_TYPES[code]) for code in codes],
            "issued_when": ISSUED_WHEN if len(codes) > 1 else {}}


@case_panel("documents/_case_documents.html", order=15)
def case_document_list(case, user) -> dict:
    return {"case_docs": service.case_documents(case), "doc_status_label": service.status_label,
            "doc_time": china_time_text, "doc_types_en": {code: t.title_en for code, t in DOC_TYPES.items()}}


@bp.post("/tasks/<task_id>/documents/<doc_type>/preview")
@login_required
def preview_step_document(task_id: str, doc_type: str):
    """The document as the step would issue it with the form's current values (nothing is saved)."""
    user = current_user()
    task = task_for_viewer(user, task_id)
    if doc_type not in DOC_TYPES:
        abort(404)
    data = form_values(task_meta(task).form, request.form)
    planned = {p.doc_type: p for p in planned_documents(_step_for(task, user, data))}
    if doc_type not in planned:
        message = _("按当前填写的内容，本环节不出具%(title)s（请先选择相应的结论）", title=DOC_TYPES[doc_type].title)
        return render_template("error.html", code=422, description=message), 422
    try:
        pdf = service.preview_current(doc_type, {"case": task.case, "data": planned[doc_type].context})
    except (ServiceError, ValueError) as exc:
        db.session.rollback()
        message = exc.message if isinstance(exc, ServiceError) else _("表单内容无法生成文书预览：%(e)s", e=str(exc))
        return render_template("error.html", code=422, description=message), 422
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=preview-{doc_type}.pdf"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/cases/<case_no>/documents/<int:doc_id>")
@login_required
def case_document_pdf(case_no: str, doc_id: int):
    """The signed PDF: inline to view and print, or ``?download=1`` to save it."""
    case = case_for_viewer(current_user(), case_no)
    doc = db.session.get(IssuedDocument, doc_id)
    if doc is None or doc.case_id != case.id or not may_view_case(current_user(), case):
        abort(404)
    try:
        pdf = service.document_pdf(doc)
    except FileNotFoundError:
        return render_template("error.html", code=500, description=_("文书文件缺失：%(n)s", n=doc.number)), 500
    response = Response(pdf, mimetype="application/pdf")
    disposition = "attachment" if request.args.get("download") else "inline"
    response.headers["Content-Disposition"] = f"{disposition}; filename={doc.doc_type}-{doc.year}-{doc.serial:04d}.pdf"
    response.headers["X-Content-SHA256"] = doc.sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""The document templates in the designer's area (流程设计 → 文书模板): every deployed version of each type
(a case's documents keep the version they were issued with), a draft previewed with the type's sample data or
with a case's data before it is deployed, and deploying it as a new version (designers only).

A designer sees a case's data only for a case they may see (``may_view_case``: an access grant), as
everywhere else."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.cases.access import case_for_viewer
from app.core.clock import china_time_text
from app.core.errors import ServiceError
from app.documents import service
from app.documents.templating import current_template, deploy_templates, template_versions
from app.documents.types import DOC_TYPES
from app.extensions import db
from app.users.models import User
from app.web import bp, current_user, roles_required

SOURCE_FIELD_LIMIT = 256 * 1024


def _page(doc_type: str, source: str | None = None, case_no: str = "", error: str | None = None, status: int = 200):
    versions = [v for v in template_versions() if v.doc_type == doc_type]
    names = dict(db.session.execute(select(User.username, User.full_name)).all())
    current = current_template(doc_type)
    return render_template(
        "documents/designer_templates.html", doc_types=DOC_TYPES, doc_type=doc_type, versions=versions,
        source=source if source is not None else (current.content if current else ""), case_no=case_no,
        error=error, names=names, when=china_time_text), status


def _chosen_type() -> str:
    doc_type = request.values.get("doc_type") or "grant_decision"
    return doc_type if doc_type in DOC_TYPES else "grant_decision"


@bp.get("/designer/documents")
@roles_required("designer")
def designer_templates():
    return _page(_chosen_type())


@bp.post("/designer/documents/preview")
@roles_required("designer")
def designer_template_preview():
    """The draft rendered as a PDF (unsigned, unnumbered, marked 预览) with sample data or a case's data."""
    doc_type, source = _chosen_type(), request.form.get("source", "")[:SOURCE_FIELD_LIMIT + 1]
    case_no = (request.form.get("case_no") or "").strip()
    try:
        context = {"case": case_for_viewer(current_user(), case_no)} if case_no else {}
        if case_no:
            context["data"] = service.latest_data(context["case"], doc_type)
        pdf = service.preview(source, context, doc_type=doc_type)
    except ServiceError as exc:
        db.session.rollback()
        return _page(doc_type, source, case_no, exc.message, exc.status if exc.status != 200 else 422)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=preview-{doc_type}.pdf"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/designer/documents/deploy")
@roles_required("designer")
def designer_template_deploy():
    doc_type, source = _chosen_type(), request.form.get("source", "")
    note = (request.form.get("note") or "").strip()[:500] or None
    try:
        result = deploy_templates([(f"{doc_type}.html", source)], current_user().username, note)
    except ServiceError as exc:
        db.session.rollback()
        return _page(doc_type, source, "", exc.message, 422)
    if result.created:
        flash(_("已部署%(title)s模板 v%(v)d", title=DOC_TYPES[doc_type].title, v=result.created[0].version), "success")
    else:
        flash(_("模板内容未变，未产生新版本"), "info")
    return redirect(url_for("web.designer_templates", doc_type=doc_type))

"""Files of a case on the staff web: their panels on the case and task pages, upload to a case or one of its
tasks, a new version of a file (the old one stays), download (checked and, unless public, recorded)."""
from __future__ import annotations

from flask import flash, redirect, request, send_file, url_for
from flask_babel import gettext as _

from app.cases.access import may_act_on_case
from app.cases.web_panels import case_panel, task_panel
from app.core.errors import ServiceError
from app.core.inputs import large_body
from app.evidence import service as evidence_service
from app.extensions import db
from app.web import bp, current_user, login_required, register_templates


def init_app(app) -> None:
    register_templates(app, __name__)  # the panels and _upload.html


# After the legal time limits (order 10) on the case page.
@case_panel("_case_files.html", order=20)
def case_files(case, user) -> dict:
    return {"files": evidence_service.case_evidence(case),
            "may_read": lambda evidence: evidence_service.may_read(user, evidence),
            "may_attach": may_act_on_case(user, case)}  # supervisors see the files, not the upload form


@task_panel("_task_files.html", order=20)
def task_files(task, user) -> dict:
    return {"files": [e for e in evidence_service.case_evidence(task.case) if e.task_id == task.id]}


def posted_uploads(field: str = "files") -> list[evidence_service.Upload]:
    """The files posted in ``field``, with the class and the description chosen on the form."""
    confidentiality = request.form.get("file_confidentiality", "internal")
    return [evidence_service.Upload(f.filename, f.stream, confidentiality, request.form.get("file_description"))
            for f in request.files.getlist(field) if f and f.filename]


@bp.post("/cases/<case_no>/files")
@large_body("UPLOAD_MAX_CONTENT_LENGTH")
@login_required
def upload_files(case_no: str):
    evidence_service.require_actor(current_user(), case_no)
    task_id = request.form.get("task_id") or None
    uploads = posted_uploads()
    back = url_for("web.task_page", task_id=task_id) if task_id else url_for("web.case_page", case_no=case_no)
    if not uploads:
        flash(_("请选择要上传的文件"), "error")
        return redirect(back)
    rows = evidence_service.attach(current_user(), case_no, uploads, task_id=task_id)
    flash(_("已上传 %(n)d 个文件", n=len(rows)), "success")
    return redirect(back)


@bp.post("/files/<int:evidence_id>/supersede")
@large_body("UPLOAD_MAX_CONTENT_LENGTH")
@login_required
def supersede_file(evidence_id: int):
    """Back to the case named by the form whatever happened, with the outcome (or every field's problem)."""
    evidence_service.require_supersede_actor(current_user(), evidence_id)  # refused: the error page, not a flash
    uploads = posted_uploads("file")
    case_no = request.form.get("case_no", "")
    try:
        if not uploads:
            raise ServiceError(_("请选择新版本文件"))
        evidence_service.supersede(current_user(), evidence_id, uploads[0], request.form.get("reason", ""))
        flash(_("已上传新版本，原文件保留"), "success")
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message if not exc.fields else "；".join(m for ms in exc.fields.values() for m in ms), "error")
    return redirect(url_for("web.case_page", case_no=case_no) if case_no else url_for("web.task_list"))


@bp.get("/files/<int:evidence_id>")
@login_required
def download_file(evidence_id: int):
    evidence, path = evidence_service.open_for_download(current_user(), evidence_id)
    return send_file(path, mimetype=evidence.content_type, as_attachment=True, download_name=evidence.filename)

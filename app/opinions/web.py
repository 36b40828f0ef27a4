"""The approval-sheet panel on the task and case pages, and files shown inside the page (PDF and images)."""
from __future__ import annotations

from flask import abort, send_file

from app.cases.web_panels import case_main_panel, case_panel, task_main_panel, task_panel
from app.evidence import service as evidence_service
from app.opinions.service import approval_sheet
from app.web.headers import allow
from app.web import bp, current_user, login_required, register_templates

# Shown inside the page: only types a browser renders without running anything of the file's own.
INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp")


def init_app(app) -> None:
    register_templates(app, __name__)


def _materials(case, user) -> list[dict]:
    return [{"e": e, "readable": evidence_service.may_read(user, e), "inline": e.content_type in INLINE_TYPES}
            for e in evidence_service.case_evidence(case) if not e.superseded]


# The sheet in the main column: above the task's form (read before writing), above the case's diagram.
@case_main_panel("_opinions.html", order=10)
def case_opinions(case, user) -> dict:
    return {"sheet": approval_sheet(case), "sheet_open": False}


@task_main_panel("_opinions.html", order=10)
def task_opinions(task, user) -> dict:
    return {"sheet": approval_sheet(task.case, before_task_id=task.id), "sheet_open": True}


# The materials first in the side column, before the clock and the files.
@case_panel("_materials.html", order=5)
def case_materials(case, user) -> dict:
    return {"materials": _materials(case, user)}


@task_panel("_materials.html", order=5)
def task_materials(task, user) -> dict:
    return {"materials": _materials(task.case, user)}


@bp.get("/files/<int:evidence_id>/view")
@login_required
def view_file(evidence_id: int):
    """The file shown in the page (same checks and download record as a download); other types are not shown."""
    evidence, path = evidence_service.open_for_download(current_user(), evidence_id)
    if evidence.content_type not in INLINE_TYPES:
        abort(404)
    response = send_file(path, mimetype=evidence.content_type, as_attachment=False,
                         download_name=evidence.filename)
    allow("frame-ancestors", "'self'")  # framed by our own task and case pages only
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response

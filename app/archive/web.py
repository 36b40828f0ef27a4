"""The sealed case file (执法案卷) on the case page: downloadable by those who keep or oversee case files
(the clerk who archives, leaders, supervisors) among those who may see the case; every download recorded."""
from __future__ import annotations

from flask import abort, send_file

from app.archive.bundle import archive_path
from app.cases.access import case_for_viewer
from app.cases.actions import lock_case_by_no
from app.cases.web_panels import case_panel
from app.core.access import require_roles
from app.extensions import db
from app.records import RecordDraft, append_records
from app.web import bp, current_user, login_required, register_templates

CASE_FILE_ROLES = ("clerk", "leader", "supervisor")


def init_app(app) -> None:
    register_templates(app, __name__)


@case_panel("_case_file.html", order=40)
def case_file_panel(case, user) -> dict:
    sealed = case.status == "archived" or archive_path(case.case_no).is_file()
    return {"case_file_ready": sealed and archive_path(case.case_no).is_file()
            and any(user.has_role(r) for r in CASE_FILE_ROLES)}


@bp.get("/cases/<case_no>/case-file")
@login_required
def download_case_file(case_no: str):
    user = current_user()
    require_roles(user, *CASE_FILE_ROLES)
    case = case_for_viewer(user, case_no)
    path = archive_path(case.case_no)
    if not path.is_file():
        abort(404)
    case = lock_case_by_no(case.case_no)
    append_records(case, [RecordDraft(actor=user.username, action="case_file_downloaded",
                                      payload={"bundle": path.name})])
    db.session.commit()
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=path.name)

"""The case page's panel of supervisors' access to a state-secret case: the leader grants and revokes it."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from app.cases import grants
from app.cases.access import assignable_supervisors
from app.cases.web_panels import case_panel
from app.web import bp, current_user, login_required


@case_panel("_access_grants.html", order=90)
def access_grants_panel(case, user) -> dict:
    shown = case.confidentiality == "state_secret" and user.has_role("leader")
    supervisors = assignable_supervisors() if shown else []
    return {"access_grants": grants.active_grants(case) if shown else None, "grantable_supervisors": supervisors,
            "full_names": {u.username: u.full_name for u in supervisors}}


@bp.post("/cases/<case_no>/access-grants")
@login_required
def grant_access(case_no: str):
    grants.grant_access(current_user(), case_no, request.form.get("username", ""), request.form.get("reason", ""))
    flash(_("已授权"), "success")
    return redirect(url_for("web.case_page", case_no=case_no) + "#access-grants")


@bp.post("/cases/<case_no>/access-grants/<username>/revoke")
@login_required
def revoke_access(case_no: str, username: str):
    grants.revoke_access(current_user(), case_no, username, request.form.get("reason", ""))
    flash(_("已撤销授权"), "success")
    return redirect(url_for("web.case_page", case_no=case_no) + "#access-grants")

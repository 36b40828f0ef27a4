"""The case page's clock actions: pause and resume (§45 procedures), the one extension, legal review +3."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from app.cases.web import days_left
from app.cases.web_panels import case_panel
from app.core.errors import Forbidden, InvalidData, NotFound, ServiceError
from app.core.i18n import t
from app.deadlines import service as deadlines
from app.deadlines.models import AUTOMATIC_PROCEDURES, PROCEDURE_LABELS
from app.extensions import db
from app.web import bp, current_user, login_required, register_templates


def init_app(app) -> None:
    register_templates(app, __name__)


@case_panel("_clock.html", order=10)
def clock_panel(case, user) -> dict:
    """The case page's legal time limits, the clock's pauses (names of the §45 procedures) and the actions
    that change them."""
    return {"pauses": deadlines.case_pauses(case), "procedure_labels": PROCEDURE_LABELS, "days_left": days_left,
            "automatic_procedures": AUTOMATIC_PROCEDURES}


def _date(name: str) -> dt.date | None:
    """The posted date, None when left empty; a malformed one is refused (never silently today)."""
    raw = request.form.get(name, "").strip()
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise InvalidData(t("not_a_date"), fields={name: [t("not_a_date")]})


def _run(case_no: str, action, done: str):
    """Back to the clock panel of the case page, with what was done or why not, field by field (the shared
    adapter would show the reason only, and only to a browser that sent its referrer)."""
    try:
        action()
        flash(done, "success")
    except (Forbidden, NotFound):
        raise  # the shared adapter: someone who may not see the case is not sent to its page
    except ServiceError as exc:
        db.session.rollback()
        details = "；".join(m for ms in (exc.fields or {}).values() for m in ms)
        flash(f"{exc.message}{'：' + details if details and details != exc.message else ''}", "error")
    return redirect(url_for("web.case_page", case_no=case_no) + "#clock")


@bp.post("/cases/<case_no>/clock/pause")
@login_required
def pause_clock(case_no: str):
    form = request.form
    return _run(case_no, lambda: deadlines.pause_clock(current_user(), case_no, form.get("procedure", ""),
                                                       form.get("reason", ""), form.get("notice_ref", ""),
                                                       _date("start_on")), _("期限已中止"))


@bp.post("/cases/<case_no>/clock/resume")
@login_required
def resume_clock(case_no: str):
    return _run(case_no, lambda: deadlines.resume_clock(current_user(), case_no, _date("end_on")), _("期限已恢复计算"))


@bp.post("/cases/<case_no>/clock/extend")
@login_required
def extend_decision(case_no: str):
    form = request.form
    return _run(case_no, lambda: deadlines.extend_decision(current_user(), case_no, form.get("reason", ""),
                                                           form.get("notice_ref", ""),
                                                           form.get("government_approval_ref") or None),
                _("办理期限已延长"))


@bp.post("/cases/<case_no>/tasks/<task_id>/extend-review")
@login_required
def extend_legal_review(case_no: str, task_id: str):
    return _run(case_no, lambda: deadlines.extend_legal_review(current_user(), task_id, request.form.get("reason", ""),
                                                                  case_no),
                _("法制审核期限已延长3个工作日"))

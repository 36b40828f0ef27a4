"""The case page's withdrawal panel (撤回申请): the clerk records the applicant's written request."""
from __future__ import annotations

import datetime as dt
import json

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.cases.web_panels import case_panel
from app.core.clock import china_time_text, china_today
from app.core.errors import InvalidData
from app.core.i18n import t
from app.core.vocabulary import TERMINAL_STATUSES
from app.extensions import db
from app.records.models import ExecutionRecord
from app.users.models import User
from app.web import bp, current_user, login_required, register_templates, roles_required
from app.withdrawal.service import WITHDRAWN_ACTION, withdraw_case


def init_app(app) -> None:
    register_templates(app, __name__)  # _withdrawal.html


@case_panel("_withdrawal.html", order=80)
def withdrawal_panel(case, user) -> dict:
    """Shown to clerks while the case can still be withdrawn, and to everyone once it was."""
    withdrawable = (user.has_role("clerk") and case.decided_on is None and case.status not in TERMINAL_STATUSES
                    and case.archived_at is None and not case.suspended)
    record = db.session.scalar(select(ExecutionRecord).where(
        ExecutionRecord.case_id == case.id, ExecutionRecord.action == WITHDRAWN_ACTION)) \
        if case.status == "withdrawn" else None
    shown = None
    if record is not None:
        shown = {**json.loads(record.payload), "at": china_time_text(record.ts),
                 "by": _full_name(record.actor)}
    return {"withdrawable": withdrawable, "withdrawal": shown, "withdrawal_today": china_today().isoformat()}


def _full_name(username: str) -> str:
    return db.session.scalar(select(User.full_name).where(User.username == username)) or username


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidData(t("not_a_date"), fields={"request_date": [t("not_a_date")]})


@bp.post("/cases/<case_no>/withdraw")
@login_required
@roles_required("clerk")
def withdraw_case_form(case_no: str):
    withdraw_case(current_user(), case_no, request.form.get("reason", ""), request.form.get("request_ref", ""),
                  _date(request.form.get("request_date", "").strip()))
    flash(_("已撤回申请，案件办理终止"), "success")
    return redirect(url_for("web.case_page", case_no=case_no))

"""The administrator's calendar page: load a year's State Council notice, add local closures."""
from __future__ import annotations

import datetime as dt
import json

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.calendar.models import CalendarDay, CalendarYear
from app.calendar.service import calendar, flatten_errors
from app.core.clock import china_today
from app.core.errors import ServiceError
from app.extensions import db
from app.web import bp, current_user, register_templates, roles_required


def init_app(app) -> None:
    register_templates(app, __name__)


@bp.get("/admin/calendar")
@roles_required("admin")
def calendar_admin():
    today = china_today()
    years = {y.year: y for y in db.session.scalars(select(CalendarYear))}
    status = [(year, years.get(year), calendar().year_known(year)) for year in range(today.year - 1, today.year + 3)]
    closures = db.session.scalars(select(CalendarDay).where(CalendarDay.kind == "closure")
                                  .order_by(CalendarDay.date.desc()).limit(50)).all()
    return render_template("calendar_admin.html", status=status, closures=closures, today=today)


@bp.post("/admin/calendar/notice")
@roles_required("admin")
def calendar_load_notice():
    upload = request.files.get("notice")
    try:
        data = json.loads(upload.read().decode("utf-8")) if upload and upload.filename else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _back(_("通知文件不是有效的 JSON：%(e)s", e=str(exc)), "error")
    if data is None:
        return _back(_("请选择通知文件（JSON）"), "error")
    try:
        summary = calendar().load_notice(data, current_user())
    except ServiceError as exc:  # the notice's problems, field by field (the shared adapter shows the reason only)
        db.session.rollback()
        return _back(f"{exc.message} {'；'.join(flatten_errors(exc.fields or {}))}", "error")
    return _back(_("已载入 %(year)s 年节假日安排，在办案件期限已重新计算", year=summary.get("year", "")), "success")


@bp.post("/admin/calendar/closure")
@roles_required("admin")
def calendar_add_closure():
    try:
        day = dt.date.fromisoformat(request.form.get("date", ""))
    except ValueError:
        return _back(_("请输入日期（YYYY-MM-DD）"), "error")
    calendar().add_closure(day, request.form.get("note", ""), current_user())
    return _back(_("已登记 %(d)s 停止办公，在办案件期限已重新计算", d=day.isoformat()), "success")


def _back(message: str, category: str):
    flash(message, category)
    return redirect(url_for("web.calendar_admin"))

"""统计年报 pages: preview the year's figures (generated now), save the narrative as a draft, publish a
locked version, re-issue a correction with a reason, download CSV or JSON. Supervisors only.

A published version has no edit form anywhere: the page shows it read-only, and the only action is to
publish a new version."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.annual import service
from app.annual.charts import charts
from app.annual.export import export_name, to_csv, to_json
from app.annual.figures import ITEM_KEYS, check_year, indicators, label
from app.core.clock import china_today
from app.core.errors import NotFound, ServiceError
from app.core.inputs import column_int
from app.web import bp, current_user, register_templates, roles_required


def register_pages(app) -> None:
    """This package's templates (annual, annual_index, public/annual) for the staff web and the portal."""
    register_templates(app, __package__)


def _year_or_404(year: int) -> int:
    try:
        return check_year(year)
    except ServiceError:
        abort(404)


@bp.get("/annual")
@roles_required("supervisor")
def annual_index():
    year = request.args.get("year", type=column_int)
    if year:
        return redirect(url_for("web.annual_report", year=year))
    return render_template("annual_index.html", years=service.published_years(), last_year=china_today().year - 1)


@bp.get("/annual/<int:year>")
@roles_required("supervisor")
def annual_report(year: int):
    _year_or_404(year)
    versions = service.versions(year)
    version = request.args.get("version", type=column_int)
    draft = service.get_draft(year)
    if version:
        try:
            view = service.View.of(service.get_version(year, version))
        except NotFound:
            abort(404)
    else:
        view = service.View.preview(year, draft.narrative if draft else "")
    narrative = request.args.get("narrative") or (draft.narrative if draft else
                                                  (service.View.of(versions[-1]).narrative if versions else ""))
    return render_template("annual.html", year=year, view=view, versions=versions, draft=draft,
                           narrative=narrative, rows=indicators(view.figures), charts=charts(view),
                           item_keys=ITEM_KEYS, label=label, errors={})


def _render_with_errors(year: int, exc: ServiceError, narrative: str, reason: str):
    versions = service.versions(year)
    draft = service.get_draft(year)
    view = service.View.preview(year, narrative)
    return render_template("annual.html", year=year, view=view, versions=versions, draft=draft,
                           narrative=narrative, reason=reason, rows=indicators(view.figures),
                           charts=charts(view), item_keys=ITEM_KEYS, label=label,
                           errors=exc.fields or {"_": [exc.message]}), exc.status


@bp.post("/annual/<int:year>/draft")
@roles_required("supervisor")
def annual_save_draft(year: int):
    _year_or_404(year)
    narrative = request.form.get("narrative", "")
    try:
        service.save_draft(current_user(), year, narrative)
    except ServiceError as exc:
        return _render_with_errors(year, exc, narrative, request.form.get("reason", ""))
    flash(_("草稿已保存。"), "ok")
    return redirect(url_for("web.annual_report", year=year))


@bp.post("/annual/<int:year>/publish")
@roles_required("supervisor")
def annual_publish(year: int):
    _year_or_404(year)
    narrative, reason = request.form.get("narrative", ""), request.form.get("reason", "")
    try:
        report = service.publish(current_user(), year, narrative, reason)
    except ServiceError as exc:
        return _render_with_errors(year, exc, narrative, reason)
    flash(_("%(year)d 年度统计年报第 %(v)d 版已发布并锁定。", year=year, v=report.version), "ok")
    return redirect(url_for("web.annual_report", year=year, version=report.version))


@bp.get("/annual/<int:year>/export.<fmt>")
@roles_required("supervisor")
def annual_export(year: int, fmt: str):
    _year_or_404(year)
    if fmt not in ("csv", "json"):
        abort(404)
    version = request.args.get("version", type=column_int)
    if version or (request.args.get("preview") is None and service.is_published(year)):
        try:
            view = service.View.of(service.get_version(year, version))
        except NotFound:
            abort(404)
    else:
        draft = service.get_draft(year)
        view = service.View.preview(year, draft.narrative if draft else "")
    body = to_csv(view) if fmt == "csv" else to_json(view)
    return Response(body, mimetype="text/csv" if fmt == "csv" else "application/json",
                    headers={"Content-Disposition": f"attachment; filename={export_name(view, fmt)}"})

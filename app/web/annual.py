"""统计年报 pages: preview the year's figures (generated now), save the narrative as a draft, publish a
locked version, re-issue a correction with a reason, download CSV or JSON. Supervisors only.

A published version has no edit form anywhere: the page shows it read-only, and the only action is to
publish a new version."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.core.clock import china_today
from app.core.errors import NotFound, ServiceError
from app.publicity import annual
from app.web import bp, current_user, roles_required


def _svg(width: int, height: int, text: str, body: list[str]) -> Markup:
    return Markup(f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(text)}" '
                  f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
                  f'<title>{escape(text)}</title>{"".join(body)}</svg>')


def bar_chart(rows: list[tuple[str, int, str]], title: str) -> Markup:
    """Horizontal bars, one per (label, value, css class); a zero shows as 0 with no bar."""
    left, bar_h, gap, top, plot_w = 150, 22, 10, 10, 360
    height = top + len(rows) * (bar_h + gap) + 10
    width = left + plot_w + 60
    peak = max([v for _l, v, _c in rows] + [1])
    body = [f'<line class="axis" x1="{left}" y1="{top - 4}" x2="{left}" y2="{height - 6}"/>']
    for i, (text, value, cls) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = round(plot_w * value / peak, 1)
        body.append(f'<text class="tick" x="{left - 8}" y="{y + bar_h * 0.7}" text-anchor="end">{escape(text)}</text>')
        if value:
            body.append(f'<rect class="bar {cls}" x="{left}" y="{y}" width="{w}" height="{bar_h}">'
                        f'<title>{escape(text)}: {value}</title></rect>')
        body.append(f'<text class="value" x="{left + w + 6}" y="{y + bar_h * 0.7}">{value}</text>')
    return _svg(width, height, title, body)


def _charts(view: annual.View) -> list[Markup]:
    lic = view.figures["licensing"]
    classes = {"applications": "open", "accepted": "open", "granted": "good", "denied": "poor", "revoked": "wait"}
    charts = [bar_chart([(annual.label(k), int(lic[k] or 0), classes[k]) for k in annual.LICENSING_KEYS],
                        _("行政许可办理情况"))]
    review = view.figures["legal_review"]
    charts.append(bar_chart(
        [(annual.label(f"legal_review.{o}"), int(review["by_outcome"].get(o) or 0), "good" if o == "approve" else "wait")
         for o in annual.REVIEW_OUTCOMES]
        + [(annual.label(k), int(view.figures[k] or 0), "poor" if k.startswith("late") else "open")
           for k in annual.EXTRA_KEYS], _("法制审核、听证、延期与逾期")))
    return charts


def _year_or_404(year: int) -> int:
    try:
        return annual.check_year(year)
    except ServiceError:
        abort(404)


@bp.get("/annual")
@roles_required("supervisor")
def annual_index():
    year = request.args.get("year", type=int)
    if year:
        return redirect(url_for("web.annual_report", year=year))
    return render_template("annual_index.html", years=annual.published_years(), last_year=china_today().year - 1)


@bp.get("/annual/<int:year>")
@roles_required("supervisor")
def annual_report(year: int):
    _year_or_404(year)
    versions = annual.versions(year)
    version = request.args.get("version", type=int)
    draft = annual.get_draft(year)
    if version:
        try:
            view = annual.View.of(annual.get_version(year, version))
        except NotFound:
            abort(404)
    else:
        view = annual.View.preview(year, draft.narrative if draft else "")
    narrative = request.args.get("narrative") or (draft.narrative if draft else
                                                  (annual.View.of(versions[-1]).narrative if versions else ""))
    return render_template("annual.html", year=year, view=view, versions=versions, draft=draft,
                           narrative=narrative, rows=annual.indicators(view.figures), charts=_charts(view),
                           item_keys=annual.ITEM_KEYS, label=annual.label, errors={})


def _render_with_errors(year: int, exc: ServiceError, narrative: str, reason: str):
    versions = annual.versions(year)
    draft = annual.get_draft(year)
    view = annual.View.preview(year, narrative)
    return render_template("annual.html", year=year, view=view, versions=versions, draft=draft,
                           narrative=narrative, reason=reason, rows=annual.indicators(view.figures),
                           charts=_charts(view), item_keys=annual.ITEM_KEYS, label=annual.label,
                           errors=exc.fields or {"_": [exc.message]}), exc.status


@bp.post("/annual/<int:year>/draft")
@roles_required("supervisor")
def annual_save_draft(year: int):
    _year_or_404(year)
    narrative = request.form.get("narrative", "")
    try:
        annual.save_draft(current_user(), year, narrative)
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
        report = annual.publish(current_user(), year, narrative, reason)
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
    version = request.args.get("version", type=int)
    if version or (request.args.get("preview") is None and annual.is_published(year)):
        try:
            view = annual.View.of(annual.get_version(year, version))
        except NotFound:
            abort(404)
    else:
        draft = annual.get_draft(year)
        view = annual.View.preview(year, draft.narrative if draft else "")
    body = annual.to_csv(view) if fmt == "csv" else annual.to_json(view)
    return Response(body, mimetype="text/csv" if fmt == "csv" else "application/json",
                    headers={"Content-Disposition": f"attachment; filename={annual.export_name(view, fmt)}"})

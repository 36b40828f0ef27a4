"""The public side of the annual statistics report: every published year, read-only, with its charts.
Only published (locked) versions are shown — never a preview or a draft."""
from __future__ import annotations

from flask import abort, render_template, request

from app.annual import service
from app.annual.charts import charts
from app.annual.figures import indicators
from app.core.errors import NotFound
from app.core.inputs import column_int
from app.publicity.web_public import bp


@bp.get("/annual")
def annual_years():
    return render_template("public/annual.html", section="annual", years=service.published_years(), view=None)


@bp.get("/annual/<int:year>")
def annual_year(year: int):
    versions = service.versions(year)
    if not versions:
        abort(404)
    wanted = request.args.get("version", type=column_int)
    try:
        report = service.get_version(year, wanted) if wanted else versions[-1]
    except NotFound:
        abort(404)
    view = service.View.of(report)
    return render_template("public/annual.html", section="annual", years=service.published_years(), view=view,
                           year=year, versions=versions, report=report, rows=indicators(view.figures),
                           charts=charts(view))

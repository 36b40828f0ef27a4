"""The public side of the annual statistics report: every published year, read-only, with its charts.
Only published (locked) versions are shown — never a preview or a draft."""
from __future__ import annotations

from flask import abort, render_template, request

from app.core.errors import NotFound
from app.publicity import annual
from app.publicity.web_public import bp
from app.web.annual import _charts


@bp.get("/annual")
def annual_years():
    return render_template("public/annual.html", section="annual", years=annual.published_years(), view=None)


@bp.get("/annual/<int:year>")
def annual_year(year: int):
    versions = annual.versions(year)
    if not versions:
        abort(404)
    wanted = request.args.get("version", type=int)
    try:
        report = annual.get_version(year, wanted) if wanted else versions[-1]
    except NotFound:
        abort(404)
    view = annual.View.of(report)
    return render_template("public/annual.html", section="annual", years=annual.published_years(), view=view,
                           year=year, versions=versions, report=report, rows=annual.indicators(view.figures),
                           charts=_charts(view))

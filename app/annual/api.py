"""``/api/annual/``: the annual statistics report (统计年报). Supervisors only.

There is deliberately no PUT, PATCH or DELETE: a published version is locked, and a correction is a new
version (POST .../publish with a reason)."""
from __future__ import annotations

from flask import Response, g, jsonify, request

from app.annual import service
from app.annual.export import export_name, to_csv, to_json
from app.annual.figures import MAX_YEAR, MIN_YEAR, check_year
from app.annual.schemas import (
    SCHEMAS,
    AnnualOverviewSchema,
    AnnualReportSchema,
    DraftSchema,
    PublishSchema,
)
from app.api import bp
from app.api.helpers import load_json, login_required
from app.api.openapi import register_openapi
from app.core.access import roles_required
from app.core.errors import InvalidData
from app.core.inputs import column_int


def _draft_json(draft) -> dict | None:
    if draft is None:
        return None
    return {"narrative": draft.narrative, "saved_at": draft.saved_at.isoformat(), "saved_by": draft.saved_by}


@bp.get("/annual/<int:year>")
@login_required
@roles_required("supervisor")
def annual_overview(year: int):
    check_year(year)
    draft = service.get_draft(year)
    preview = service.View.preview(year, draft.narrative if draft else "")
    return jsonify(AnnualOverviewSchema().dump({
        "year": year, "preview": preview.as_json(), "draft": _draft_json(draft),
        "versions": [{"version": r.version, "published_at": r.published_at, "published_by": r.published_by,
                      "reason": r.reason, "sha256": r.sha256, "valid": r.valid} for r in service.versions(year)]}))


@bp.get("/annual/<int:year>/versions/<int:version>")
@login_required
@roles_required("supervisor")
def annual_version(year: int, version: int):
    return jsonify(AnnualReportSchema().dump(service.View.of(service.get_version(year, version)).as_json()))


@bp.post("/annual/<int:year>/draft")
@login_required
@roles_required("supervisor")
def annual_draft(year: int):
    body = load_json(DraftSchema())
    return jsonify(_draft_json(service.save_draft(g.user, year, body["narrative"])))


@bp.post("/annual/<int:year>/publish")
@login_required
@roles_required("supervisor")
def annual_publish(year: int):
    body = load_json(PublishSchema())
    report = service.publish(g.user, year, body["narrative"], body.get("reason"))
    return jsonify(AnnualReportSchema().dump(service.View.of(report).as_json())), 201


@bp.get("/annual/<int:year>/export")
@login_required
@roles_required("supervisor")
def annual_export(year: int):
    """?format=json|csv; ?version=N (default: the latest published version, else a live preview)."""
    check_year(year)
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise InvalidData("format: json | csv", fields={"format": ["json | csv"]})
    version = request.args.get("version", type=column_int)
    if version or service.is_published(year):
        view = service.View.of(service.get_version(year, version))
    else:
        view = service.View.preview(year)
    body = to_csv(view) if fmt == "csv" else to_json(view)
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={export_name(view, fmt)}"})


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    year_param = path_param("year", {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR})
    year, version = [year_param], [year_param, path_param("version")]
    export_params = year + [{"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}},
                            {"name": "version", "in": "query", "schema": {"type": "integer"}}]
    paths = {
        "/api/annual/{year}": {"get": op("Supervisor: the year's report generated now (preview), the saved draft "
                                         "and the published versions", AnnualOverviewSchema, params=year)},
        "/api/annual/{year}/versions/{version}": {"get": op("Supervisor: one published (locked) version",
                                                            AnnualReportSchema, params=version)},
        "/api/annual/{year}/draft": {"post": op("Supervisor: save the narrative as the year's draft", None,
                                                body=DraftSchema, params=year)},
        "/api/annual/{year}/publish": {"post": op("Supervisor: publish a new version (locked; from version 2 a "
                                                  "reason is required)", AnnualReportSchema, 201,
                                                  body=PublishSchema, params=year)},
        "/api/annual/{year}/export": {"get": op("Supervisor: download as JSON or CSV (UTF-8 with BOM)", None,
                                                params=export_params)},
    }
    return paths, {cls.__name__.removesuffix("Schema"): component(cls) for cls in SCHEMAS}


register_openapi(openapi_parts)

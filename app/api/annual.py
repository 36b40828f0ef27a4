"""``/api/annual/``: the annual statistics report (统计年报). Supervisors only.

There is deliberately no PUT, PATCH or DELETE: a published version is locked, and a correction is a new
version (POST .../publish with a reason)."""
from __future__ import annotations

from flask import Response, g, jsonify, request
from marshmallow import RAISE, Schema, fields, validate

from app.api import bp
from app.api.helpers import load_json, login_required
from app.core.access import roles_required
from app.core.errors import InvalidData
from app.publicity import annual


class DraftSchema(Schema):
    class Meta:
        unknown = RAISE

    narrative = fields.String(required=True, validate=validate.Length(max=20000),
                              metadata={"description": "行政执法情况说明"})


class PublishSchema(DraftSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                           metadata={"description": "required from version 2 on (a correction)"})


class VersionSummarySchema(Schema):
    version = fields.Integer()
    published_at = fields.DateTime()
    published_by = fields.String()
    reason = fields.String(allow_none=True)
    sha256 = fields.String()
    valid = fields.Boolean(metadata={"description": "the SHA-256 over the stored content matches"})


class AnnualReportSchema(Schema):
    year = fields.Integer()
    status = fields.String(metadata={"description": "published | preview"})
    version = fields.Integer(allow_none=True)
    sha256 = fields.String(allow_none=True)
    valid = fields.Boolean(allow_none=True)
    published_at = fields.String(allow_none=True)
    published_by = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    narrative = fields.String()
    figures = fields.Dict(metadata={"description": "licensing, legal_review, hearings, extensions, "
                                                   "late_decisions, late_publications, items"})


class AnnualOverviewSchema(Schema):
    year = fields.Integer()
    preview = fields.Nested(AnnualReportSchema, metadata={"description": "generated now, not stored"})
    draft = fields.Dict(allow_none=True, metadata={"description": "{narrative, saved_at, saved_by} or null"})
    versions = fields.Nested(VersionSummarySchema, many=True)


SCHEMAS = (DraftSchema, PublishSchema, VersionSummarySchema, AnnualReportSchema, AnnualOverviewSchema)


def _draft_json(draft) -> dict | None:
    if draft is None:
        return None
    return {"narrative": draft.narrative, "saved_at": draft.saved_at.isoformat(), "saved_by": draft.saved_by}


@bp.get("/annual/<int:year>")
@login_required
@roles_required("supervisor")
def annual_overview(year: int):
    annual.check_year(year)
    draft = annual.get_draft(year)
    preview = annual.View.preview(year, draft.narrative if draft else "")
    return jsonify(AnnualOverviewSchema().dump({
        "year": year, "preview": preview.as_json(), "draft": _draft_json(draft),
        "versions": [{"version": r.version, "published_at": r.published_at, "published_by": r.published_by,
                      "reason": r.reason, "sha256": r.sha256, "valid": r.valid} for r in annual.versions(year)]}))


@bp.get("/annual/<int:year>/versions/<int:version>")
@login_required
@roles_required("supervisor")
def annual_version(year: int, version: int):
    return jsonify(AnnualReportSchema().dump(annual.View.of(annual.get_version(year, version)).as_json()))


@bp.post("/annual/<int:year>/draft")
@login_required
@roles_required("supervisor")
def annual_draft(year: int):
    body = load_json(DraftSchema())
    return jsonify(_draft_json(annual.save_draft(g.user, year, body["narrative"])))


@bp.post("/annual/<int:year>/publish")
@login_required
@roles_required("supervisor")
def annual_publish(year: int):
    body = load_json(PublishSchema())
    report = annual.publish(g.user, year, body["narrative"], body.get("reason"))
    return jsonify(AnnualReportSchema().dump(annual.View.of(report).as_json())), 201


@bp.get("/annual/<int:year>/export")
@login_required
@roles_required("supervisor")
def annual_export(year: int):
    """?format=json|csv; ?version=N (default: the latest published version, else a live preview)."""
    annual.check_year(year)
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise InvalidData("format: json | csv", fields={"format": ["json | csv"]})
    version = request.args.get("version", type=int)
    if version or annual.is_published(year):
        view = annual.View.of(annual.get_version(year, version))
    else:
        view = annual.View.preview(year)
    body = annual.to_csv(view) if fmt == "csv" else annual.to_json(view)
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={annual.export_name(view, fmt)}"})


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    year, version = [path_param("year")], [path_param("year"), path_param("version")]
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

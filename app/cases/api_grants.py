"""Supervisors' access to a state-secret case on the API: a leader lists, grants and revokes it."""
from flask import g, jsonify
from marshmallow import Schema, fields, validate

from app.api import bp
from app.api.helpers import load_json, login_required
from app.api.openapi import register_openapi
from app.cases import grants
from app.cases.access import case_for_viewer
from app.core.access import require_roles
from app.core.schemas import ReasonSchema, StrictSchema, UtcDateTime


class GrantRequestSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class GrantSchema(Schema):
    username = fields.String(required=True)
    reason = fields.String(required=True)
    granted_by = fields.String(required=True)
    granted_at = UtcDateTime(required=True)
    revoked_at = UtcDateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True)


class GrantListSchema(Schema):
    grants = fields.List(fields.Nested(GrantSchema), required=True)


@bp.get("/cases/<case_no>/access-grants")
@login_required
def list_access_grants(case_no: str):
    require_roles(g.user, "leader")
    case = case_for_viewer(g.user, case_no)
    return jsonify(GrantListSchema().dump({"grants": grants.active_grants(case)}))


@bp.post("/cases/<case_no>/access-grants")
@login_required
def grant_access(case_no: str):
    body = load_json(GrantRequestSchema())
    return jsonify(GrantSchema().dump(grants.grant_access(g.user, case_no, body["username"], body["reason"]))), 201


@bp.post("/cases/<case_no>/access-grants/<username>/revoke")
@login_required
def revoke_access(case_no: str, username: str):
    body = load_json(ReasonSchema())
    return jsonify(GrantSchema().dump(grants.revoke_access(g.user, case_no, username, body["reason"])))


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    case, both = [path_param("case_no")], [path_param("case_no"), path_param("username")]
    paths = {
        "/api/cases/{case_no}/access-grants": {
            "get": op("Supervisors granted this state-secret case (leader)", GrantListSchema, params=case),
            "post": op("Grant a supervisor this state-secret case, with a reason (leader)", GrantSchema, 201,
                       body=GrantRequestSchema, params=case)},
        "/api/cases/{case_no}/access-grants/{username}/revoke": {
            "post": op("Revoke a supervisor's grant, with a reason (leader)", GrantSchema, body=ReasonSchema,
                       params=both)},
    }
    return paths, {cls.__name__.removesuffix("Schema"): component(cls)
                   for cls in (GrantRequestSchema, ReasonSchema, GrantSchema, GrantListSchema)}


register_openapi(openapi_parts)

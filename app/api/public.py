"""``/api/public/``: the portal's data without sign-in — the progress query and the published decisions.

The progress answer for a wrong code is exactly the answer for an unknown case number (404, same body),
and one client address gets a limited number of queries per minute (429), shared with the portal's page.
"""
from __future__ import annotations

import json

from flask import Response, request
from marshmallow import RAISE, Schema, fields, validate

from app.api import bp
from app.core.i18n import t
from app.core.vocabulary import status_label
from app.publicity import service as ps

# ASCII attribute names for the standard's Chinese field names (the JSON keys are the Chinese names).
DECISION_ATTRS = (
    "subject_name", "subject_type", "code_uscc", "code_business_registration", "code_organization",
    "code_tax_registration", "code_public_institution", "code_social_organization", "legal_representative",
    "legal_representative_id_type", "legal_representative_id_no", "id_type", "id_no", "document_title",
    "document_no", "licence_category", "certificate_name", "licence_no", "licence_content", "decision_date",
    "valid_from", "valid_until", "authority", "authority_uscc", "current_status", "data_source", "data_source_uscc",
    "remarks")
assert len(DECISION_ATTRS) == len(ps.FIELD_NAMES)

PublicDecisionSchema = Schema.from_dict(
    {"id": fields.Integer(data_key="id", metadata={"description": "the record's number on the portal"}),
     **{attr: fields.String(data_key=name, metadata={"description": ps.FIELD_LABELS_EN[name]
                                                     + (" (masked)" if name in ps.MASKED else "")})
        for attr, name in zip(DECISION_ATTRS, ps.FIELD_NAMES)}},
    name="PublicDecisionSchema")


class PublicDecisionListSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(PublicDecisionSchema))


class ProgressQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(load_default="", validate=validate.Length(max=64),
                         metadata={"description": "the query code printed on the receipt"})
    lang = fields.String()


class DecisionQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(load_default="", validate=validate.Length(max=100),
                         metadata={"description": "part of 行政相对人名称"})
    document_no = fields.String(load_default="", validate=validate.Length(max=100),
                                metadata={"description": "part of 行政许可决定文书号"})
    item = fields.String(load_default="", validate=validate.Length(max=64),
                         metadata={"description": "service item code"})
    date_from = fields.Date(load_default=None, metadata={"description": "许可决定日期 from (inclusive)"})
    date_to = fields.Date(load_default=None, metadata={"description": "许可决定日期 to (inclusive)"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    lang = fields.String()


class ProgressSchema(Schema):
    case_no = fields.String()
    item = fields.String(metadata={"description": "the service item's name (empty for a classified case)"})
    status = fields.String(metadata={"description": "status code, e.g. reviewing, completed"})
    status_label = fields.String(metadata={"description": "the status in the client's language"})
    received_on = fields.Date(allow_none=True)
    accepted_on = fields.Date(allow_none=True)
    decision_due = fields.Date(allow_none=True)
    decision_due_confirmed = fields.Boolean()
    decided_on = fields.Date(allow_none=True)


def _json(body, status: int = 200) -> Response:
    """JSON in the schema's order (the standard's field order), Chinese unescaped."""
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def decision_records(rows, with_id: bool = True) -> list[dict]:
    """Published records as the public sees them (masked), keyed by the standard's Chinese field names
    (the download has exactly the standard's fields; the API adds the record's number on the portal)."""
    schema = PublicDecisionSchema(many=True, exclude=() if with_id else ("id",))
    return schema.dump([{"id": pub.id, **dict(zip(DECISION_ATTRS, ps.public_fields(pub).values()))} for pub in rows])


@bp.get("/public/progress/<case_no>")
def public_progress(case_no: str):
    args = ProgressQuerySchema().load(request.args)
    allowed, wait = ps.query_limiter().hit(request.remote_addr or "unknown")
    if not allowed:
        response = _json({"error": "too_many_requests", "message": t("too_many_queries", seconds=wait)}, 429)
        response.headers["Retry-After"] = str(wait)
        return response
    found = ps.find_progress(case_no, args["code"])
    if found is None:
        return _json({"error": "not_found", "message": t("progress_not_found")}, 404)
    body = ProgressSchema().dump({**found.__dict__, "item": ps.pick_item_name(found),
                                  "status_label": status_label(found.status)})
    response = _json(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/public/decisions")
def public_decisions():
    args = DecisionQuerySchema().load(request.args)
    filters = ps.DecisionFilters(name=args["name"].strip(), document_no=args["document_no"].strip(),
                                 item=args["item"].strip(), date_from=args["date_from"], date_to=args["date_to"])
    rows, total = ps.public_decisions(filters, limit=args["per_page"], offset=(args["page"] - 1) * args["per_page"])
    return _json({"total": total, "page": args["page"], "per_page": args["per_page"],
                  "items": decision_records(rows)})


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    """(paths, component schemas) for app.api.openapi, built with its helpers."""
    code = [path_param("case_no"), {"name": "code", "in": "query", "required": True, "schema": {"type": "string"},
                                    "description": "the query code on the receipt"}]
    decision_query = [{"name": name, "in": "query", "schema": schema} for name, schema in (
        ("name", {"type": "string"}), ("document_no", {"type": "string"}), ("item", {"type": "string"}),
        ("date_from", {"type": "string", "format": "date"}), ("date_to", {"type": "string", "format": "date"}),
        ("page", {"type": "integer"}), ("per_page", {"type": "integer"}))]
    progress = op("Public, no sign-in: a case's progress by case number and query code. A wrong code and an "
                  "unknown case get the same 404; 429 after 10 queries a minute from one address", ProgressSchema,
                  auth=False, params=code)
    progress["responses"]["429"] = {"description": "too many queries (see Retry-After)"}
    paths = {
        "/api/public/progress/{case_no}": {"get": progress},
        "/api/public/decisions": {"get": op("Public, no sign-in: published licensing decisions (双公示), keys are "
                                            "the standard's Chinese field names, ID numbers masked",
                                            PublicDecisionListSchema, auth=False, params=decision_query)},
    }
    schemas = {"Progress": component(ProgressSchema), "PublicDecisionList": component(PublicDecisionListSchema),
               "PublicDecision": component(PublicDecisionSchema)}
    return paths, schemas

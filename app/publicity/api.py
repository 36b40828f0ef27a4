"""``/api/public/``: the portal's data without sign-in — the progress query and the published decisions.

The progress answer for a wrong code is exactly the answer for an unknown case number (404, same body),
and one client address gets a limited number of queries per minute (429), shared with the portal's page.
"""
from __future__ import annotations

import json

from flask import Response, request

from app.api import bp
from app.api.openapi import register_openapi
from app.core.i18n import in_language, t
from app.core.vocabulary import status_label
from app.publicity import portal
from app.publicity.fields import MASKED, field_label
from app.publicity.progress import find_progress, pick_item_name, query_limiter
from app.publicity.schemas import (
    DecisionQuerySchema,
    ProgressQuerySchema,
    ProgressSchema,
    PublicDecisionListSchema,
    PublicDecisionSchema,
)


def _json(body, status: int = 200) -> Response:
    """JSON in the schema's order (the standard's field order), Chinese unescaped."""
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


@bp.get("/public/progress/<case_no>")
def public_progress(case_no: str):
    args = ProgressQuerySchema().load(request.args)
    allowed, wait = query_limiter().hit(request.remote_addr or "unknown")
    if not allowed:
        response = _json({"error": "too_many_requests", "message": t("too_many_queries", seconds=wait)}, 429)
        response.headers["Retry-After"] = str(wait)
        return response
    found = find_progress(case_no, args["code"])
    if found is None:
        return _json({"error": "not_found", "message": t("progress_not_found")}, 404)
    body = ProgressSchema().dump({**found.__dict__, "item": pick_item_name(found),
                                  "status_label": status_label(found.status)})
    response = _json(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/public/decisions")
def public_decisions():
    args = DecisionQuerySchema().load(request.args)
    filters = portal.DecisionFilters(name=args["name"].strip(), document_no=args["document_no"].strip(),
                                     item=args["item"].strip(), date_from=args["date_from"], date_to=args["date_to"])
    rows, total = portal.public_decisions(filters, limit=args["per_page"], offset=(args["page"] - 1) * args["per_page"])
    return _json({"total": total, "page": args["page"], "per_page": args["per_page"],
                  "items": portal.decision_records(rows)})


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    """(paths, component schemas) for app.api.openapi, built with its helpers."""
    progress = op("Public, no sign-in: a case's progress by case number and query code. A wrong code and an "
                  "unknown case get the same 404; 429 after 10 queries a minute from one address", ProgressSchema,
                  auth=False, params=[path_param("case_no")], query=ProgressQuerySchema)
    progress["responses"]["429"] = {"description": "too many queries (see Retry-After)"}
    paths = {
        "/api/public/progress/{case_no}": {"get": progress},
        "/api/public/decisions": {"get": op("Public, no sign-in: published licensing decisions (双公示), keys are "
                                            "the standard's Chinese field names, ID numbers masked",
                                            PublicDecisionListSchema, auth=False, query=DecisionQuerySchema)},
    }
    schemas = {"Progress": component(ProgressSchema), "PublicDecisionList": component(PublicDecisionListSchema),
               "PublicDecision": _described_in_english(component(PublicDecisionSchema))}
    return paths, schemas


def _described_in_english(decision: dict) -> dict:
    """The keys are the standard's Chinese field names; the API document describes them in English."""
    with in_language("en"):
        for name, prop in decision["properties"].items():
            if name != "id":
                prop["description"] = field_label(name) + (" (masked)" if name in MASKED else "")
    return decision


register_openapi(openapi_parts)

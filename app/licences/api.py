"""``/api/licences``: the licence register as JSON (staff who see cases)."""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from app.api import bp
from app.api.helpers import login_required
from app.api.openapi import register_openapi
from app.cases.models import Case
from app.core.access import roles_required
from app.core.roles import CASE_WORKING_ROLES
from app.extensions import db
from app.licences import service
from app.licences.schemas import LicenceDetailSchema, LicenceEventSchema, LicenceListSchema, LicenceQuerySchema, \
    LicenceSchema

VIEWERS = tuple(sorted(CASE_WORKING_ROLES | {"supervisor"}))


def _with_labels(licence):
    licence.status_label = service.status_label(licence.status)
    return licence


@bp.get("/licences")
@login_required
@roles_required(*VIEWERS)
def list_licences():
    query = LicenceQuerySchema().load(request.args.to_dict())
    filters = service.Filters(query["holder_code"], query["q"], query["status"], query["item"])
    total, rows = service.search(g.user, filters, query["limit"], query["offset"])
    return jsonify(LicenceListSchema().dump({"total": total, "licences": [_with_labels(r) for r in rows]}))


@bp.get("/licences/<number>")
@login_required
@roles_required(*VIEWERS)
def show_licence(number: str):
    licence = _with_labels(service.get_licence(g.user, number))
    case_nos = dict(db.session.execute(select(Case.id, Case.case_no).where(
        Case.id.in_([e.case_id for e in licence.events if e.case_id] or [-1]))).all())
    licence.history = [{"at": e.at, "action": e.action, "label": service.event_label(e.action, e.details),
                        "from_status": e.from_status, "to_status": e.to_status, "case_no": case_nos.get(e.case_id),
                        "actor": e.actor, "details": e.details} for e in licence.events]
    return jsonify(LicenceDetailSchema().dump(licence))


SCHEMAS = (LicenceSchema, LicenceDetailSchema, LicenceListSchema, LicenceEventSchema)


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    paths = {
        "/api/licences": {"get": op("The licence register: by holder (holder_code), text, status or item",
                                    LicenceListSchema, query=LicenceQuerySchema)},
        "/api/licences/{number}": {"get": op("One licence with its history", LicenceDetailSchema,
                                             params=[path_param("number")])},
    }
    return paths, {cls.__name__.removesuffix("Schema"): component(cls) for cls in SCHEMAS}


register_openapi(openapi_parts)

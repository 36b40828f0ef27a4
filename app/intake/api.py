"""``POST /api/cases``: register an application (clerk)."""
from flask import g, jsonify

from app.api import bp
from app.api.helpers import load_json, login_required
from app.api.openapi import register_openapi
from app.cases import service as case_service
from app.cases.schemas import CaseSchema, dump_case
from app.core.access import roles_required
from app.intake.schemas import ApplicantSchema, CaseCreateSchema, ContactSchema, FactsSchema


@bp.post("/cases")
@login_required
@roles_required("clerk")  # before the body is read: who may not register learns nothing of its form
def create_case():
    body = load_json(CaseCreateSchema())
    case = case_service.create_case(g.user, body["item"], body["applicant"], body["facts"],
                                    confidentiality=body["confidentiality"], contact=body["contact"])
    return jsonify(dump_case(case)), 201


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    paths = {"/api/cases": {"post": op("Register an application (clerk)", CaseSchema, 201, body=CaseCreateSchema)}}
    schemas = (ApplicantSchema, ContactSchema, FactsSchema, CaseCreateSchema)
    return paths, {cls.__name__.removesuffix("Schema"): component(cls) for cls in schemas}


register_openapi(openapi_parts)

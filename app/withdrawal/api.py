"""``POST /api/cases/<no>/withdraw``: a clerk records the applicant's written withdrawal."""
from __future__ import annotations

from flask import g, jsonify

from app.api import bp
from app.api.helpers import load_json, login_required
from app.api.openapi import register_openapi
from app.cases.schemas import CaseSchema, dump_case
from app.core.access import roles_required
from app.withdrawal.schemas import WithdrawSchema
from app.withdrawal.service import withdraw_case


@bp.post("/cases/<case_no>/withdraw")
@login_required
@roles_required("clerk")
def withdraw(case_no: str):
    body = load_json(WithdrawSchema())
    case = withdraw_case(g.user, case_no, body["reason"], body["request_ref"], body["request_date"])
    return jsonify(dump_case(case))


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    paths = {"/api/cases/{case_no}/withdraw": {"post": op(
        "Withdraw the application at the applicant's written request (before the decision; 409 after)",
        CaseSchema, body=WithdrawSchema, params=[path_param("case_no")])}}
    return paths, {"Withdraw": component(WithdrawSchema)}


register_openapi(openapi_parts)

from flask import g, jsonify, request
from sqlalchemy import select

from app.api import bp
from app.api.helpers import load_json, login_required
from app.cases import access as case_access
from app.cases import service as case_service
from app.extensions import db
from app.records import verify_case
from app.records.models import ExecutionRecord
from app.schemas import (
    CaseCreateSchema,
    CaseSchema,
    RecordSchema,
    VerifySchema,
)


def dump_case(case) -> dict:
    case.open_tasks = case_access.open_tasks(case)
    return CaseSchema().dump(case)


@bp.post("/cases")
@login_required
def create_case():
    body = load_json(CaseCreateSchema())
    case = case_service.create_case(g.user, body["item"], body["applicant"], body["facts"],
                                    confidentiality=body["confidentiality"])
    return jsonify(dump_case(case)), 201


@bp.get("/cases/<case_no>")
@login_required
def show_case(case_no: str):
    return jsonify(dump_case(case_access.case_for_viewer(g.user, case_no)))


@bp.get("/cases/<case_no>/records")
@login_required
def case_records(case_no: str):
    case = case_access.case_for_viewer(g.user, case_no)
    after = request.args.get("after_seq", default=0, type=int)
    records = db.session.scalars(select(ExecutionRecord).where(
        ExecutionRecord.case_id == case.id, ExecutionRecord.seq > after).order_by(ExecutionRecord.seq))
    return jsonify({"case_no": case.case_no, "records": RecordSchema(many=True).dump(records)})


@bp.get("/cases/<case_no>/records/verify")
@login_required
def verify_case_records(case_no: str):
    return jsonify(VerifySchema().dump(verify_case(case_access.case_for_viewer(g.user, case_no)).to_dict()))

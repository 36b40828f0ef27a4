"""Clock actions on the API: pause and resume for §45 procedures, the one extension, legal review +3."""
from flask import g, jsonify

from app.api import bp
from app.api.helpers import load_json, login_required
from app.api.openapi import register_openapi
from app.cases import access as case_access
from app.cases.schemas import TaskSchema, dump_case
from app.core.schemas import ReasonSchema
from app.deadlines import service as deadlines
from app.deadlines.schemas import (
    ExtensionSchema,
    PauseOutSchema,
    PauseSchema,
    ResumeSchema,
)


@bp.post("/cases/<case_no>/clock/pause")
@login_required
def pause_clock(case_no: str):
    body = load_json(PauseSchema())
    pause = deadlines.pause_clock(g.user, case_no, body["procedure"], body["reason"], body["notice_ref"],
                                  body["start_on"])
    return jsonify({"pause": PauseOutSchema().dump(pause), "case": dump_case(case_access.get_case(case_no))}), 201


@bp.post("/cases/<case_no>/clock/resume")
@login_required
def resume_clock(case_no: str):
    body = load_json(ResumeSchema())
    pause = deadlines.resume_clock(g.user, case_no, body["end_on"])
    return jsonify({"pause": PauseOutSchema().dump(pause), "case": dump_case(case_access.get_case(case_no))})


@bp.post("/cases/<case_no>/clock/extend")
@login_required
def extend_decision(case_no: str):
    body = load_json(ExtensionSchema())
    deadlines.extend_decision(g.user, case_no, body["reason"], body["notice_ref"], body["government_approval_ref"])
    return jsonify({"case": dump_case(case_access.get_case(case_no))})


@bp.post("/tasks/<task_id>/extend-review")
@login_required
def extend_legal_review(task_id: str):
    body = load_json(ReasonSchema())
    return jsonify(TaskSchema().dump(deadlines.extend_legal_review(g.user, task_id, body["reason"])))


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    """(paths, component schemas) for app.api.openapi, built with its helpers."""
    task, case = [path_param("task_id")], [path_param("case_no")]
    paths = {
        "/api/tasks/{task_id}/extend-review": {"post": op("Legal review +3 working days, once (leader)",
                                                          TaskSchema, body=ReasonSchema, params=task)},
        "/api/cases/{case_no}/clock/pause": {"post": op("Pause the decision clock for a §45 procedure", None, 201,
                                                        body=PauseSchema, params=case)},
        "/api/cases/{case_no}/clock/resume": {"post": op("Resume the decision clock", None, body=ResumeSchema,
                                                         params=case)},
        "/api/cases/{case_no}/clock/extend": {"post": op("Extend the decision period once (leader)", None,
                                                         body=ExtensionSchema, params=case)},
    }
    schemas = {cls.__name__.removesuffix("Schema"): component(cls)
               for cls in (PauseSchema, ResumeSchema, ExtensionSchema, ReasonSchema, PauseOutSchema)}
    return paths, schemas


register_openapi(openapi_parts)

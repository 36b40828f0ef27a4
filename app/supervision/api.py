"""``/api/supervision/``: the supervisor's desk as JSON (same service functions as the web desk)."""
from __future__ import annotations

from flask import g, jsonify, request

from app.api import bp
from app.api.helpers import load_json, login_required
from app.api.openapi import register_openapi
from app.cases.access import get_case
from app.core.access import roles_required
from app.core.clock import china_today
from app.core.schemas import ReasonSchema
from app.supervision import actions, lists, stats
from app.supervision.schemas import (
    SCHEMAS,
    OnTimeSchema,
    ReassignSchema,
    RetryResultSchema,
    StepsSchema,
    SupervisedCaseSchema,
    SupervisedTaskSchema,
    SupervisionListSchema,
    SupervisionQuerySchema,
)

# ------------------------------------------------------------------------------------------ lists

def _list(name: str, path_name: str):
    query = SupervisionQuerySchema().load(request.args.to_dict())
    today = china_today()
    rows = lists.LIST_FUNCTIONS[name](lists.Filters(query["item"], query["step"], query["major"]), today)
    return jsonify(SupervisionListSchema().dump({"list": path_name, "today": today, "count": len(rows),
                                                 "rows": rows}))


@bp.get("/supervision/overdue")
@login_required
@roles_required("supervisor")
def supervision_overdue():
    return _list("overdue", "overdue")


@bp.get("/supervision/due-soon")
@login_required
@roles_required("supervisor")
def supervision_due_soon():
    return _list("due_soon", "due-soon")


@bp.get("/supervision/stuck")
@login_required
@roles_required("supervisor")
def supervision_stuck():
    return _list("stuck", "stuck")


@bp.get("/supervision/broken")
@login_required
@roles_required("supervisor")
def supervision_broken():
    return _list("broken", "broken")


@bp.get("/supervision/steps")
@login_required
@roles_required("supervisor")
def supervision_steps():
    return jsonify(StepsSchema().dump({"versions": stats.step_stats()}))


@bp.get("/supervision/on-time")
@login_required
@roles_required("supervisor")
def supervision_on_time():
    return jsonify(OnTimeSchema().dump({"months": stats.on_time_rates()}))


# ------------------------------------------------------------------------------------------ actions

@bp.post("/supervision/tasks/<task_id>/reassign")
@login_required
@roles_required("supervisor")
def supervision_reassign(task_id: str):
    body = load_json(ReassignSchema())
    return jsonify(SupervisedTaskSchema().dump(actions.reassign_task(g.user, task_id, body["to"], body["reason"])))


@bp.post("/supervision/cases/<case_no>/note")
@login_required
@roles_required("supervisor")
def supervision_note(case_no: str):
    body = load_json(ReasonSchema())
    return jsonify(SupervisedCaseSchema().dump(actions.add_note(g.user, case_no, body["reason"])))


@bp.post("/supervision/cases/<case_no>/suspend")
@login_required
@roles_required("supervisor")
def supervision_suspend(case_no: str):
    body = load_json(ReasonSchema())
    return jsonify(SupervisedCaseSchema().dump(actions.suspend_case(g.user, case_no, body["reason"])))


@bp.post("/supervision/cases/<case_no>/resume")
@login_required
@roles_required("supervisor")
def supervision_resume(case_no: str):
    body = load_json(ReasonSchema())
    return jsonify(SupervisedCaseSchema().dump(actions.resume_case(g.user, case_no, body["reason"])))


@bp.post("/supervision/cases/<case_no>/retry")
@login_required
@roles_required("supervisor")
def supervision_retry(case_no: str):
    body = load_json(ReasonSchema())
    result = actions.retry_case(g.user, case_no, body["reason"])
    return jsonify(RetryResultSchema().dump({**result, "case": get_case(case_no)}))


# ------------------------------------------------------------------------------------------ OpenAPI

def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    """(paths, component schemas) for app.api.openapi, built with its helpers."""
    task, case = [path_param("task_id")], [path_param("case_no")]
    paths = {
        "/api/supervision/overdue": {"get": op("Supervisor: open tasks past due and undecided cases past their "
                                               "decision deadline", SupervisionListSchema, query=SupervisionQuerySchema)},
        "/api/supervision/due-soon": {"get": op("Supervisor: due today up to the 2nd working day after today",
                                                SupervisionListSchema, query=SupervisionQuerySchema)},
        "/api/supervision/stuck": {"get": op("Supervisor: running cases without a transition for N working days",
                                             SupervisionListSchema, query=SupervisionQuerySchema)},
        "/api/supervision/broken": {"get": op("Supervisor: cases with an engine error or waiting for nothing",
                                              SupervisionListSchema, query=SupervisionQuerySchema)},
        "/api/supervision/steps": {"get": op("Supervisor: open tasks and waiting time per step and process version",
                                             StepsSchema)},
        "/api/supervision/on-time": {"get": op("Supervisor: monthly on-time decision rate, last 12 months",
                                               OnTimeSchema)},
        "/api/supervision/tasks/{task_id}/reassign": {"post": op("Supervisor: give an open task to another user "
                                                                 "holding its role", SupervisedTaskSchema,
                                                                 body=ReassignSchema, params=task)},
        "/api/supervision/cases/{case_no}/note": {"post": op("Supervisor: a supervisory note (督办意见)",
                                                             SupervisedCaseSchema, body=ReasonSchema, params=case)},
        "/api/supervision/cases/{case_no}/suspend": {"post": op("Supervisor: suspend the case", SupervisedCaseSchema,
                                                                body=ReasonSchema, params=case)},
        "/api/supervision/cases/{case_no}/resume": {"post": op("Supervisor: resume the case", SupervisedCaseSchema,
                                                               body=ReasonSchema, params=case)},
        "/api/supervision/cases/{case_no}/retry": {"post": op("Supervisor: run the engine again for a broken case",
                                                              RetryResultSchema, body=ReasonSchema, params=case)},
    }
    schemas = {cls.__name__.removesuffix("Schema"): component(cls) for cls in SCHEMAS}
    return paths, schemas


register_openapi(openapi_parts)

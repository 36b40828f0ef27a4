"""``/api/supervision/``: the supervisor's desk as JSON (same service functions as the web desk)."""
from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request
from marshmallow import RAISE, Schema, fields, validate

from app.api import bp
from app.api.helpers import load_json, login_required
from app.core.clock import china_today
from app.core.errors import Forbidden
from app.supervision import actions, lists, stats


def supervisor_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not g.user.has_role("supervisor"):
            raise Forbidden.of("permission_denied")
        return view(*args, **kwargs)
    return wrapped


# ------------------------------------------------------------------------------------------ schemas

class SupervisionQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    item = fields.String(load_default=None, validate=validate.Length(max=64),
                         metadata={"description": "service item code"})
    step = fields.String(load_default=None, validate=validate.Length(max=128),
                         metadata={"description": "BPMN element id of the step"})
    major = fields.Boolean(load_default=None, metadata={"description": "only major (true) or only general (false)"})
    lang = fields.String()


class ReasonSchema(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReassignSchema(ReasonSchema):
    to = fields.String(required=True, validate=validate.Length(min=1, max=64),
                       metadata={"description": "username of an active user holding the task's role"})


class SupervisionRowSchema(Schema):
    kind = fields.String(validate=validate.OneOf(("task", "case")),
                         metadata={"description": "an open task, or a case (decision deadline, stuck, broken)"})
    case_no = fields.String()
    item = fields.String()
    item_name = fields.String()
    is_major = fields.Boolean()
    status = fields.String()
    suspended = fields.Boolean()
    task_id = fields.String(allow_none=True)
    step = fields.String(allow_none=True, metadata={"description": "BPMN element id(s) of the open step(s)"})
    step_title = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True, metadata={"description": "claimed_by"})
    due = fields.Date(allow_none=True, metadata={"description": "task due date, or the case's decision deadline"})
    due_confirmed = fields.Boolean(metadata={"description": "false: the deadline is a conservative estimate"})
    days_overdue = fields.Integer(allow_none=True, metadata={"description": "working days"})
    days_left = fields.Integer(allow_none=True, metadata={"description": "working days"})
    idle_workdays = fields.Integer(allow_none=True)
    last_change = fields.DateTime(allow_none=True)
    problem = fields.String(allow_none=True, metadata={"description": "broken list: engine_error | no_open_task"})
    engine_error = fields.String(allow_none=True)


class SupervisionListSchema(Schema):
    list = fields.String(metadata={"description": "overdue | due-soon | stuck | broken"})
    today = fields.Date(metadata={"description": "China date"})
    count = fields.Integer()
    rows = fields.Nested(SupervisionRowSchema, many=True)


class StepStatSchema(Schema):
    process_id = fields.String()
    name = fields.String(metadata={"description": "BPMN element id"})
    title = fields.String()
    role = fields.String()
    open = fields.Integer()
    avg_wait_hours = fields.Float()
    max_wait_hours = fields.Float()


class VersionStepsSchema(Schema):
    version_id = fields.Integer()
    key = fields.String()
    name = fields.String()
    version = fields.Integer()
    open = fields.Integer()
    steps = fields.Nested(StepStatSchema, many=True)


class StepsSchema(Schema):
    versions = fields.Nested(VersionStepsSchema, many=True)


class MonthRateSchema(Schema):
    month = fields.String(metadata={"description": "YYYY-MM"})
    decided = fields.Integer()
    with_deadline = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    no_deadline = fields.Integer()
    rate = fields.Float(allow_none=True, metadata={"description": "on_time / with_deadline; null without any"})


class OnTimeSchema(Schema):
    months = fields.Nested(MonthRateSchema, many=True)


class SupervisedCaseSchema(Schema):
    case_no = fields.String()
    status = fields.String()
    suspended = fields.Boolean()
    engine_error = fields.String(allow_none=True)


class SupervisedTaskSchema(Schema):
    id = fields.String()
    case_no = fields.Function(lambda task: task.case.case_no)
    name = fields.String()
    title = fields.String()
    role = fields.String()
    state = fields.String()
    claimed_by = fields.String(allow_none=True)


class RetryResultSchema(Schema):
    case = fields.Nested(SupervisedCaseSchema)
    transitions = fields.Integer()
    error = fields.String(allow_none=True)


SCHEMAS = (SupervisionQuerySchema, ReasonSchema, ReassignSchema, SupervisionRowSchema, SupervisionListSchema,
           StepStatSchema, VersionStepsSchema, StepsSchema, MonthRateSchema, OnTimeSchema, SupervisedCaseSchema,
           SupervisedTaskSchema, RetryResultSchema)


# ------------------------------------------------------------------------------------------ lists

def _list(name: str, path_name: str):
    query = SupervisionQuerySchema().load(request.args.to_dict())
    today = china_today()
    rows = lists.LIST_FUNCTIONS[name](lists.Filters(query["item"], query["step"], query["major"]), today)
    return jsonify(SupervisionListSchema().dump({"list": path_name, "today": today, "count": len(rows),
                                                 "rows": rows}))


@bp.get("/supervision/overdue")
@supervisor_required
def supervision_overdue():
    return _list("overdue", "overdue")


@bp.get("/supervision/due-soon")
@supervisor_required
def supervision_due_soon():
    return _list("due_soon", "due-soon")


@bp.get("/supervision/stuck")
@supervisor_required
def supervision_stuck():
    return _list("stuck", "stuck")


@bp.get("/supervision/broken")
@supervisor_required
def supervision_broken():
    return _list("broken", "broken")


@bp.get("/supervision/steps")
@supervisor_required
def supervision_steps():
    return jsonify(StepsSchema().dump({"versions": stats.step_stats()}))


@bp.get("/supervision/on-time")
@supervisor_required
def supervision_on_time():
    return jsonify(OnTimeSchema().dump({"months": stats.on_time_rates()}))


# ------------------------------------------------------------------------------------------ actions

@bp.post("/supervision/tasks/<task_id>/reassign")
@supervisor_required
def supervision_reassign(task_id: str):
    body = load_json(ReassignSchema())
    return jsonify(SupervisedTaskSchema().dump(actions.reassign_task(g.user, task_id, body["to"], body["reason"])))


@bp.post("/supervision/cases/<case_no>/note")
@supervisor_required
def supervision_note(case_no: str):
    body = load_json(ReasonSchema())
    return jsonify(SupervisedCaseSchema().dump(actions.add_note(g.user, case_no, body["reason"])))


@bp.post("/supervision/cases/<case_no>/suspend")
@supervisor_required
def supervision_suspend(case_no: str):
    body = load_json(ReasonSchema())
    return jsonify(SupervisedCaseSchema().dump(actions.suspend_case(g.user, case_no, body["reason"])))


@bp.post("/supervision/cases/<case_no>/resume")
@supervisor_required
def supervision_resume(case_no: str):
    body = load_json(ReasonSchema())
    return jsonify(SupervisedCaseSchema().dump(actions.resume_case(g.user, case_no, body["reason"])))


@bp.post("/supervision/cases/<case_no>/retry")
@supervisor_required
def supervision_retry(case_no: str):
    body = load_json(ReasonSchema())
    result = actions.retry_case(g.user, case_no, body["reason"])
    from app.cases.access import get_case
    return jsonify(RetryResultSchema().dump({**result, "case": get_case(case_no)}))


# ------------------------------------------------------------------------------------------ OpenAPI

def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    """(paths, component schemas) for app.api.openapi, built with its helpers."""
    query = [{"name": name, "in": "query", "schema": schema} for name, schema in (
        ("item", {"type": "string"}), ("step", {"type": "string"}), ("major", {"type": "boolean"}))]
    task, case = [path_param("task_id")], [path_param("case_no")]
    paths = {
        "/api/supervision/overdue": {"get": op("Supervisor: open tasks past due and undecided cases past their "
                                               "decision deadline", SupervisionListSchema, params=query)},
        "/api/supervision/due-soon": {"get": op("Supervisor: due today up to the 2nd working day after today",
                                                SupervisionListSchema, params=query)},
        "/api/supervision/stuck": {"get": op("Supervisor: running cases without a transition for N working days",
                                             SupervisionListSchema, params=query)},
        "/api/supervision/broken": {"get": op("Supervisor: cases with an engine error or waiting for nothing",
                                              SupervisionListSchema, params=query)},
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

"""The supervisor's desk on the JSON API: list queries and rows, step figures, on-time rates, and the
actions' bodies and results (an action that needs only a reason takes ``app.core.schemas.ReasonSchema``)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.schemas import ReasonSchema, StrictSchema, UtcDateTime


class SupervisionQuerySchema(StrictSchema):
    item = fields.String(load_default=None, validate=validate.Length(max=64),
                         metadata={"description": "service item code"})
    step = fields.String(load_default=None, validate=validate.Length(max=128),
                         metadata={"description": "BPMN element id of the step"})
    major = fields.Boolean(load_default=None, metadata={"description": "only major (true) or only general (false)"})
    lang = fields.String()


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
    last_change = UtcDateTime(allow_none=True)
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

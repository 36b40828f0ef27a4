"""The kernel's API shapes: cases, tasks, completing a task, execution records and their check."""
from __future__ import annotations

import json

from marshmallow import Schema, fields, validate

from app.cases.access import TASK_SCOPES, listed_applicant, open_tasks
from app.core.inputs import INT_COLUMN_MAX, PAGE_MAX
from app.core.schemas import StrictSchema, UtcDateTime


class TaskSchema(Schema):
    id = fields.String()
    name = fields.String(metadata={"description": "BPMN element id"})
    title = fields.String()
    role = fields.String()
    kind = fields.String(allow_none=True)
    state = fields.String()
    claimed_by = fields.String(allow_none=True)
    created_at = UtcDateTime()
    due = fields.Date(attribute="due_at", allow_none=True)
    due_confirmed = fields.Boolean()
    completed_at = UtcDateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    case_no = fields.Function(lambda task: task.case.case_no)
    item = fields.Function(lambda task: task.case.item.name)
    applicant = fields.Function(lambda task: listed_applicant(task.case))
    is_major = fields.Function(lambda task: task.case.is_major)


class TaskDetailSchema(TaskSchema):
    applicant = fields.Function(lambda task: task.case.applicant_name)  # only for those who may see the case
    instructions = fields.String(allow_none=True)
    form = fields.Dict()
    values = fields.Dict(metadata={"description": "current values: the saved draft, else the case facts"})


class CaseSchema(Schema):
    case_no = fields.String()
    item = fields.Function(lambda case: case.item.code)
    item_name = fields.Function(lambda case: case.item.name)
    applicant = fields.Function(lambda case: {"name": case.applicant_name, "type": case.applicant_type,
                                              "code": case.applicant_code})
    facts = fields.Dict()
    confidentiality = fields.String()
    status = fields.String()
    is_major = fields.Boolean()
    major_reason = fields.String(allow_none=True)
    process_key = fields.String()
    process_version = fields.Function(lambda case: case.process_version.version)
    created_by = fields.String()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    completed_at = UtcDateTime(allow_none=True)
    received_on = fields.Date(allow_none=True)
    accepted_on = fields.Date(allow_none=True)
    deemed_accepted = fields.Boolean()
    decision_due = fields.Date(allow_none=True)
    decision_due_confirmed = fields.Boolean()
    extension_days = fields.Integer()
    decided_on = fields.Date(allow_none=True)
    publication_due = fields.Date(allow_none=True)
    published_on = fields.Date(allow_none=True)
    suspended = fields.Boolean()
    tasks = fields.List(fields.Nested(TaskSchema), attribute="open_tasks")


_CASE = CaseSchema()  # one instance for every request (see app.cases.api)


def dump_case(case) -> dict:
    """A case as the API returns it: with its open tasks."""
    case.open_tasks = open_tasks(case)
    return _CASE.dump(case)


class CompleteSchema(StrictSchema):
    data = fields.Dict(required=True)


class CompletionSchema(Schema):
    case = fields.Nested(CaseSchema)
    task = fields.Nested(TaskSchema)
    next_tasks = fields.List(fields.Nested(TaskSchema))
    message = fields.String()


class RecordSchema(Schema):
    seq = fields.Integer()
    ts = UtcDateTime()
    actor = fields.String()
    role = fields.String(allow_none=True)
    action = fields.String()
    task_id = fields.String(allow_none=True)
    task_name = fields.String(allow_none=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    payload = fields.Function(lambda rec: json.loads(rec.payload))
    prev_hash = fields.String()
    hash = fields.String()


class VerifySchema(Schema):
    case_no = fields.String()
    valid = fields.Boolean()
    count = fields.Integer()
    first_invalid_seq = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)


class TaskListSchema(Schema):
    tasks = fields.List(fields.Nested(TaskSchema), required=True)


class RecordListSchema(Schema):
    case_no = fields.String(required=True)
    records = fields.List(fields.Nested(RecordSchema), required=True)


class TaskListQuerySchema(StrictSchema):
    scope = fields.String(load_default="available", validate=validate.OneOf(TASK_SCOPES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=PAGE_MAX * 500))
    lang = fields.String()


class RecordsQuerySchema(StrictSchema):
    after_seq = fields.Integer(load_default=0, validate=validate.Range(min=0, max=INT_COLUMN_MAX),
                               metadata={"description": "only records after this sequence number"})
    lang = fields.String()

from __future__ import annotations

import json

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from app.cases.confidentiality import CONFIDENTIALITY_CLASSES
from app.core.schemas import ErrorSchema, StrictSchema, uscc_is_valid  # noqa: F401  (re-exported until moved)
from app.deadlines.models import EXCLUDED_PROCEDURES

APPLICANT_TYPES = ("legal_person", "natural_person", "individual_business", "other_organization")
CATEGORIES = ("resource_allocation", "major_construction", "public_service", "general")
class ApplicantSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = fields.String(required=True, validate=validate.OneOf(APPLICANT_TYPES))
    code = fields.String(load_default=None, validate=validate.Length(max=64))

    @validates_schema
    def _code_matches_type(self, data, **kwargs):
        code = (data.get("code") or "").strip().upper()
        if data.get("type") in ("legal_person", "individual_business", "other_organization"):
            if not uscc_is_valid(code):
                raise ValidationError("统一社会信用代码须为18位且校验位正确 / the unified social credit code must have "
                                      "18 characters and a valid check character", "code")
            data["code"] = code


class FactsSchema(StrictSchema):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    investment = fields.Float(allow_nan=False, validate=validate.Range(min=0))
    public_concern = fields.Boolean()
    safety_impact = fields.Boolean()
    hearing_held = fields.Boolean()
    complex = fields.Boolean()
    project_name = fields.String(validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=5000))


class CaseCreateSchema(StrictSchema):
    item = fields.String(required=True, validate=validate.Length(min=1, max=64))
    applicant = fields.Nested(ApplicantSchema, required=True)
    facts = fields.Nested(FactsSchema, load_default=dict)
    confidentiality = fields.String(load_default="internal", validate=validate.OneOf(CONFIDENTIALITY_CLASSES))


class TaskSchema(Schema):
    id = fields.String()
    name = fields.String(metadata={"description": "BPMN element id"})
    title = fields.String()
    role = fields.String()
    kind = fields.String(allow_none=True)
    state = fields.String()
    claimed_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    due = fields.Date(attribute="due_at", allow_none=True)
    due_confirmed = fields.Boolean()
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    case_no = fields.Function(lambda task: task.case.case_no)
    item = fields.Function(lambda task: task.case.item.name)
    applicant = fields.Function(lambda task: task.case.applicant_name)
    is_major = fields.Function(lambda task: task.case.is_major)


class TaskDetailSchema(TaskSchema):
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
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
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


class PauseSchema(StrictSchema):
    procedure = fields.String(required=True, validate=validate.OneOf(EXCLUDED_PROCEDURES))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    notice_ref = fields.String(required=True, validate=validate.Length(min=1, max=200))
    start_on = fields.Date(load_default=None)


class ResumeSchema(StrictSchema):
    end_on = fields.Date(load_default=None)


class ExtensionSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    notice_ref = fields.String(required=True, validate=validate.Length(min=1, max=200))
    government_approval_ref = fields.String(load_default=None, validate=validate.Length(max=200))


class ReasonSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PauseOutSchema(Schema):
    procedure = fields.String()
    reason = fields.String()
    notice_ref = fields.String()
    start_on = fields.Date()
    end_on = fields.Date(allow_none=True)
    paused_workdays = fields.Integer(allow_none=True)
    created_by = fields.String()


class CompleteSchema(StrictSchema):
    data = fields.Dict(required=True)


class CompletionSchema(Schema):
    case = fields.Nested(CaseSchema)
    task = fields.Nested(TaskSchema)
    next_tasks = fields.List(fields.Nested(TaskSchema))
    message = fields.String()


class RecordSchema(Schema):
    seq = fields.Integer()
    ts = fields.DateTime()
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


class TaskListQuerySchema(StrictSchema):
    scope = fields.String(load_default="available", validate=validate.OneOf(("mine", "available")))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
    lang = fields.String()

"""The deadline actions' API schemas (until they move to app.deadlines)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.schemas import ErrorSchema, StrictSchema  # noqa: F401  (re-exported until moved)
from app.deadlines.models import EXCLUDED_PROCEDURES


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

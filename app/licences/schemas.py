"""The licence register on the API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.inputs import PAGE_MAX
from app.core.schemas import StrictSchema, UtcDateTime
from app.licences.models import STATUSES


class LicenceQuerySchema(StrictSchema):
    holder_code = fields.String(load_default="", validate=validate.Length(max=64))
    q = fields.String(load_default="", validate=validate.Length(max=100))
    status = fields.String(load_default="", validate=validate.OneOf(("",) + STATUSES))
    item = fields.String(load_default="", validate=validate.Length(max=64))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=PAGE_MAX * 500))


class LicenceEventSchema(Schema):
    at = UtcDateTime()
    action = fields.String()
    label = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    case_no = fields.String(allow_none=True)
    actor = fields.String()
    details = fields.Dict()


class LicenceSchema(Schema):
    number = fields.String()
    licence_name = fields.String()
    item_code = fields.String(attribute="item.code")
    item_name = fields.String(attribute="item.name")
    holder_name = fields.String()
    holder_type = fields.String()
    holder_code = fields.String(allow_none=True)
    scope = fields.String()
    document_no = fields.String(attribute="decision_no", allow_none=True)
    decided_on = fields.Date()
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    in_force = fields.Boolean()
    case_no = fields.String(attribute="case.case_no")


class LicenceDetailSchema(LicenceSchema):
    history = fields.List(fields.Nested(LicenceEventSchema))


class LicenceListSchema(Schema):
    total = fields.Integer()
    licences = fields.List(fields.Nested(LicenceSchema))

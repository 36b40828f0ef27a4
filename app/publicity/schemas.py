"""The portal's JSON: the published decision under the standard's Chinese field names, and the queries."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.inputs import PAGE_MAX
from app.core.schemas import StrictSchema
from app.publicity.fields import FIELD_NAMES

# ASCII attribute names for the standard's Chinese field names (the JSON keys are the Chinese names).
DECISION_ATTRS = (
    "subject_name", "subject_type", "code_uscc", "code_business_registration", "code_organization",
    "code_tax_registration", "code_public_institution", "code_social_organization", "legal_representative",
    "legal_representative_id_type", "legal_representative_id_no", "id_type", "id_no", "document_title",
    "document_no", "licence_category", "certificate_name", "licence_no", "licence_content", "decision_date",
    "valid_from", "valid_until", "authority", "authority_uscc", "current_status", "data_source", "data_source_uscc",
    "remarks")
assert len(DECISION_ATTRS) == len(FIELD_NAMES)

# The fields' descriptions are their English labels, added when the API document is built (app.publicity.api).
PublicDecisionSchema = Schema.from_dict(
    {"id": fields.Integer(data_key="id", metadata={"description": "the record's number on the portal"}),
     **{attr: fields.String(data_key=name) for attr, name in zip(DECISION_ATTRS, FIELD_NAMES)}},
    name="PublicDecisionSchema")


class PublicDecisionListSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(PublicDecisionSchema))


class ProgressQuerySchema(StrictSchema):
    code = fields.String(load_default="", validate=validate.Length(max=64),
                         metadata={"description": "the query code printed on the receipt"})
    lang = fields.String()


class DecisionQuerySchema(StrictSchema):
    name = fields.String(load_default="", validate=validate.Length(max=100),
                         metadata={"description": "part of 行政相对人名称"})
    document_no = fields.String(load_default="", validate=validate.Length(max=100),
                                metadata={"description": "part of 行政许可决定文书号"})
    item = fields.String(load_default="", validate=validate.Length(max=64),
                         metadata={"description": "service item code"})
    date_from = fields.Date(load_default=None, metadata={"description": "许可决定日期 from (inclusive)"})
    date_to = fields.Date(load_default=None, metadata={"description": "许可决定日期 to (inclusive)"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    lang = fields.String()


class ProgressSchema(Schema):
    case_no = fields.String()
    item = fields.String(metadata={"description": "the service item's name (empty for a classified case)"})
    status = fields.String(metadata={"description": "status code, e.g. reviewing, completed"})
    status_label = fields.String(metadata={"description": "the status in the client's language"})
    received_on = fields.Date(allow_none=True)
    accepted_on = fields.Date(allow_none=True)
    decision_due = fields.Date(allow_none=True)
    decision_due_confirmed = fields.Boolean()
    decided_on = fields.Date(allow_none=True)

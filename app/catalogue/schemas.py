"""A service item as the API lists it."""
from __future__ import annotations

from marshmallow import Schema, fields


class ServiceItemSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    category = fields.String()
    major = fields.Boolean()
    process_key = fields.String()
    authority = fields.String()
    legal_basis = fields.String()
    conditions = fields.String()
    materials = fields.List(fields.String())
    statutory_days = fields.Integer()
    promised_days = fields.Integer(allow_none=True)
    fees = fields.String(allow_none=True)
    publication_exception = fields.String(allow_none=True, metadata={
        "description": "法律法规、部门规章另有规定: the legal basis on which decisions of the item are not published"})

"""Sign-in: a username and password in, a bearer token out."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.schemas import StrictSchema


class TokenRequestSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class TokenSchema(Schema):
    token = fields.String()
    username = fields.String()
    roles = fields.List(fields.String())

"""Sign-in: a username and password in, a bearer token out; a password change."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.schemas import StrictSchema


class TokenRequestSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "opaque; send as Authorization: Bearer <token>"})
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)


class PasswordChangeSchema(StrictSchema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)

"""The withdrawal's API body."""
from __future__ import annotations

from marshmallow import fields, validate

from app.core.schemas import StrictSchema


class WithdrawSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    request_ref = fields.String(required=True, validate=validate.Length(min=1, max=100))
    request_date = fields.Date(load_default=None)  # the date of the applicant's written request; today if absent

"""What every API schema shares: unknown fields are refused, the unified social credit code check, the
error body and the one-reason body of several actions."""
from __future__ import annotations

import datetime as dt

from marshmallow import RAISE, Schema, fields, validate

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_is_valid(code: str) -> bool:
    """统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character over the first 17."""
    if len(code) != 18 or any(c not in _USCC_ALPHABET for c in code):
        return False
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


class UtcDateTime(fields.DateTime):
    """A stored moment (naive UTC, app.core.clock) as ISO 8601 with its offset, ``2026-11-29T06:09:20+00:00``:
    one unambiguous form for every date-time of the API; people read Beijing time on the pages."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class StrictSchema(Schema):
    """Input schemas refuse fields they do not know (a typo is an error, not silently ignored)."""
    class Meta:
        unknown = RAISE


class ReasonSchema(StrictSchema):
    """An action that needs only a written reason (a supervisor's note, an extension of the legal review…)."""
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ErrorSchema(Schema):
    error = fields.String()
    message = fields.String()
    fields_ = fields.Dict(data_key="fields")
    errors = fields.List(fields.Dict())

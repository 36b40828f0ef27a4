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


# marshmallow's own (English) messages, as the user reads them (its validators format them at load time).
_MARSHMALLOW_MESSAGES = [
    (r"Missing data for required field\.|Field may not be null\.", lambda m: ("required", {})),
    (r"Length must be between 1 and (\d+)\.", lambda m: ("required", {})),  # only an empty value is too short
    (r"Length must be between (\d+) and (\d+)\.", lambda m: ("too_short", {"min": m[1]})),
    (r"Shorter than minimum length (\d+)\.", lambda m: ("too_short", {"min": m[1]})),
    (r"Longer than maximum length (\d+)\.", lambda m: ("too_long", {"max": m[1]})),
    (r"Must be one of: .*\.", lambda m: ("bad_choice", {"value": ""})),
    (r"Not a valid number\.", lambda m: ("not_a_number", {})),
    (r"Not a valid integer\.", lambda m: ("not_an_integer", {})),
    (r"Not a valid boolean\.", lambda m: ("not_a_boolean", {})),
    (r"Not a valid date\.", lambda m: ("not_a_date", {})),
    (r"Not a valid string\.", lambda m: ("not_text", {})),
    (r"Must be greater than or equal to (\S+)\.", lambda m: ("too_small", {"min": m[1]})),
    (r"Must be less than or equal to (\S+)\.", lambda m: ("too_large", {"max": m[1]})),
    (r"Unknown field\.", lambda m: ("unknown_field", {})),
]


def localized(message: str) -> str:
    """One of marshmallow's default messages in the user's language (others are ours already)."""
    import re

    from app.core.i18n import t
    for pattern, key in _MARSHMALLOW_MESSAGES:
        if found := re.fullmatch(pattern, str(message)):
            code, params = key(found)
            return t(code, **params).replace("：", "").strip() if code == "bad_choice" else t(code, **params)
    return str(message)

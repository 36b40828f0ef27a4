"""Untrusted input reduced to what the rest of the code can hold, refused with a clear 4xx otherwise: JSON
bodies (nesting depth, unpaired surrogates, numbers a database cannot hold, NaN/Infinity), integers in
query arguments and in paths (the range of the database's INTEGER columns: ids, versions, sequence
numbers)."""
from __future__ import annotations

import json

from werkzeug.routing import IntegerConverter

from app.core.errors import InvalidData
from app.core.i18n import t

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1  # what a JSON document column can take in a number
INT_COLUMN_MAX = 2 ** 31 - 1  # the INTEGER columns (ids, versions, record numbers) on PostgreSQL
MAX_JSON_DEPTH = 32  # the deepest body of the API (a task's form data with a checklist) needs 4
PAGE_MAX = 1_000_000  # a page number beyond any list (offsets stay far inside the columns' range)


def column_int(value) -> int:
    """``type=`` of a query argument compared with an INTEGER column (else the argument's default)."""
    number = int(value)
    if not -INT_COLUMN_MAX - 1 <= number <= INT_COLUMN_MAX:
        raise ValueError("out of the column's range")
    return number


def page_number(value) -> int:
    """``type=`` of a page argument: 1 … PAGE_MAX (else the default)."""
    number = int(value)
    if not 1 <= number <= PAGE_MAX:
        raise ValueError("no such page")
    return number


class ColumnIntConverter(IntegerConverter):
    """``<int:…>`` in a route: 0 … 2**31-1 (an INTEGER column), so a longer number is a 404, not an overflow
    in the database."""
    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits, min, INT_COLUMN_MAX if max is None else max, signed)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse_json(data: bytes) -> object:
    """The body as JSON, checked; InvalidData (422) when it is not JSON or nested too deep (``_body``), or
    naming the place of a string with an unpaired surrogate or an integer beyond 64 bits."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise _body_error("json_too_deep", max=MAX_JSON_DEPTH)
    except (ValueError, UnicodeDecodeError):
        raise _body_error("json_malformed")
    check_json_value(value)
    return value


def _body_error(key: str, **params) -> InvalidData:
    message = t(key, **params)
    return InvalidData(message, fields={"_body": [message]}, code=key)


def check_json_value(value: object) -> None:
    """Walk ``value`` without recursion; refuse what no column or index can take."""
    stack = [(value, "", 1)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _body_error("json_too_deep", max=MAX_JSON_DEPTH)
        if isinstance(item, dict):
            for key, inner in item.items():
                _check_text(key, path or "_body")
                stack.append((inner, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, f"{path}[{i}]", depth + 1) for i, inner in enumerate(item))
        elif isinstance(item, str):
            _check_text(item, path or "_body")
        elif isinstance(item, int) and not isinstance(item, bool) and not INT64_MIN <= item <= INT64_MAX:
            message = t("number_out_of_range")
            raise InvalidData(message, fields={path or "_body": [message]}, code="number_out_of_range")


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (\ud800): no database or file can store it
        message = t("invalid_unicode")
        raise InvalidData(message, fields={path: [message]}, code="invalid_unicode")


# ------------------------------------------------------------------------------------------ request size

def large_body(config_key: str):
    """Mark a route that takes more than ``MAX_CONTENT_LENGTH`` (uploads): the frame raises the request's
    limit to ``config[config_key]`` before the body is read, and only for a signed-in user."""
    def mark(view):
        view.large_body = config_key
        return view
    return mark


def raise_body_limit(view, config: dict, signed_in) -> int | None:
    """The larger limit for this request, if ``view`` is marked and ``signed_in()`` says yes; else None."""
    key = getattr(view, "large_body", None)
    if key is not None and signed_in():
        return config[key]
    return None

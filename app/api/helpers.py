from __future__ import annotations

from functools import wraps

from flask import g, request
from marshmallow import Schema

from app.core.errors import InvalidData, Unauthorized
from app.users.auth import user_from_token


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthorized.of("auth_required")
        g.user = user_from_token(header[len("Bearer "):].strip())
        return view(*args, **kwargs)
    return wrapped


def load_json(schema: Schema) -> dict:
    """Parse the body with ``schema``; malformed JSON is a 400, wrong fields a 422 (both with reasons)."""
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidData("请求体须为 JSON 对象 / the request body must be a JSON object",
                          fields={"_body": ["JSON object expected"]})
    return schema.load(body)

from __future__ import annotations

from functools import wraps

from flask import g, request
from marshmallow import Schema

from app.core.errors import InvalidData, Unauthorized

# The frame asks whose a bearer token is; app.users, which issues the tokens, answers.
_token_user = None


def token_loader(load):
    """Register ``load(token) -> user``, raising Unauthorized for a bad token (app.users does, when its
    routes are imported)."""
    global _token_user
    _token_user = load
    return load


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthorized.of("auth_required")
        g.user = _token_user(header[len("Bearer "):].strip())
        return view(*args, **kwargs)
    return wrapped


def load_json(schema: Schema) -> dict:
    """Parse the body with ``schema``; malformed JSON is a 400, wrong fields a 422 (both with reasons)."""
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidData("请求体须为 JSON 对象 / the request body must be a JSON object",
                          fields={"_body": ["JSON object expected"]})
    return schema.load(body)

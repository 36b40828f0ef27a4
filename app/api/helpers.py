from __future__ import annotations

from functools import wraps

from flask import g, request
from marshmallow import Schema

from app.core.errors import InvalidData, Unauthorized
from app.core.i18n import t
from app.core.inputs import parse_json

# The frame asks whose a bearer token is; app.users, which issues the tokens, answers.
_token_user = None


def token_loader(load):
    """Register ``load(token) -> user``, raising Unauthorized for a bad token (app.users does, when its
    routes are imported)."""
    global _token_user
    _token_user = load
    return load


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[len("Bearer "):].strip() if header.startswith("Bearer ") else None


def api_user():
    """The bearer token's user (Unauthorized when there is no token or it is not valid), kept in ``g.user``."""
    token = bearer_token()
    if token is None:
        raise Unauthorized.of("auth_required")
    g.user = _token_user(token)
    return g.user


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        api_user()
        return view(*args, **kwargs)
    return wrapped


def json_body() -> object:
    """The request's JSON, checked (app.core.inputs.parse_json): not JSON → 422; too deep → 400; a lone
    surrogate or a number beyond 64 bits → 422 naming the field."""
    if not request.is_json:
        raise InvalidData(t("json_object_expected"), fields={"_body": [t("json_object_expected")]})
    return parse_json(request.get_data(cache=True))


def load_json(schema: Schema) -> dict:
    """Parse the body with ``schema``; malformed JSON is a 400, wrong fields a 422 (both with reasons)."""
    body = json_body()
    if not isinstance(body, dict):
        raise InvalidData(t("json_object_expected"), fields={"_body": [t("json_object_expected")]})
    return schema.load(body)

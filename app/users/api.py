"""``POST /api/auth/token``: a username and password for a bearer token, which the API's sign-in check reads
(``token_loader``)."""
from flask import jsonify

from app.api import bp
from app.api.helpers import load_json, token_loader
from app.api.openapi import register_openapi
from app.users.auth import authenticate, issue_token, user_from_token
from app.users.schemas import TokenRequestSchema, TokenSchema

token_loader(user_from_token)


@bp.post("/auth/token")
def create_token():
    """Exchange a username and password for a bearer token."""
    credentials = load_json(TokenRequestSchema())
    user = authenticate(credentials["username"], credentials["password"])
    return jsonify(TokenSchema().dump({"token": issue_token(user), "username": user.username,
                                       "roles": sorted(user.roles)}))


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    paths = {"/api/auth/token": {"post": op("Sign in: username and password for a bearer token", TokenSchema,
                                            body=TokenRequestSchema, auth=False)}}
    return paths, {cls.__name__.removesuffix("Schema"): component(cls) for cls in (TokenRequestSchema, TokenSchema)}


register_openapi(openapi_parts)

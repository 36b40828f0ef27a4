"""Signing in on the API: a username and password for a bearer token (``POST /api/auth/token``), which the
API's sign-in check reads (``token_loader``); signing out (the token revoked) and changing one's password
(every token of the user revoked)."""
from flask import g, jsonify, request

from app.api import bp
from app.api.helpers import load_json, login_required, token_loader
from app.api.openapi import register_openapi
from app.extensions import db
from app.users import accounts
from app.users.auth import API, authenticate, end_session, start_session, user_from_token
from app.users.schemas import PasswordChangeSchema, TokenRequestSchema, TokenSchema

token_loader(user_from_token)


@bp.post("/auth/token")
def create_token():
    """Exchange a username and password for a bearer token."""
    credentials = load_json(TokenRequestSchema())
    user = authenticate(credentials["username"], credentials["password"])
    token = start_session(user, API)
    db.session.commit()
    return jsonify(TokenSchema().dump({"token": token, "username": user.username, "full_name": user.full_name,
                                       "roles": sorted(user.roles)}))


@bp.post("/auth/logout")
@login_required
def revoke_token():
    """Revoke the token this request carries."""
    end_session(request.headers["Authorization"][len("Bearer "):].strip())
    db.session.commit()
    return "", 204


@bp.post("/auth/password")
@login_required
def change_password():
    """Change one's own password; every token of the user is revoked (sign in again)."""
    body = load_json(PasswordChangeSchema())
    accounts.change_own_password(g.user, body["current_password"], body["new_password"])
    return "", 204


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    paths = {
        "/api/auth/token": {"post": op("Sign in: username and password for a bearer token (429 while the account "
                                       "or the address is locked after failed attempts)", TokenSchema,
                                       body=TokenRequestSchema, auth=False, extra_errors=(429,))},
        "/api/auth/logout": {"post": op("Sign out: revoke this bearer token", None, 204)},
        "/api/auth/password": {"post": op("Change one's own password (policy: length, not the username, not a "
                                          "common password); every token of the user is revoked", None, 204,
                                          body=PasswordChangeSchema, extra_errors=(429,))},
    }
    return paths, {cls.__name__.removesuffix("Schema"): component(cls)
                   for cls in (TokenRequestSchema, TokenSchema, PasswordChangeSchema)}


register_openapi(openapi_parts)

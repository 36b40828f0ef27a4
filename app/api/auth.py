from flask import jsonify

from ..schemas import TokenRequestSchema, TokenSchema
from ..services.auth import authenticate, issue_token
from . import bp
from .helpers import load_json


@bp.post("/auth/token")
def create_token():
    """Exchange a username and password for a bearer token."""
    credentials = load_json(TokenRequestSchema())
    user = authenticate(credentials["username"], credentials["password"])
    return jsonify(TokenSchema().dump({"token": issue_token(user), "username": user.username,
                                       "roles": sorted(user.roles)}))

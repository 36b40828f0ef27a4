from flask import jsonify

from app.api import bp
from app.api.helpers import load_json
from app.schemas import TokenRequestSchema, TokenSchema
from app.users.auth import authenticate, issue_token


@bp.post("/auth/token")
def create_token():
    """Exchange a username and password for a bearer token."""
    credentials = load_json(TokenRequestSchema())
    user = authenticate(credentials["username"], credentials["password"])
    return jsonify(TokenSchema().dump({"token": issue_token(user), "username": user.username,
                                       "roles": sorted(user.roles)}))

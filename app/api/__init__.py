"""The JSON API (``/api``). Every input and output goes through a marshmallow schema."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from app.api import (  # noqa: E402,F401  (routes register on import)
    errors,
    openapi,
)

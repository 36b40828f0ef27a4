"""Every API error is JSON with a reason; bad input never becomes a 500."""
from __future__ import annotations

from flask import jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from app.api import bp
from app.core.errors import ServiceError
from app.extensions import db


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    db.session.rollback()
    return jsonify(exc.to_dict()), exc.status, exc.headers


@bp.errorhandler(ValidationError)
def _validation_error(exc: ValidationError):
    db.session.rollback()
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return jsonify({"error": "invalid_data", "message": "请求数据有误 / invalid request data",
                    "fields": messages}), 422


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    db.session.rollback()
    return jsonify({"error": exc.name.lower().replace(" ", "_"), "message": exc.description}), exc.code

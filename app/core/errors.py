"""Errors the service layer raises; each carries an HTTP status and a message in the user's language."""
from __future__ import annotations

from app.core.i18n import t


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict | None = None, code: str | None = None,
                 problems: list | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields
        self.problems = problems
        self.headers = headers or {}  # e.g. Retry-After on a 429
        if code:
            self.code = code

    @classmethod
    def of(cls, key: str, **params) -> "ServiceError":
        return cls(t(key, **params), code=key)

    def to_dict(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        if self.problems is not None:
            body["errors"] = self.problems
        return body


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class InvalidData(ServiceError):
    status = 422
    code = "invalid_data"


class TooManyRequests(ServiceError):
    status = 429
    code = "too_many_requests"

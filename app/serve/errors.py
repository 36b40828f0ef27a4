"""Every error answers in the form its caller reads: JSON under /api/ (``{error, message}``), a short HTML
page elsewhere — including a 500, a 503 when the database cannot be reached, and whatever escapes Flask
altogether (a failing teardown, an error in an error handler), which a WSGI server would otherwise answer
with its own HTML page that an API client cannot parse."""
from __future__ import annotations

import json
import logging
import sys
from html import escape

from flask import Flask, jsonify, make_response, request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import InternalServerError

from app.extensions import db

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
ANSWERS = {
    500: ("internal_error", "服务器内部错误，请稍后重试 / internal server error; please try again later"),
    503: ("database_unavailable",
          "数据库暂时无法连接，请稍后重试 / the database cannot be reached just now; please try again shortly"),
}


def database_unreachable(exc: BaseException | None) -> bool:
    """The database is down or dropped us (not a bug in a query): worth a 503 and a retry by the client."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError) and _looks_like_connection_failure(exc)


def _looks_like_connection_failure(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return any(sign in text for sign in ("connection", "could not connect", "server closed", "terminating",
                                         "the database system is"))


def _body(status: int) -> tuple[str, str]:
    return ANSWERS.get(status, ANSWERS[500])


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _html(status: int) -> str:
    _, message = _body(status)
    return (f"<!doctype html><meta charset=utf-8><title>{status}</title>"
            f"<h1>{status}</h1><p>{escape(message)}</p>")


def _headers(status: int, content_type: str) -> list[tuple[str, str]]:
    headers = [("Content-Type", content_type), ("Cache-Control", "no-store")]
    if status == 503:
        headers.append(("Retry-After", str(RETRY_AFTER_SECONDS)))
    return headers


def handle_server_error(exc: InternalServerError):
    """Flask's 500 handler (also for an unhandled exception): JSON under /api/, and 503 when the cause
    is an unreachable database. Nothing here touches the database beyond giving the session up."""
    cause = getattr(exc, "original_exception", None) or exc
    status = 503 if database_unreachable(cause) else 500
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 — the connection may be the thing that broke
        log.warning("rollback after an error failed", exc_info=True)
    code, message = _body(status)
    response = jsonify({"error": code, "message": message}) if _is_api(request.path) else make_response(_html(status))
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class EscapedErrorGuard:
    """WSGI middleware around ``app.wsgi_app``: whatever raises out of Flask is logged and answered.

    The response is replaced through ``start_response(..., exc_info)``, which PEP 3333 allows as long as
    no byte of the body has been sent — true here, since Flask raises before returning the body. A
    streamed body that fails halfway cannot be replaced: that error is logged and the connection closed
    by the server, as before."""

    def __init__(self, wsgi_app, logger: logging.Logger):
        self.wsgi_app = wsgi_app
        self.logger = logger

    def __call__(self, environ, start_response):
        try:
            return self.wsgi_app(environ, start_response)
        except Exception as exc:  # noqa: BLE001 — the last line of defence: answer, never crash the worker
            status = 503 if database_unreachable(exc) else 500
            self.logger.exception("%s %s escaped Flask, answered %s", environ.get("REQUEST_METHOD"),
                                  environ.get("PATH_INFO"), status)
            return self._answer(environ, start_response, status)

    @staticmethod
    def _answer(environ, start_response, status: int):
        if _is_api(environ.get("PATH_INFO", "")):
            code, message = _body(status)
            body = json.dumps({"error": code, "message": message}, ensure_ascii=False).encode()
            content_type = "application/json"
        else:
            body = _html(status).encode()
            content_type = "text/html; charset=utf-8"
        reason = "Service Unavailable" if status == 503 else "Internal Server Error"
        start_response(f"{status} {reason}", _headers(status, content_type) + [("Content-Length", str(len(body)))],
                       sys.exc_info())
        return [body]


def safe_session_remove(_exc=None) -> None:
    """Teardown, registered to run before Flask-SQLAlchemy's own: give up the session even if its
    connection died. By now the response is made — possibly for an action already committed — and a
    failing teardown must not turn that answer into an error the client would retry."""
    try:
        db.session.remove()
    except Exception:  # noqa: BLE001
        log.warning("closing the database session failed; the connection is discarded", exc_info=True)
        db.session.registry.clear()


def install(app: Flask) -> None:
    app.register_error_handler(InternalServerError, handle_server_error)
    app.teardown_appcontext(safe_session_remove)  # teardowns run in reverse: this one before Flask-SQLAlchemy's
    app.wsgi_app = EscapedErrorGuard(app.wsgi_app, app.logger)

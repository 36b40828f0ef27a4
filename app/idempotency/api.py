"""The Idempotency-Key request hooks on the API blueprint (see the package's docstring)."""
from __future__ import annotations

import re

from flask import Response, current_app, g, request
from sqlalchemy.exc import IntegrityError, OperationalError

from app.api import bp
from app.api.helpers import api_user
from app.api.openapi import register_document_hook
from app.core.errors import Conflict, InvalidData
from app.extensions import db
from app.idempotency import service

HEADER = "Idempotency-Key"
_VALID = re.compile(r"[\x21-\x7e]{1,200}")
_EXEMPT = ("/api/auth/",)  # signing in has no user to own a key; signing out and passwords are not replayed


def _applies() -> bool:
    return request.method == "POST" and not request.path.startswith(_EXEMPT)


def _replay(row) -> Response:
    response = Response(row.body, status=row.status, content_type=row.content_type)
    db.session.rollback()
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _begin() -> None:
    """Open the request's transaction with a real BEGIN. PostgreSQL begins with the first statement; the
    sqlite3 driver only before a write — a savepoint opened before that would itself be the transaction, and
    its release a commit. IMMEDIATE: SQLite has one writer; waiting for it here (busy_timeout) is better
    than finding the read snapshot stale at the first write."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@bp.before_request
def hold_the_commit():
    """Every POST action: its commits are held until the answer is made (nothing touches the database after
    the one real commit); with an Idempotency-Key, the key and the answer commit with the action."""
    if not _applies():
        return None
    key = request.headers.get(HEADER)
    row = None
    if key is not None:
        if not _VALID.fullmatch(key):
            raise InvalidData.of("idempotency_key_invalid")
        user = api_user()
        fingerprint = service.fingerprint(request.method, request.path, request.query_string,
                                          request.get_data(cache=True))
        _begin()
        row = service.stored(user.username, key, fingerprint)
        if row is not None:
            return _replay(row)
        try:
            row = service.reserve(user.username, key, fingerprint)
        except (IntegrityError, OperationalError) as exc:  # the same key in flight (waited for), or SQLite busy
            db.session.rollback()
            if isinstance(exc, OperationalError) and "locked" not in str(exc):
                raise
            row = service.stored(user.username, key, fingerprint)
            if row is not None:
                return _replay(row)
            raise Conflict.of("idempotency_key_in_progress")
    else:
        _begin()
    db.session().hold()
    g.held_action = (row,)
    return None


@bp.after_request
def commit_with_the_answer(response: Response) -> Response:
    held = g.pop("held_action", None)
    session = db.session()
    if held is None or session.held is None:  # not held, or the session was replaced (a dropped connection)
        return response
    row = held[0]
    keep = session.held_commits > 0 and response.status_code < 500  # the request acted (or recorded a refusal)
    try:
        if keep and row is not None:
            service.answer(row, response.status_code, response.content_type, response.get_data())
        session.release_hold(commit=keep)
    except Exception:
        current_app.logger.warning("%s %s: the held action could not be committed", request.method, request.path)
        session.held = None
        session.rollback()
        raise
    return response


def _document(document: dict) -> None:
    """Every POST operation (but signing in and out) takes the optional header."""
    parameter = {"name": HEADER, "in": "header", "required": False, "schema": {"type": "string", "minLength": 1,
                 "maxLength": 200, "pattern": r"^[\x21-\x7e]+$"},
                 "description": "Makes the POST safe to retry: the first request with this key acts and its answer "
                                "is stored with the action (24 h); the same request again returns that answer "
                                "(header Idempotent-Replayed: true); the key with another body is a 422."}
    for path, operations in document["paths"].items():
        if "post" in operations and not path.startswith(_EXEMPT):
            operations["post"].setdefault("parameters", []).append(parameter)


register_document_hook(_document)

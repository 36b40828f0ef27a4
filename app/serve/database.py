"""The web process and its database connections.

* A request whose connection turns out dead (the database restarted, failed over, or dropped us) is run
  once more on a fresh connection — but only if it had not written anything yet: nothing it did can have
  happened, so the client sees one answer, not a 500 for an action that did or did not take place. The
  pool's pre-ping (config.engine_options) catches most dropped connections before a request uses them;
  this covers a drop while the request runs.
* Connections are never shared across a fork: gunicorn preloads the app in its master and forks workers,
  tests fork schedulers; a child that used its parent's sockets would interleave their protocol streams.
"""
from __future__ import annotations

import os
import re
import weakref

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from app.extensions import db

_WROTE = "_database_written"
_WRITE = re.compile(r"\s*(insert|update|delete|merge|upsert|create|alter|drop|truncate|copy|grant|revoke)\b", re.I)


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, cursor, statement, parameters, context, executemany) -> None:
    if has_request_context() and _WRITE.match(statement):
        setattr(g, _WROTE, True)


@event.listens_for(Engine, "commit")
def _note_commit(conn) -> None:
    if has_request_context():
        setattr(g, _WROTE, True)  # a commit that failed midway may still have happened


def _dropped_before_writing(exc: DBAPIError) -> bool:
    return exc.connection_invalidated and not g.get(_WROTE, False)


class ApprovalFlask(Flask):
    def dispatch_request(self):
        try:
            return super().dispatch_request()
        except DBAPIError as exc:
            if not _dropped_before_writing(exc):
                raise
            self.logger.warning("%s %s: the database connection dropped before anything was written; "
                                "running the request once more on a new connection", request.method, request.path)
            _discard_session()
            return super().dispatch_request()


def _discard_session() -> None:
    try:
        db.session.remove()
    except Exception:  # noqa: BLE001 — closing a dead connection may fail: the session goes anyway
        db.session.registry.clear()


def dispose_engines_after_fork(app: Flask) -> None:
    """In a forked child, forget the parent's pooled connections without closing them (closing would
    end the parent's sessions too); the child opens its own on first use."""
    with app.app_context():
        engines = [weakref.ref(engine) for engine in db.engines.values()]

    def after_fork_in_child() -> None:
        for ref in engines:
            engine = ref()
            if engine is not None:
                engine.dispose(close=False)

    os.register_at_fork(after_in_child=after_fork_in_child)

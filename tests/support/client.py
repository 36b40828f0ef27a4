"""A Flask test client whose every request runs in an application context of its own, as in production.

Flask reuses an application context that is already pushed (the ``ctx`` fixture) for a test request, and
Flask-SQLAlchemy scopes its session to that context: the request would then share the test's session and
read the rows it had loaded earlier instead of what another session (a scheduler job, a desk action run in
its own context) committed since — whether it does depends on when the garbage collector frees them."""
from __future__ import annotations

import contextvars

from flask.testing import FlaskClient


class OwnContextClient(FlaskClient):
    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)

"""Issue 10, points 5 and 8: a bounded fuzz run (schemathesis) over every operation of /api/openapi.json, with
valid and invalid inputs, as a user holding every role: no answer may be a server error, and every answer
must match what the document says of it (status, body schema: nullable fields, date-times with offsets…).

Bounded so CI stays short (FUZZ_EXAMPLES per operation and generation mode, derandomized so a failure
repeats); marked ``fuzz``, which ``make test-fast`` leaves out."""
from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.core.roles import ROLE_CODES
from tests.support import forms as f

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, response_schema_conformance]
# Operations that end the caller's own token get a token of their own each time.
OWN_TOKEN = {("POST", "/api/auth/logout"), ("POST", "/api/auth/password")}


def everyone_user(app) -> None:
    """A user holding every role, so each operation is reached past its role check."""
    from app.extensions import db
    from app.users.models import User, UserRole
    with app.app_context():
        user = User(username="fuzzer", full_name="模糊测试", role_rows=[UserRole(role=r) for r in sorted(ROLE_CODES)])
        user.set_password("demo")
        db.session.add(user)
        db.session.commit()


def known_values(api) -> dict:
    """Path values that exist, so generated requests also reach the code behind the look-ups."""
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    task = api.open_task(case_no, "review")
    return {"case_no": case_no, "task_id": task["id"], "username": "supervisor", "key": "standard_permit",
            "version": 1, "year": 2026}


def test_every_operation_answers_without_server_errors_and_as_documented(app, api, client):
    everyone_user(app)
    values = known_values(api)
    token = api.token("fuzzer")
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures: dict[str, str] = {}
    calls = 0
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            strategy = st.tuples(operation.as_strategy(generation_mode=mode), st.booleans())

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(strategy)
            def run(drawn):
                nonlocal calls
                case, use_known = drawn
                if use_known and case.path_parameters:
                    case.path_parameters = {k: values.get(k, v) for k, v in case.path_parameters.items()}
                own = (operation.method.upper(), operation.path) in OWN_TOKEN
                bearer = api.client.post("/api/auth/token", json={"username": "fuzzer", "password": "demo"}) \
                    .get_json()["token"] if own else token
                calls += 1
                case.call_and_validate(headers={"Authorization": f"Bearer {bearer}"}, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:  # no invalid input exists (an operation without parameters or body)
                continue
            except Exception as exc:  # noqa: BLE001 (every kind of failure is reported below)
                failures.setdefault(f"{operation.method.upper()} {operation.path} ({mode.value})", _summary(exc))
    elapsed = time.monotonic() - started
    print(f"fuzz: {len(operations)} operations, {calls} requests in {elapsed:.1f} s")
    assert not failures, "\n\n".join(f"{op}:\n{text}" for op, text in failures.items())


def _summary(exc: Exception) -> str:
    """The failure's headline and the first lines that say what was wrong (not the whole reproduction)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    keep = [line for line in lines if line.startswith(("- ", "Schema at", "Value", "[", "\"", "None is not", "{"))
            or "is not" in line or "Server error" in line]
    return "\n".join((keep or lines)[:12])

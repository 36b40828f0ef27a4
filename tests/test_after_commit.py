"""Nothing runs on the database after an API action's commit: the answer is built from what the action
already has, so a connection dropping after the commit can never turn a done action into an error
(the client would retry and get a 409 for something that happened)."""
from __future__ import annotations

import pytest
from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.support import forms as f


@pytest.fixture
def after_commit():
    """The statements each request ran after its first commit."""
    seen: list[str] = []
    state = {"committed": False}

    def on_commit(conn):
        if has_request_context():
            state["committed"] = True

    def on_execute(conn, cursor, statement, *args):
        if has_request_context() and state["committed"]:
            seen.append(statement.split("\n")[0][:120])

    event.listen(Engine, "commit", on_commit)
    event.listen(Engine, "before_cursor_execute", on_execute)

    def take():
        out = list(seen)
        seen.clear()
        state["committed"] = False
        return out
    yield take
    event.remove(Engine, "commit", on_commit)
    event.remove(Engine, "before_cursor_execute", on_execute)


def test_the_case_actions_answer_without_reading_after_their_commit(api, after_commit):
    api.token("clerk")
    after_commit()
    res = api.post("/api/cases", "clerk", json={"item": "XK-002", "applicant": {"name": "甲公司",
                   "type": "legal_person", "code": "91210300MA0QC4XB9B"}, "facts": {}})
    assert res.status_code == 201 and after_commit() == []
    case_no = res.get_json()["case_no"]
    task = api.open_task(case_no, "receive")
    after_commit()
    assert api.post(f"/api/tasks/{task['id']}/claim", "clerk").status_code == 200
    assert after_commit() == []
    assert api.post(f"/api/tasks/{task['id']}/release", "clerk").status_code == 200
    assert after_commit() == []
    done = api.post(f"/api/tasks/{task['id']}/complete", "clerk", json={"data": f.ACCEPT})
    assert done.status_code == 200 and after_commit() == []
    assert done.get_json()["case"]["tasks"] and done.get_json()["next_tasks"]

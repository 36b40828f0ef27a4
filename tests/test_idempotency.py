"""Idempotency-Key on the API's POST actions: a replay returns the original answer and acts once, the
same key with another body is a 422, concurrent replays act once, a request that changed nothing keeps no
key, keys expire and are purged."""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, select

from app.extensions import db
from app.idempotency.models import IdempotencyKey
from app.idempotency.service import purge_expired
from app.records.models import ExecutionRecord
from tests.support import forms as f
from tests.support.api import APPLICANT

NEW_CASE = {"item": "XK-002", "applicant": APPLICANT, "facts": {}}


def keyed(key: str) -> dict:
    return {"Idempotency-Key": key}


def count_cases(app) -> int:
    from app.cases.models import Case
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def completions(app, task_id: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ExecutionRecord).where(
            ExecutionRecord.task_id == task_id, ExecutionRecord.action == "task_completed"))


def test_a_replayed_case_creation_returns_the_same_case_and_creates_one(api, app):
    first = api.post("/api/cases", "clerk", json=NEW_CASE, headers=keyed("create-1"))
    assert first.status_code == 201
    again = api.post("/api/cases", "clerk", json=NEW_CASE, headers=keyed("create-1"))
    assert again.status_code == 201 and again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert count_cases(app) == 1
    other = api.post("/api/cases", "clerk", json=NEW_CASE, headers=keyed("create-2"))  # a new key acts again
    assert other.status_code == 201 and other.get_json()["case_no"] != first.get_json()["case_no"]
    assert count_cases(app) == 2


def test_a_replayed_completion_and_claim_act_once(api, app):
    case_no = api.new_case()["case_no"]
    task = api.open_task(case_no, "receive")
    claim = api.post(f"/api/tasks/{task['id']}/claim", "clerk", headers=keyed("claim-1"))
    assert claim.status_code == 200
    assert api.post(f"/api/tasks/{task['id']}/claim", "clerk", headers=keyed("claim-1")).get_data() \
        == claim.get_data()
    path = f"/api/tasks/{task['id']}/complete"
    done = api.post(path, "clerk", json={"data": f.ACCEPT}, headers=keyed("complete-1"))
    assert done.status_code == 200 and done.get_json()["task"]["state"] == "COMPLETED"
    replay = api.post(path, "clerk", json={"data": f.ACCEPT}, headers=keyed("complete-1"))
    assert replay.status_code == 200 and replay.get_json() == done.get_json()
    assert completions(app, task["id"]) == 1
    assert api.post(path, "clerk", json={"data": f.ACCEPT}).status_code == 409  # without the key: a 409
    assert api.get(f"/api/cases/{case_no}/records/verify", "clerk").get_json()["valid"] is True


def test_the_same_key_with_another_body_is_a_422_that_changes_nothing(api, app):
    assert api.post("/api/cases", "clerk", json=NEW_CASE, headers=keyed("k")).status_code == 201
    other = dict(NEW_CASE, facts={"note": "另一个申请"})
    res = api.post("/api/cases", "clerk", json=other, headers=keyed("k"))
    assert res.status_code == 422 and res.get_json()["error"] == "idempotency_key_reused"
    assert count_cases(app) == 1
    english = api.post("/api/cases?lang=en", "clerk", json=NEW_CASE, headers=keyed("k"))  # another query string
    assert english.status_code == 422 and "another request" in english.get_json()["message"]


def test_keys_are_per_user_and_checked(api, app):
    assert api.post("/api/cases", "clerk", json=NEW_CASE, headers=keyed("shared")).status_code == 201
    # another user's key of the same name is another key: no replay of the clerk's answer
    assert api.post("/api/cases", "reviewer", json=NEW_CASE, headers=keyed("shared")).status_code == 403
    assert count_cases(app) == 1
    bad = api.post("/api/cases", "clerk", json=NEW_CASE, headers=keyed("含中文"))
    assert bad.status_code == 422 and bad.get_json()["error"] == "idempotency_key_invalid"
    assert api.post("/api/cases", None, json=NEW_CASE, headers=keyed("x")).status_code == 401
    assert count_cases(app) == 1


def test_a_request_that_changed_nothing_keeps_no_key(api, app):
    res = api.post("/api/cases", "clerk", json={"item": "NOPE", "applicant": APPLICANT, "facts": {}},
                   headers=keyed("retry-me"))
    assert res.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    # the same key may now carry the corrected request
    assert api.post("/api/cases", "clerk", json=NEW_CASE, headers=keyed("retry-me")).status_code == 201


def test_a_refusal_written_into_the_records_is_replayed_not_repeated(api, app):
    case_no = api.new_case()["case_no"]
    task = api.open_task(case_no, "receive")
    path = f"/api/tasks/{task['id']}/complete"
    refused = api.post(path, "reviewer", json={"data": f.ACCEPT}, headers=keyed("r"))  # not a clerk: refused
    assert refused.status_code == 403
    again = api.post(path, "reviewer", json={"data": f.ACCEPT}, headers=keyed("r"))
    assert again.status_code == 403 and again.headers["Idempotent-Replayed"] == "true"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ExecutionRecord).where(
            ExecutionRecord.action == "refused")) == 1


def test_concurrent_replays_act_once_and_all_get_the_answer(api, app):
    case_no = api.new_case()["case_no"]
    task = api.open_task(case_no, "receive")
    token = api.token("clerk")
    barrier, results = threading.Barrier(4), []

    def attempt():
        client = app.test_client()
        barrier.wait()
        res = client.post(f"/api/tasks/{task['id']}/complete", json={"data": f.ACCEPT},
                          headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "together"})
        results.append((res.status_code, res.get_data()))

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in results] == [200] * 4, results
    assert len({body for _, body in results}) == 1
    assert completions(app, task["id"]) == 1


def test_keys_expire_and_the_scheduler_job_purges_them(api, app):
    assert api.post("/api/cases", "clerk", json=NEW_CASE, headers=keyed("old")).status_code == 201
    with app.app_context():
        row = db.session.scalar(select(IdempotencyKey))
        assert row.expires_at - row.created_at == dt.timedelta(hours=24)
        assert purge_expired(row.created_at + dt.timedelta(hours=23)) == {"purged": 0}
        row.expires_at = row.created_at - dt.timedelta(seconds=1)  # as if 24 h had passed
        db.session.commit()
    # expired: the key acts again (a second case)
    assert api.post("/api/cases", "clerk", json=NEW_CASE, headers=keyed("old")).status_code == 201
    assert count_cases(app) == 2
    with app.app_context():
        assert purge_expired(dt.datetime(2999, 1, 1)) == {"purged": 1}
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_the_openapi_document_offers_the_header_on_post_actions(api):
    doc = api.get("/api/openapi.json").get_json()
    params = [p["name"] for p in doc["paths"]["/api/tasks/{task_id}/complete"]["post"]["parameters"]]
    assert "Idempotency-Key" in params
    assert "Idempotency-Key" not in [p["name"] for p in doc["paths"]["/api/auth/token"]["post"].get("parameters", [])]


def test_a_failure_before_the_one_commit_leaves_neither_the_action_nor_the_key(api, app, monkeypatch):
    from app.idempotency import service

    def broken(*args):
        raise RuntimeError("the process died here")
    monkeypatch.setattr(service, "answer", broken)
    try:
        res = api.post("/api/cases", "clerk", json=NEW_CASE, headers=keyed("crash"))
        assert res.status_code == 500
    except RuntimeError:  # TESTING propagates the exception to the test client
        pass
    assert count_cases(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    monkeypatch.undo()
    assert api.post("/api/cases", "clerk", json=NEW_CASE, headers=keyed("crash")).status_code == 201
    assert count_cases(app) == 1

"""Issue 10, point 1: the clock actions check who may see and act on the case first, accept only dates
between acceptance (or the pause's start) and today, and run in the action frame."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.records.models import ExecutionRecord
from tests.support import forms as f
from tests.support.api import APPLICANT
from tests.support.flows import at, case_row

PAUSE = {"procedure": "expert_review", "reason": "组织专家评审", "notice_ref": "鞍行审告字〔2026〕3号"}


def secret_case(api, day="2026-11-02") -> str:
    with at(day):
        res = api.post("/api/cases", "clerk", json={"item": "XK-002", "applicant": APPLICANT, "facts": {},
                                                    "confidentiality": "state_secret"})
        assert res.status_code == 201, res.get_json()
        case_no = res.get_json()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
        for task in api.get(f"/api/cases/{case_no}", "clerk").get_json()["tasks"]:  # reviewer takes the review
            assert api.post(f"/api/tasks/{task['id']}/claim", task["role"]).status_code == 200
    return case_no


def refusals(case_no: str) -> list[dict]:
    case = case_row(case_no)
    return [r for r in db.session.scalars(select(ExecutionRecord).where(ExecutionRecord.case_id == case.id))
            if r.action == "refused"]


def test_reviewer2_cannot_pause_a_state_secret_case_and_learns_nothing(api, ctx):
    case_no = secret_case(api)
    due_before = case_row(case_no).decision_due
    with at("2026-11-05"):
        assert api.get(f"/api/cases/{case_no}", "reviewer2").status_code == 403
        res = api.post(f"/api/cases/{case_no}/clock/pause", "reviewer2", json={**PAUSE, "start_on": "2000-01-01"})
        assert res.status_code == 403
        body = res.get_json()
        assert body["error"] == "permission_denied" and "case" not in body and APPLICANT["name"] not in str(body)
        assert api.post(f"/api/cases/{case_no}/clock/resume", "reviewer2", json={}).status_code == 403
        assert api.post(f"/api/cases/{case_no}/clock/extend", "reviewer2",
                        json={"reason": "x", "notice_ref": "y"}).status_code == 403
    assert case_row(case_no).decision_due == due_before
    assert [r.actor for r in refusals(case_no)] == ["reviewer2"] * 3  # each refusal is evidence


def test_pause_and_resume_dates_lie_between_acceptance_and_today(api, ctx):
    with at("2026-11-02"):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
    with at("2026-11-10"):
        for start in ("2000-01-01", "2026-11-01", "2026-11-11", "2056-09-21"):
            res = api.post(f"/api/cases/{case_no}/clock/pause", "reviewer", json={**PAUSE, "start_on": start})
            assert res.status_code == 422 and res.get_json()["error"] == "clock_date_out_of_range", start
            assert "start_on" in res.get_json()["fields"]
        assert api.post(f"/api/cases/{case_no}/clock/pause", "reviewer",
                        json={**PAUSE, "start_on": "2026-11-04"}).status_code == 201
        for end in ("2026-11-03", "2026-11-11", "9999-12-31"):
            res = api.post(f"/api/cases/{case_no}/clock/resume", "reviewer", json={"end_on": end})
            assert res.status_code == 422 and "end_on" in res.get_json()["fields"], end
        res = api.post(f"/api/cases/{case_no}/clock/resume", "reviewer", json={"end_on": "2026-11-09"})
        assert res.status_code == 200 and res.get_json()["pause"]["end_on"] == "2026-11-09"


def test_the_case_page_refuses_a_malformed_date_instead_of_using_today(api, browser, app):
    with at("2026-11-02"):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
    with at("2026-11-10"):
        reviewer = browser("reviewer")
        reviewer.get(f"/cases/{case_no}")
        res = reviewer.post(f"/cases/{case_no}/clock/pause", {**PAUSE, "start_on": "2026-13-45"})
        assert res.status_code == 302, res.get_data(as_text=True)[-1500:]
        page = reviewer.get(res.headers["Location"]).get_data(as_text=True)
        assert "请输入日期" in page
    from app.deadlines.models import ClockPause
    with app.app_context():
        assert db.session.scalar(select(ClockPause)) is None


def test_legal_review_extension_checks_the_task_belongs_to_the_named_case(api, browser):
    """The web route names a case and a task: a task of another case is not found there."""
    other = api.new_case()["case_no"]
    case_no = api.new_case()["case_no"]
    task = api.open_task(case_no, "receive")
    leader = browser("leader")
    leader.get(f"/cases/{other}")
    res = leader.post(f"/cases/{other}/tasks/{task['id']}/extend-review", {"reason": "复杂"})
    assert res.status_code == 404


def test_clock_actions_run_in_the_action_frame(monkeypatch, api, ctx):
    """A race on a clock action (another writer changed the case meanwhile) is a 409, not a 500."""
    from sqlalchemy.orm.exc import StaleDataError

    from app.deadlines import service
    with at("2026-11-02"):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)

    def stale(*args, **kwargs):
        raise StaleDataError("the case row changed meanwhile")
    monkeypatch.setattr(service, "append_records", stale)
    with at("2026-11-04"):
        res = api.post(f"/api/cases/{case_no}/clock/pause", "reviewer", json=PAUSE)
    assert res.status_code == 409 and res.get_json()["error"] == "concurrent_change"

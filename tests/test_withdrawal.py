"""Withdrawal of an application (撤回申请): before the decision a clerk ends the case at the applicant's written
request; after it, 409; bad input changes nothing."""
from sqlalchemy import func, select

from app.extensions import db
from tests.support import forms as f
from tests.support.flows import at, case_row

BODY = {"reason": "申请人经营计划调整，书面申请撤回", "request_ref": "撤回申请书 2026-001"}


def _record_count(case_no):
    from app.records.models import ExecutionRecord
    case = case_row(case_no)
    return db.session.scalar(select(func.count(ExecutionRecord.id)).where(ExecutionRecord.case_id == case.id))


def test_withdrawal_before_the_decision_ends_every_open_task(api, ctx):
    with at("2026-11-20"):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
    review_task = api.open_task(case_no, "review")
    with at("2026-11-30"):
        res = api.post(f"/api/cases/{case_no}/withdraw", "clerk", json={**BODY, "request_date": "2026-11-28"})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["status"] == "withdrawn" and body["tasks"] == []

    case = case_row(case_no)
    assert case.completed_at is not None and case.next_timer_at is None
    from app.cases.models import TaskItem
    assert db.session.get(TaskItem, review_task["id"]).state == "CANCELLED"
    # the engine's instance is cancelled, not merely hidden: completing the old task is refused
    res = api.post(f"/api/tasks/{review_task['id']}/complete", "reviewer", json={"data": f.review()})
    assert res.status_code == 409

    records = api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"]
    withdrawn = [r for r in records if r["action"] == "case_withdrawn"]
    assert len(withdrawn) == 1 and withdrawn[0]["actor"] == "clerk"
    assert withdrawn[0]["payload"]["request_ref"] == BODY["request_ref"]
    assert withdrawn[0]["payload"]["request_date"] == "2026-11-28"
    assert withdrawn[0]["payload"]["open_tasks"] == [review_task["id"]]
    assert any(r["action"] == "status_changed" and r["to_state"] == "withdrawn" for r in records)
    assert api.get(f"/api/cases/{case_no}/records/verify", "clerk").get_json()["valid"] is True

    # a second withdrawal is a conflict
    assert api.post(f"/api/cases/{case_no}/withdraw", "clerk", json=BODY).status_code == 409


def test_withdrawal_after_the_decision_is_refused_and_changes_nothing(api, ctx):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review())
    api.complete(case_no, "decide", "leader", f.DECIDE_GRANT)
    before = api.case(case_no)
    res = api.post(f"/api/cases/{case_no}/withdraw", "clerk", json=BODY)
    assert res.status_code == 409 and res.get_json()["error"] == "case_already_decided"
    after = api.case(case_no)
    assert after["status"] == before["status"] == "delivering"
    assert [t["id"] for t in after["tasks"]] == [t["id"] for t in before["tasks"]]
    records = api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"]
    assert not any(r["action"] == "case_withdrawn" for r in records)
    assert records[-1]["action"] == "refused" and records[-1]["payload"]["attempted"] == "withdraw"


def test_bad_input_and_wrong_roles_change_nothing(api, ctx):
    case_no = api.new_case()["case_no"]
    count = _record_count(case_no)
    for body in ({}, {"reason": "x"}, {"request_ref": "x"}, {**BODY, "reason": "   "},
                 {**BODY, "request_ref": ""}, {**BODY, "extra": 1}, {**BODY, "request_date": "2026-13-01"},
                 {**BODY, "request_ref": "x" * 101}):
        res = api.post(f"/api/cases/{case_no}/withdraw", "clerk", json=body)
        assert res.status_code == 422, (body, res.get_json())
    with at("2026-11-20"):
        res = api.post(f"/api/cases/{case_no}/withdraw", "clerk", json={**BODY, "request_date": "2026-11-21"})
        assert res.status_code == 422 and res.get_json()["error"] == "withdrawal_date_future"
    res = api.post(f"/api/cases/{case_no}/withdraw", "clerk", json={**BODY, "request_date": "2020-01-01"})
    assert res.status_code == 422 and res.get_json()["error"] == "withdrawal_date_before_case"
    assert api.post(f"/api/cases/{case_no}/withdraw", "reviewer", json=BODY).status_code == 403
    assert api.post("/api/cases/XK-2026-999999/withdraw", "clerk", json=BODY).status_code == 404
    assert api.case(case_no)["status"] == "received" and _record_count(case_no) == count


def test_withdrawn_cases_are_counted_in_the_annual_report(api, ctx):
    from app.annual.figures import generate
    with at("2026-03-02"):
        case_no = api.new_case()["case_no"]
        api.post(f"/api/cases/{case_no}/withdraw", "clerk", json=BODY)
        api.new_case()  # still running: not counted
    figures = generate(2026, as_of=None)
    assert figures["licensing"]["withdrawn"] == 1 and figures["licensing"]["applications"] == 2
    assert generate(2025)["licensing"]["withdrawn"] == 0
    row = next(r for r in figures["items"] if r["code"] == "XK-002")
    assert row["withdrawn"] == 1


def test_clerk_withdraws_from_the_case_page(browser, api):
    from tests.support.web import html
    case_no = api.new_case()["case_no"]
    assert "撤回申请" not in html(browser("reviewer").get(f"/cases/{case_no}"))  # clerks only
    clerk = browser("clerk")
    page = html(clerk.get(f"/cases/{case_no}"))
    assert 'name="request_ref"' in page
    res = clerk.post(f"/cases/{case_no}/withdraw", {"reason": "申请人书面申请撤回", "request_ref": "", "request_date": ""})
    assert res.status_code in (302, 422) and api.case(case_no)["status"] == "received"
    res = clerk.post(f"/cases/{case_no}/withdraw", {"reason": "申请人书面申请撤回", "request_ref": "撤字1号",
                                                    "request_date": ""})
    assert res.status_code == 302 and api.case(case_no)["status"] == "withdrawn"
    page = html(clerk.get(f"/cases/{case_no}"))
    assert "撤字1号" in page and "已撤回申请" in page and 'name="request_ref"' not in page

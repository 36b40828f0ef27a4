"""Decision integrity (issue 13): the decision's date lies between acceptance and today; a major decision is
the proposal the legal review approved and the committee passed; a committee "pass" needs quorum; a
licence's validity ends after the decision. Every refusal is a 422 that changes nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from app.documents.models import IssuedDocument
from app.extensions import db
from tests.support import forms as f
from tests.support.flows import actions, at


def _decide(api, case_no, data, expect):
    task = api.open_task(case_no, "decide")
    res = api.post(f"/api/tasks/{task['id']}/complete", "leader", json={"data": data})
    assert res.status_code == expect, res.get_json()
    return res.get_json()


def _issued(doc_type=None) -> int:
    stmt = select(func.count()).select_from(IssuedDocument)
    if doc_type:
        stmt = stmt.where(IssuedDocument.doc_type == doc_type)
    return db.session.scalar(stmt)


def _reviewed(api, day="2026-03-02", proposal="grant") -> str:
    with at(day):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
        api.complete(case_no, "review", "reviewer", f.review(proposal=proposal))
    return case_no


def test_a_backdated_decision_is_refused_and_nothing_is_issued(api, ctx):
    case_no = _reviewed(api, "2026-03-02")
    with at("2026-03-10"):
        body = _decide(api, case_no, {**f.DECIDE_GRANT, "decision_date": "2026-03-01"}, 422)
        assert body["error"] == "document_date_invalid" and "decision_date" in body["fields"]
        assert "2026-03-02" in body["message"]  # names the acceptance date
        assert _issued("grant_decision") == 0 and _issued("licence") == 0
        assert api.open_task(case_no, "decide")  # still open: the step did not happen
        _decide(api, case_no, {**f.DECIDE_GRANT, "decision_date": "2026-03-02"}, 200)  # acceptance day is fine
    assert _issued("grant_decision") == 1


def test_a_future_dated_decision_is_refused(api, ctx):
    case_no = _reviewed(api, "2026-03-02")
    with at("2026-03-10"):
        body = _decide(api, case_no, {**f.DECIDE_DENY, "decision_date": "2026-03-11"}, 422)
        assert body["error"] == "document_date_invalid" and "2026-03-10" in body["message"]
        assert _issued("denial_decision") == 0
        _decide(api, case_no, {**f.DECIDE_DENY, "decision_date": "2026-03-10"}, 200)


def test_a_licence_valid_until_before_the_decision_is_refused(api, ctx):
    case_no = _reviewed(api, "2026-03-02")
    with at("2026-03-10"):
        body = _decide(api, case_no, {**f.DECIDE_GRANT, "decision_date": "2026-03-10", "valid_until": "2026-03-09"},
                       422)
        assert body["error"] == "licence_validity_invalid" and "valid_until" in body["fields"]
        body = _decide(api, case_no, {**f.DECIDE_GRANT, "decision_date": "2026-03-10", "valid_until": ""}, 422)
        assert "valid_until" in body["fields"]  # a grant needs the licence's validity
    assert _issued() == 1  # only the acceptance notice


def _major(api, proposal="grant") -> str:
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review(category="resource_allocation", proposal=proposal))
    api.complete(case_no, "legal_review", "legal", f.legal_review("approve"))
    api.complete(case_no, "committee", "secretary", f.committee("pass"))
    api.complete(case_no, "sign_conclusion", "leader", f.SIGN)
    return case_no


def test_a_major_decision_other_than_the_reviewed_proposal_goes_back_through_legal_review(api, ctx):
    case_no = _major(api, proposal="grant")
    body = _decide(api, case_no, f.DECIDE_DENY, 422)
    assert body["error"] == "decision_differs_from_reviewed"
    assert "法制审核" in body["message"] and "不予许可" in body["message"] and "准予许可" in body["message"]
    assert _issued("denial_decision") == 0
    refused = [r for r in actions(api, case_no) if r["action"] == "refused"]
    assert refused and refused[-1]["payload"]["reason"] == "decision_differs_from_reviewed"  # recorded as evidence
    _decide(api, case_no, f.DECIDE_GRANT, 200)  # the reviewed proposal is decided
    assert _issued("grant_decision") == 1


def test_a_committee_pass_needs_quorum(api, ctx):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review(category="resource_allocation"))
    api.complete(case_no, "legal_review", "legal", f.legal_review("approve"))
    task = api.open_task(case_no, "committee")
    res = api.post(f"/api/tasks/{task['id']}/complete", "secretary",
                   json={"data": {**f.committee("pass"), "quorum_met": False}})
    assert res.status_code == 422 and res.get_json()["error"] == "committee_pass_needs_quorum"
    assert "quorum_met" in res.get_json()["fields"]
    api.complete(case_no, "committee", "secretary", {**f.committee("resubmit"), "quorum_met": False})  # may adjourn
    api.complete(case_no, "committee", "secretary", f.committee("pass"))

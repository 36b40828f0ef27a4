"""A case through the JSON API: the standard path, the major path with review rounds, and the guard."""
from tests.support import forms as f
from tests.support.flows import finish_after_decision


def test_standard_path_runs_to_completion(api):
    case = api.new_case()
    assert case["status"] == "received" and not case["is_major"]
    assert [t["name"] for t in case["tasks"]] == ["receive"]
    assert case["process_key"] == "standard_permit" and case["process_version"] == 1

    result = api.complete(case["case_no"], "receive", "clerk", f.ACCEPT)
    assert [t["name"] for t in result["next_tasks"]] == ["review"]
    assert "审查" in result["message"]
    result = api.complete(case["case_no"], "review", "reviewer", f.review())
    assert [t["name"] for t in result["next_tasks"]] == ["decide"]
    assert result["case"]["is_major"] is False and result["case"]["status"] == "deciding"
    api.complete(case["case_no"], "decide", "leader", f.DECIDE_GRANT)
    result = finish_after_decision(api, case["case_no"])
    assert result["case"]["status"] == "completed" and result["case"]["tasks"] == []

    records = api.get(f"/api/cases/{case['case_no']}/records", "clerk").get_json()["records"]
    actions = [r["action"] for r in records]
    assert actions[0] == "case_created" and actions.count("task_completed") == 6
    transitions = {(r["task_name"], r["to_state"]) for r in records if r["action"] == "task_state"}
    # gateways, the rule task and events are recorded too, not only user tasks
    assert {("gw_intake", "COMPLETED"), ("classify", "COMPLETED"), ("gw_major", "COMPLETED"),
            ("end_done", "COMPLETED"), ("decide", "READY")} <= transitions
    verify = api.get(f"/api/cases/{case['case_no']}/records/verify", "clerk").get_json()
    assert verify == {"case_no": case["case_no"], "valid": True, "count": len(records), "first_invalid_seq": None,
                      "reason": None}


def test_correction_loops_back_to_receive_then_reject_ends_the_case(api):
    case_no = api.new_case()["case_no"]
    result = api.complete(case_no, "receive", "clerk", f.CORRECT)
    assert [t["name"] for t in result["next_tasks"]] == ["receive"]
    assert result["case"]["status"] == "correction_requested"
    result = api.complete(case_no, "receive", "clerk", f.REJECT)
    assert result["case"]["status"] == "rejected_at_intake" and result["case"]["tasks"] == []
    actions = [r["action"] for r in api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"]]
    assert "correction_requested" in actions


def test_major_path_with_two_revise_rounds_then_committee_and_decision(api, ctx):
    from app.extensions import db
    from app.legal_review.models import CommitteeMeeting, LegalReviewRound
    case_no = api.new_case(item="XK-001")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    result = api.complete(case_no, "review", "reviewer", f.review(category="resource_allocation", complex=True))
    assert result["case"]["is_major"] is True and result["case"]["major_reason"] == "涉及资源配置"
    assert [t["name"] for t in result["next_tasks"]] == ["legal_review"]

    for round_no in (1, 2):
        api.complete(case_no, "legal_review", "legal", f.legal_review("revise", failed=("evidence",)))
        api.complete(case_no, "amend", "reviewer", f.amend(category="resource_allocation", complex=True,
                                                           investment=100 + round_no))
    api.complete(case_no, "legal_review", "legal", f.legal_review("approve"))
    api.complete(case_no, "counsel", "counsel", f.COUNSEL)
    api.complete(case_no, "committee", "secretary", f.committee("resubmit"))
    api.complete(case_no, "committee", "secretary", f.committee("pass"))
    result = api.complete(case_no, "sign_conclusion", "leader", f.SIGN)
    assert [t["name"] for t in result["next_tasks"]] == ["decide"]
    api.complete(case_no, "decide", "leader", f.DECIDE_GRANT)
    assert finish_after_decision(api, case_no)["case"]["status"] == "completed"

    case_id = api.case(case_no) and db.session.scalar(db.select(LegalReviewRound.case_id))
    rounds = db.session.scalars(db.select(LegalReviewRound).where(LegalReviewRound.case_id == case_id)
                                .order_by(LegalReviewRound.round_no)).all()
    assert [(r.round_no, r.outcome) for r in rounds] == [(1, "revise"), (2, "revise"), (3, "approve")]
    assert rounds[0].checklist["evidence"]["result"] == "fail"
    meetings = db.session.scalars(db.select(CommitteeMeeting).order_by(CommitteeMeeting.meeting_no)).all()
    assert [m.conclusion for m in meetings] == ["resubmit", "pass"] and meetings[1].signed_by == "leader"
    assert meetings[1].legal_attendees == ["legal"]


def test_investment_threshold_in_the_table_makes_a_case_major(api):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    result = api.complete(case_no, "review", "reviewer", f.review(investment=10000))
    assert result["case"]["is_major"] is True and "10000" in result["case"]["major_reason"]
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    assert api.complete(case_no, "review", "reviewer", f.review(investment=9999.99))["case"]["is_major"] is False


def test_catalogue_major_item_is_major_from_registration(api):
    case = api.new_case(item="XK-003")
    assert case["is_major"] is True and "目录清单" in case["major_reason"]
    api.complete(case["case_no"], "receive", "clerk", f.ACCEPT)
    result = api.complete(case["case_no"], "review", "reviewer", f.review())
    assert [t["name"] for t in result["next_tasks"]] == ["legal_review"]

"""Issue 10, point 2: a state-secret case is seen by its 知悉范围 only — leaders, the clerk who registered it,
whoever holds or held one of its tasks — and by a supervisor only through a leader's recorded grant."""
from __future__ import annotations

from tests.support import forms as f
from tests.support.api import APPLICANT

SECRET = {"item": "XK-002", "applicant": APPLICANT, "facts": {}, "confidentiality": "state_secret"}


def secret_case_at_review(api) -> tuple[str, dict]:
    res = api.post("/api/cases", "clerk", json=SECRET)
    assert res.status_code == 201
    case_no = res.get_json()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    return case_no, api.open_task(case_no, "review")


def test_holding_the_role_of_an_open_task_is_not_enough(api):
    case_no, task = secret_case_at_review(api)
    for who in ("reviewer", "reviewer2"):  # both hold the review's role
        assert api.get(f"/api/cases/{case_no}", who).status_code == 403
        assert api.get(f"/api/tasks/{task['id']}", who).status_code == 403
    # the task list offers the task without the applicant (lists are seen by every role holder)
    listed = [t for t in api.get("/api/tasks?scope=available", "reviewer2").get_json()["tasks"] if t["id"] == task["id"]]
    assert listed and APPLICANT["name"] not in str(listed)
    assert api.post(f"/api/tasks/{task['id']}/claim", "reviewer").status_code == 200  # the recorded act
    assert api.get(f"/api/cases/{case_no}", "reviewer").status_code == 200
    assert api.get(f"/api/cases/{case_no}", "reviewer2").status_code == 403  # the case: claimed by another
    assert api.get(f"/api/cases/{case_no}", "clerk").status_code == 200  # registered it
    assert api.get(f"/api/cases/{case_no}", "leader").status_code == 200
    for who in ("legal", "designer", "admin", "supervisor"):
        assert api.get(f"/api/cases/{case_no}/records", who).status_code == 403


def test_who_held_a_task_keeps_seeing_the_case(api):
    case_no, task = secret_case_at_review(api)
    api.post(f"/api/tasks/{task['id']}/claim", "reviewer")
    api.complete(case_no, "review", "reviewer", f.review())
    assert api.get(f"/api/cases/{case_no}", "reviewer").status_code == 200  # completed it


def test_task_search_does_not_find_a_secret_case_by_its_applicant(api, browser):
    case_no, _task = secret_case_at_review(api)
    assert case_no in browser("reviewer2").get("/?scope=available").get_data(as_text=True)  # listed, no name
    page = browser("reviewer2").get("/?scope=available&q=" + APPLICANT["name"][:4]).get_data(as_text=True)
    assert case_no not in page and APPLICANT["name"] not in page


def test_a_supervisor_sees_a_secret_case_only_with_a_leaders_recorded_grant(api, browser):
    case_no, _task = secret_case_at_review(api)
    assert api.get(f"/api/cases/{case_no}", "supervisor").status_code == 403
    assert browser("supervisor").get(f"/supervision/cases/{case_no}").status_code == 403
    note = api.post(f"/api/supervision/cases/{case_no}/note", "supervisor", json={"reason": "请加快办理"})
    assert note.status_code == 403

    grant = {"username": "supervisor", "reason": "督查超期案件，经局长批准"}
    assert api.post(f"/api/cases/{case_no}/access-grants", "reviewer", json=grant).status_code == 403
    assert api.post(f"/api/cases/{case_no}/access-grants", "leader",
                    json={**grant, "username": "legal"}).status_code == 422  # grants are for supervisors
    res = api.post(f"/api/cases/{case_no}/access-grants", "leader", json=grant)
    assert res.status_code == 201 and res.get_json()["granted_by"] == "leader"
    assert api.get(f"/api/cases/{case_no}", "supervisor").status_code == 200
    assert browser("supervisor").get(f"/supervision/cases/{case_no}").status_code == 200
    assert api.post(f"/api/supervision/cases/{case_no}/note", "supervisor", json={"reason": "请加快办理"}).status_code == 200

    res = api.post(f"/api/cases/{case_no}/access-grants/supervisor/revoke", "leader", json={"reason": "督查结束"})
    assert res.status_code == 200 and res.get_json()["revoked_by"] == "leader"
    assert api.get(f"/api/cases/{case_no}", "supervisor").status_code == 403
    actions = [(r["action"], r["actor"]) for r in api.get(f"/api/cases/{case_no}/records", "leader").get_json()["records"]]
    assert ("access_granted", "leader") in actions and ("access_revoked", "leader") in actions
    assert ("refused", "reviewer") in actions and ("refused", "supervisor") in actions


def test_grants_only_exist_for_state_secret_cases(api):
    case_no = api.new_case()["case_no"]
    res = api.post(f"/api/cases/{case_no}/access-grants", "leader", json={"username": "supervisor", "reason": "x"})
    assert res.status_code == 409 and res.get_json()["error"] == "grant_not_state_secret"
    assert api.get(f"/api/cases/{case_no}", "supervisor").status_code == 200  # every other case: as before


def test_the_leader_grants_on_the_case_page_and_from_the_command_line(api, browser, app):
    case_no, _task = secret_case_at_review(api)
    leader = browser("leader")
    page = leader.get(f"/cases/{case_no}").get_data(as_text=True)
    assert "知悉授权" in page and "周督查" in page  # the supervisor by name
    assert "知悉授权" not in browser("clerk").get(f"/cases/{case_no}").get_data(as_text=True)
    res = leader.post(f"/cases/{case_no}/access-grants", {"username": "supervisor", "reason": "督查"})
    assert res.status_code == 302
    assert api.get(f"/api/cases/{case_no}", "supervisor").status_code == 200
    runner = app.test_cli_runner()
    out = runner.invoke(args=["cases", "revoke-access", case_no, "supervisor", "--as", "leader", "--reason", "结束"])
    assert out.exit_code == 0, out.output
    assert api.get(f"/api/cases/{case_no}", "supervisor").status_code == 403
    refused = runner.invoke(args=["cases", "show", case_no, "--as", "reviewer2"])
    assert refused.exit_code == 1 and "403" in refused.output and APPLICANT["name"] not in refused.output

"""Legal time limits on cases and tasks, with the clock frozen on the worked dates of domain.md §6–7."""
import datetime as dt

from sqlalchemy import select

from app.extensions import db
from tests.support import forms as f
from tests.support.flows import accepted_case, actions, at, run_scan


def test_decision_clock_starts_at_acceptance_and_tasks_carry_due_dates(api, ctx):
    with at("2025-09-26"):
        case = api.new_case()
        receive = case["tasks"][0]
        # 5 working days for a correction notice: 9/28 (an adjusted working Sunday), 9/29, 9/30, 10/9, 10/10
        assert receive["due"] == "2025-10-10"
        result = api.complete(case["case_no"], "receive", "clerk", f.ACCEPT)
    assert result["case"]["accepted_on"] == "2025-09-26"
    assert result["case"]["decision_due"] == "2025-10-30" and result["case"]["decision_due_confirmed"]
    assert result["next_tasks"][0]["due"] == "2025-10-30"  # review follows the case deadline


def test_decision_before_a_holiday_publication_due_and_late_publication_flagged(api, app):
    case_no = accepted_case(api, "2025-09-22")
    with at("2025-09-30"):
        api.complete(case_no, "review", "reviewer", f.review())
        result = api.complete(case_no, "decide", "leader", {**f.DECIDE_GRANT, "decision_date": "2025-09-30"})
    assert result["case"]["decided_on"] == "2025-09-30" and result["case"]["publication_due"] == "2025-10-16"
    assert run_scan(app, "scan_publication", "2025-10-16") == {"publication_overdue": 0}  # the last day: on time
    assert run_scan(app, "scan_publication", "2025-10-17") == {"publication_overdue": 1}
    assert run_scan(app, "scan_publication", "2025-10-18") == {"publication_overdue": 0}  # once only
    assert [r["action"] for r in actions(api, case_no)].count("publication_overdue") == 1


def test_extension_lands_on_an_adjusted_working_saturday_and_deciding_then_is_on_time(api, app):
    case_no = accepted_case(api, "2026-01-05")
    assert api.case(case_no)["decision_due"] == "2026-02-02"
    with at("2026-01-20"):
        res = api.post(f"/api/cases/{case_no}/clock/extend", "leader",
                       json={"reason": "需实地核实多处场地", "notice_ref": "鞍行审延字〔2026〕3号"})
    assert res.status_code == 200 and res.get_json()["case"]["decision_due"] == "2026-02-14"
    with app.app_context():
        from app.calendar.service import calendar
        assert calendar().is_workday(dt.date(2026, 2, 14)) is True  # a Saturday, but a 调休 working day
    assert run_scan(app, "scan_overdue", "2026-02-14")["cases_overdue"] == 0
    assert run_scan(app, "scan_overdue", "2026-02-15")["cases_overdue"] == 1
    assert run_scan(app, "scan_overdue", "2026-02-16")["cases_overdue"] == 0


def test_extension_needs_the_leader_a_notice_and_happens_once(api):
    case_no = accepted_case(api, "2026-01-05")
    body = {"reason": "情况复杂", "notice_ref": "鞍行审延字〔2026〕4号"}
    res = api.post(f"/api/cases/{case_no}/clock/extend", "reviewer", json=body)
    assert res.status_code == 403 and res.get_json()["error"] == "extension_needs_leader"
    assert api.post(f"/api/cases/{case_no}/clock/extend", "leader", json={**body, "notice_ref": ""}).status_code == 422
    assert api.post(f"/api/cases/{case_no}/clock/extend", "leader", json=body).status_code == 200
    second = api.post(f"/api/cases/{case_no}/clock/extend", "leader", json=body)
    assert second.status_code == 409 and second.get_json()["error"] == "extension_only_once"
    recs = actions(api, case_no)
    assert [r["payload"]["reason"] for r in recs if r["action"] == "refused"] == ["extension_needs_leader",
                                                                                  "extension_only_once"]
    assert api.case(case_no)["extension_days"] == 10


def test_joint_handling_has_45_days_and_a_15_day_extension_with_the_governments_approval(api):
    case_no = accepted_case(api, "2026-01-05", item="XK-004")
    assert api.case(case_no)["decision_due"] == "2026-03-13"  # 45 working days
    body = {"reason": "多部门联合审查", "notice_ref": "鞍行审延字〔2026〕5号"}
    res = api.post(f"/api/cases/{case_no}/clock/extend", "leader", json=body)
    assert res.status_code == 422 and "government_approval_ref" in res.get_json()["fields"]
    ok = api.post(f"/api/cases/{case_no}/clock/extend", "leader", json={**body, "government_approval_ref": "鞍政批〔2026〕1号"})
    assert ok.status_code == 200 and ok.get_json()["case"]["extension_days"] == 15


def test_deemed_acceptance_when_no_correction_notice_within_5_working_days(api, app):
    with at("2025-12-31"):
        case_no = api.new_case()["case_no"]
    assert run_scan(app, "scan_deemed_acceptance", "2026-01-08")["deemed_accepted"] == 0  # still in time
    assert run_scan(app, "scan_deemed_acceptance", "2026-01-09")["deemed_accepted"] == 1
    assert run_scan(app, "scan_deemed_acceptance", "2026-01-10")["deemed_accepted"] == 0
    case = api.case(case_no)
    assert case["accepted_on"] == "2025-12-31" and case["deemed_accepted"] is True
    assert case["decision_due"] == "2026-01-29"  # 20 working days from the receipt date
    recs = actions(api, case_no)
    assert [r["actor"] for r in recs if r["action"] == "deemed_accepted"] == ["scheduler"]
    # Too late for a correction notice or a rejection now; accepting still works.
    with at("2026-01-12"):
        task = api.open_task(case_no, "receive")
        res = api.post(f"/api/tasks/{task['id']}/complete", "clerk", json={"data": f.CORRECT})
        assert res.status_code == 422 and "2025-12-31" in res.get_json()["message"]
        assert api.complete(case_no, "receive", "clerk", f.ACCEPT)["case"]["accepted_on"] == "2025-12-31"


def test_correction_completed_starts_the_clock_when_materials_are_complete(api, app):
    with at("2025-12-31"):
        case_no = api.new_case()["case_no"]
    with at("2026-01-06"):  # day 3: the one notice listing everything
        api.complete(case_no, "receive", "clerk", f.CORRECT)
    assert run_scan(app, "scan_deemed_acceptance", "2026-01-19")["deemed_accepted"] == 0
    with at("2026-01-20"):
        result = api.complete(case_no, "receive", "clerk", f.ACCEPT)
    assert result["case"]["accepted_on"] == "2026-01-20" and not result["case"]["deemed_accepted"]


def test_a_second_correction_notice_is_flagged(api):
    with at("2026-03-02"):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", f.CORRECT)
        api.complete(case_no, "receive", "clerk", f.CORRECT)
    warnings = [r["payload"]["warning"] for r in actions(api, case_no) if r["action"] == "warning"]
    assert warnings == ["second_correction_notice"]


def test_expert_review_pauses_the_clock_and_needs_a_written_notice(api):
    case_no = accepted_case(api, "2026-03-02")
    assert api.case(case_no)["decision_due"] == "2026-03-30"
    with at("2026-03-10"):
        body = {"procedure": "expert_review", "reason": "组织专家评审", "notice_ref": ""}
        res = api.post(f"/api/cases/{case_no}/clock/pause", "reviewer", json=body)
        assert res.status_code == 422
        res = api.post(f"/api/cases/{case_no}/clock/pause", "reviewer",
                       json={**body, "notice_ref": "鞍行审告字〔2026〕9号"})
        assert res.status_code == 201
        not_excluded = api.post(f"/api/cases/{case_no}/clock/pause", "reviewer",
                                json={**body, "procedure": "legal_review", "notice_ref": "x"})
        assert not_excluded.status_code == 422  # legal review does not pause the clock
    with at("2026-03-20"):
        res = api.post(f"/api/cases/{case_no}/clock/resume", "reviewer", json={})
    assert res.status_code == 200 and res.get_json()["pause"]["paused_workdays"] == 9
    assert res.get_json()["case"]["decision_due"] == "2026-04-13"
    acts = [r["action"] for r in actions(api, case_no)]
    assert "clock_paused" in acts and "clock_resumed" in acts


def test_legal_review_does_not_pause_and_warns_when_due_after_the_decision(api):
    case_no = accepted_case(api, "2026-03-02", item="XK-003")  # major: goes to legal review
    with at("2026-03-25"):  # 3 working days of the decision clock left
        result = api.complete(case_no, "review", "reviewer", f.review())
    review = result["next_tasks"][0]
    assert review["name"] == "legal_review" and review["due"] == "2026-04-03"
    warnings = [r for r in actions(api, case_no) if r["action"] == "warning"]
    assert warnings and warnings[0]["payload"]["warning"] == "legal_review_past_decision_due"
    assert api.case(case_no)["decision_due"] == "2026-03-30"  # unchanged: the review runs on the clock


def test_legal_review_extension_plus_three_once_with_the_heads_approval(api):
    with at("2026-04-27"):
        case_no = api.new_case(item="XK-003")["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
    with at("2026-04-30"):
        review = api.complete(case_no, "review", "reviewer", f.review())["next_tasks"][0]
    assert review["due"] == "2026-05-13"
    assert api.post(f"/api/tasks/{review['id']}/extend-review", "legal", json={"reason": "复杂"}).status_code == 403
    res = api.post(f"/api/tasks/{review['id']}/extend-review", "leader", json={"reason": "案情复杂"})
    assert res.status_code == 200 and res.get_json()["due"] == "2026-05-18"
    again = api.post(f"/api/tasks/{review['id']}/extend-review", "leader", json={"reason": "再延"})
    assert again.status_code == 409


def test_unknown_year_is_unconfirmed_until_the_notice_is_loaded(api, app):
    case_no = accepted_case(api, "2026-12-10")
    case = api.case(case_no)
    assert case["decision_due_confirmed"] is False and case["decision_due"] >= "2027-01-08"
    notice = {"year": 2027, "source": "国办发明电〔2026〕X号",
              "holidays": [{"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"},
                           {"from": "2027-02-05", "to": "2027-02-13", "name": "春节"}],
              "adjusted_workdays": ["2027-02-14"]}
    try:
        with app.app_context():
            from app.calendar.service import calendar
            from app.users.models import User
            admin = db.session.scalar(select(User).where(User.username == "admin"))
            calendar().load_notice(notice, admin)
        case = api.case(case_no)
        assert case["decision_due_confirmed"] is True and case["decision_due"] == "2027-01-08"
        assert "deadline_set" in [r["action"] for r in actions(api, case_no)]
    finally:
        with app.app_context():
            db.session.execute(db.text("DELETE FROM calendar_day WHERE source = :s"), {"s": notice["source"]})
            db.session.execute(db.text("DELETE FROM calendar_year WHERE year = 2027"))
            db.session.commit()


def test_overdue_tasks_are_recorded_once(api, app):
    accepted_case(api, "2026-03-02")
    assert run_scan(app, "scan_overdue", "2026-03-30")["tasks_overdue"] == 0
    assert run_scan(app, "scan_overdue", "2026-03-31") == {"tasks_overdue": 1, "cases_overdue": 1}
    assert run_scan(app, "scan_overdue", "2026-04-01") == {"tasks_overdue": 0, "cases_overdue": 0}


def test_stuck_and_broken_cases_are_found_once(api, app):
    from app.cases.models import Case
    moving = accepted_case(api, "2026-03-02")
    idle = accepted_case(api, "2026-03-02")
    with app.app_context():
        db.session.execute(db.update(Case).where(Case.case_no == idle).values(
            updated_at=dt.datetime(2026, 3, 2, 2, 0)))
        db.session.commit()
    with at("2026-03-06"):
        api.complete(moving, "review", "reviewer", f.review())
    counts = run_scan(app, "scan_stuck", "2026-03-10")
    assert counts == {"broken": 0, "stuck": 1}
    assert run_scan(app, "scan_stuck", "2026-03-11") == {"broken": 0, "stuck": 0}
    assert "case_stuck" in [r["action"] for r in actions(api, idle)]
    assert "case_stuck" not in [r["action"] for r in actions(api, moving)]


def test_case_page_shows_the_clock_and_the_leader_extends_there(api, app):
    import re

    from tests.support.web import Browser
    case_no = accepted_case(api, "2026-01-05")
    leader = Browser(app).login("leader")
    page = leader.get(f"/cases/{case_no}").get_data(as_text=True)
    assert "办理期限" in page and "2026-02-02" in page and "批准延长" in page
    assert "批准延长" not in Browser(app).login("reviewer").get(f"/cases/{case_no}").get_data(as_text=True)
    res = leader.post(f"/cases/{case_no}/clock/extend", {"reason": "需补充核查", "notice_ref": "鞍行审延字〔2026〕7号"})
    assert res.status_code == 302
    page = leader.get(f"/cases/{case_no}").get_data(as_text=True)
    assert "2026-02-14" in page and "已延长 10 个工作日" in page and "/clock/extend" not in page  # once only
    reviewer = Browser(app).login("reviewer")
    reviewer.get(f"/cases/{case_no}")
    reviewer.post(f"/cases/{case_no}/clock/pause", {"procedure": "hearing", "reason": "举行听证", "notice_ref": ""})
    flashed = reviewer.get(f"/cases/{case_no}").get_data(as_text=True)
    assert re.search("书面告知", flashed)  # the refusal says why


def test_the_admin_loads_a_notice_and_adds_a_closure_in_the_browser_page(api, app):
    import io
    import json

    from tests.support.web import Browser
    case_no = accepted_case(api, "2026-12-10")
    assert api.case(case_no)["decision_due_confirmed"] is False
    admin = Browser(app).login("admin")
    page = admin.get("/admin/calendar").get_data(as_text=True)
    assert "2027" in page and "无数据" in page
    assert Browser(app).login("clerk").get("/admin/calendar").status_code == 403
    bad = admin.post("/admin/calendar/notice", {"notice": (io.BytesIO(b'{"year": 2027, "holidays": [{"from": "2027-01-03", '
                                                                      b'"to": "2027-01-01"}]}'), "n.json")},
                     content_type="multipart/form-data", follow_redirects=True)
    assert "不正确" in bad.get_data(as_text=True) and api.case(case_no)["decision_due_confirmed"] is False
    notice = {"year": 2027, "source": "国办发明电〔2026〕测试", "holidays": [
        {"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"}], "adjusted_workdays": []}
    try:
        ok = admin.post("/admin/calendar/notice", {"notice": (io.BytesIO(json.dumps(notice).encode()), "n.json")},
                        content_type="multipart/form-data", follow_redirects=True)
        assert "已载入 2027 年节假日安排" in ok.get_data(as_text=True)
        before = api.case(case_no)
        assert before["decision_due_confirmed"] is True
        admin.post("/admin/calendar/closure", {"date": before["decision_due"], "note": "台风停止办公"})
        after = api.case(case_no)
        assert after["decision_due"] > before["decision_due"]  # the closure moved the deadline
    finally:
        with app.app_context():
            db.session.execute(db.text("DELETE FROM calendar_day WHERE source = :s OR note = '台风停止办公'"),
                               {"s": notice["source"]})
            db.session.execute(db.text("DELETE FROM calendar_year WHERE year = 2027"))
            db.session.commit()

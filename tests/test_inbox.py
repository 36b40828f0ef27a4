"""Issue 12, the staff inbox: new work in my queue, a task reassigned to or away from me, a case returned to
me, a deadline within 2 working days; the unread count in the header; the pluggable notifier."""
from __future__ import annotations

import re

from tests.support import forms as f
from tests.support.flows import run_scan
from tests.support.web import html


def unread(web) -> int:
    found = re.search(r'data-unread="(\d+)"', html(web.get("/inbox")))
    return int(found.group(1)) if found else 0


def test_the_header_counts_a_reassignment_for_both_holders(api, browser):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    task = api.open_task(case_no, "review")
    reviewer, reviewer2 = browser("reviewer"), browser("reviewer2")
    before = unread(reviewer2), unread(reviewer)
    assert before[0] >= 1  # the new review task reached every reviewer's queue
    api.post(f"/api/tasks/{task['id']}/claim", "reviewer")
    res = api.post(f"/api/supervision/tasks/{task['id']}/reassign", "supervisor",
                   json={"to": "reviewer2", "reason": "审查人员请假，改派"})
    assert res.status_code == 200
    assert unread(reviewer2) == before[0] + 1 and unread(reviewer) == before[1] + 1
    page = html(reviewer2.get("/inbox"))
    assert f"周督查 将 {case_no}“审查”改派给您" in page
    assert f"周督查 将 {case_no}“审查”改派给 孙审查，您不再办理" in html(reviewer.get("/inbox"))
    reviewer2.post("/inbox/read")
    assert unread(reviewer2) == 0 and unread(reviewer) == before[1] + 1


def test_a_refused_reassignment_tells_nobody(api, browser):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    task = api.open_task(case_no, "review")
    legal = browser("legal")
    before = unread(legal)
    res = api.post(f"/api/supervision/tasks/{task['id']}/reassign", "supervisor",
                   json={"to": "legal", "reason": "x"})
    assert res.status_code == 422 and unread(legal) == before


def test_a_revised_case_returns_to_its_reviewer_only(api, browser):
    case_no = api.new_case(item="XK-001")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer2", f.review(category="resource_allocation", complex=True))
    reviewer, reviewer2 = browser("reviewer"), browser("reviewer2")
    before = unread(reviewer), unread(reviewer2)
    api.complete(case_no, "legal_review", "legal", f.legal_review("revise", failed=("evidence",)))
    assert unread(reviewer2) == before[1] + 1 and unread(reviewer) == before[0]
    assert f"案件 {case_no} 退回给您：“修改重报”" in html(reviewer2.get("/inbox"))


def test_deadline_within_two_working_days_told_once(app, api, browser, caplog):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    task = api.open_task(case_no, "review")
    api.post(f"/api/tasks/{task['id']}/claim", "reviewer")
    due = api.open_task(case_no, "review")["due"]
    assert due, "the review step has a due date"
    import datetime as dt

    from app.calendar.service import calendar
    with app.app_context():
        day = dt.date.fromisoformat(due)
        while calendar().workdays_between(day, dt.date.fromisoformat(due)) < 2:
            day -= dt.timedelta(days=1)
        three_left = day
        while calendar().workdays_between(three_left, dt.date.fromisoformat(due)) < 3:
            three_left -= dt.timedelta(days=1)
    early = (day - dt.timedelta(days=7)).isoformat()
    assert run_scan(app, "scan_deadlines_soon", early)["told"] == 0  # not yet
    assert run_scan(app, "scan_deadlines_soon", three_left.isoformat())["told"] == 0  # 3 working days left
    with caplog.at_level("INFO", logger="app.inbox"):
        assert run_scan(app, "scan_deadlines_soon", day.isoformat())["told"] == 1  # the holder only
    assert run_scan(app, "scan_deadlines_soon", day.isoformat())["told"] == 0  # once
    assert any("notice to reviewer (due_soon)" in r.getMessage() for r in caplog.records)  # the default notifier
    assert f"{case_no}“审查”将于 {due} 到期" in html(browser("reviewer").get("/inbox"))

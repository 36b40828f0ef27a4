"""Issue 12 in a real browser (Playwright + Debian's Chromium): the approval sheet on the amend and signing
pages, and the screenshots people look at (1440 px and 390 px). Cases are driven through the API; the pages
are read as the staff member reads them."""
from __future__ import annotations

import pytest

from tests.support import forms as f
from tests.support.chromium import shot

pytestmark = pytest.mark.browser

PHONE, DESK = {"width": 390, "height": 844}, {"width": 1440, "height": 1000}


def signed_in(chromium, server, username, viewport=DESK):
    context = chromium.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button.primary")
    page.wait_for_url(f"{server}/**")
    return page


def to_legal_review(api, revise_first=True):
    case_no = api.new_case(item="XK-001")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review(category="resource_allocation", complex=True))
    if revise_first:
        api.complete(case_no, "legal_review", "legal",
                     {**f.legal_review("revise", failed=("evidence",)), "opinion": "请补充现场核查笔录后重新报送。"})
    return case_no


def test_the_amend_page_shows_the_legal_reviewers_revise_comments(chromium, live_server, api):
    case_no = to_legal_review(api)
    task = api.open_task(case_no, "amend")
    page = signed_in(chromium, live_server, "reviewer")
    page.goto(f"{live_server}/tasks/{task['id']}")
    sheet = page.locator("details.sheet")
    assert sheet.get_attribute("open") is not None  # open on a task page: read before writing
    legal = sheet.locator("li.opinion", has_text="法制审核")
    assert "张法制" in legal.inner_text() and "法制审核人员" in legal.inner_text()
    assert "提出修改意见" in legal.locator(".decision").inner_text()
    assert "请补充现场核查笔录后重新报送。" in legal.inner_text()
    failed = legal.locator("li.mark.fail")
    assert failed.count() == 1 and "证据不足" in failed.inner_text()
    shot(page, "issue12-amend-1440")


def test_the_signing_page_shows_the_minutes_and_the_attendees(chromium, live_server, api):
    case_no = to_legal_review(api, revise_first=False)
    api.complete(case_no, "legal_review", "legal", {**f.legal_review("approve"), "opinion": "经审核，同意。"})
    api.complete(case_no, "counsel", "counsel", f.COUNSEL)
    api.complete(case_no, "committee", "secretary", f.committee("pass", attendees=("leader", "legal", "reviewer2")))
    task = api.open_task(case_no, "sign_conclusion")
    page = signed_in(chromium, live_server, "leader")
    page.goto(f"{live_server}/tasks/{task['id']}")
    committee = page.locator("details.sheet li.opinion", has_text="专业审查委员会")
    text = committee.inner_text()
    assert "会议听取了审查情况汇报，经讨论形成结论。" in text  # the minutes
    assert "刘局长、张法制、孙审查" in text  # the attendees by name, not sign-in name
    assert "通过" in committee.locator(".decision").inner_text()
    assert "本案法律关系清楚" in page.locator("details.sheet").inner_text()  # counsel's opinion before it
    shot(page, "issue12-sign-1440")

"""Issue 12 in a real browser (Playwright + Debian's Chromium): the approval sheet on the amend and signing
pages, and the screenshots people look at (1440 px and 390 px). Cases are driven through the API; the pages
are read as the staff member reads them."""
from __future__ import annotations

import pytest

from tests.support import forms as f
from tests.support.chromium import shot, sign_in

pytestmark = pytest.mark.browser

PHONE, DESK = {"width": 390, "height": 844}, {"width": 1440, "height": 1000}


def signed_in(chromium, server, username, viewport=DESK):
    context = chromium.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    sign_in(page, server, username)
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


def test_intake_checklist_and_only_the_fields_the_outcome_needs(chromium, live_server, api):
    case_no = api.new_case(item="XK-002")["case_no"]
    task = api.open_task(case_no, "receive")
    page = signed_in(chromium, live_server, "clerk")
    page.goto(f"{live_server}/tasks/{task['id']}")
    checks = page.locator("[data-materials] input[type=checkbox]")
    assert checks.count() == 3  # 食品经营许可申请书, 营业执照复印件, 经营场所平面图 from the catalogue
    # nothing chosen yet: no branch field shows
    for name in ("correction_items", "reject_reason", "referral_agency", "onsite_needed"):
        assert page.locator(f"#field-{name}").is_hidden(), name
    page.check("input[name=outcome][value=correct]")
    assert page.locator("#field-correction_items").is_visible()
    assert page.locator("#field-reject_reason").is_hidden() and page.locator("#field-referral_agency").is_hidden()
    checks.nth(0).check()
    assert page.locator("textarea[name=correction_items]").input_value() == "缺少：营业执照复印件；经营场所平面图"
    assert page.locator("input[name=materials_complete][value=false]").is_checked()
    page.check("input[name=outcome][value=reject]")
    assert page.locator("#field-reject_reason").is_visible() and page.locator("#field-referral_agency").is_visible()
    assert page.locator("#field-correction_items").is_hidden()
    page.check("input[name=outcome][value=accept]")
    assert page.locator("#field-onsite_needed").is_visible()
    shot(page, "issue12-intake-1440")
    page.click("button[value=submit]")  # 受理 with a material missing: refused, nothing done
    page.wait_for_selector(".flash.error")
    assert "受理须申请材料齐全" in page.content()
    assert api.open_task(case_no, "receive")["id"] == task["id"]
    for i in range(3):
        page.locator("[data-materials] input[type=checkbox]").nth(i).check()
    assert page.locator("input[name=materials_complete][value=true]").is_checked()
    page.check("input[name=outcome][value=accept]")
    page.check("input[name=onsite_needed][value=false]")
    page.click("button[value=submit]")
    page.wait_for_selector(".flash.success")
    assert api.case(case_no)["status"] != "received"


def test_back_then_submit_again_registers_one_case(chromium, live_server, app):
    page = signed_in(chromium, live_server, "clerk")
    page.goto(f"{live_server}/cases/new")
    assert page.evaluate("document.activeElement.id") == "item"  # the keyboard starts at the item
    page.select_option("#item", "XK-002")
    page.select_option("#applicant_type", "natural_person")
    page.fill("#applicant_name", "张三")
    page.fill("#id_number", "11010519491231002X")
    page.fill("#phone", "0412-5550123")
    page.click("button.primary")
    page.wait_for_url("**/cases/XK-*")
    first = page.url
    page.go_back()  # the filled form again, with its (spent) token
    page.wait_for_selector("#applicant_name")
    if not page.input_value("#applicant_name"):  # a browser that does not restore the form: type it again
        page.select_option("#item", "XK-002")
        page.select_option("#applicant_type", "natural_person")
        page.fill("#applicant_name", "张三")
    page.click("button.primary")
    page.wait_for_load_state()
    # The page is not cached (no-store), so Back fetched a fresh form: the same-day check stops it, naming the
    # case already registered; a resubmitted POST with the spent token goes to that case (test_staff_desk).
    warning = page.locator(".flash.warning").first.inner_text()
    assert "今天已为同一申请人登记过同一事项" in warning and first.rsplit("/", 1)[1] in warning
    from sqlalchemy import func, select

    from app.cases.models import Case
    from app.extensions import db
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id)).where(Case.applicant_name == "张三")) == 1


def finished_case(app, api, browser) -> tuple[str, str]:
    """A major case at its legal review (the task page), plus a second case decided and published (the public
    decisions page has a row)."""
    case_no = to_legal_review(api)
    api.complete(case_no, "amend", "reviewer", f.amend(category="resource_allocation", complex=True))
    published = api.new_case(item="XK-002")["case_no"]
    api.complete(published, "receive", "clerk", f.ACCEPT)
    api.complete(published, "review", "reviewer", f.review())
    api.complete(published, "decide", "leader", f.DECIDE_GRANT)
    from sqlalchemy import select

    from app.cases.models import Case
    from app.extensions import db
    from app.publicity.models import Publication
    with app.app_context():  # its own context: the requests below must not share its ``g``
        pub_id = db.session.scalar(select(Publication.id).join(Case, Case.id == Publication.case_id)
                                   .where(Case.case_no == published))
    clerk = browser("clerk")
    clerk.get(f"/publications/{pub_id}")
    assert clerk.post(f"/publications/{pub_id}/publish").status_code == 302
    # published before 公示 opened: the step then confirms the publication record
    api.complete(published, "deliver", "clerk", f.deliver())
    api.complete(published, "publish", "clerk", f.PUBLISH)
    api.complete(published, "archive", "clerk", f.ARCHIVE)
    return case_no, published


def no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")


@pytest.mark.parametrize("width", [390, 768, 1440])
def test_staff_pages_and_the_portal_fit_the_screen(chromium, live_server, app, api, browser, width):
    case_no, published = finished_case(app, api, browser)
    task = api.open_task(case_no, "legal_review")
    page = signed_in(chromium, live_server, "legal", viewport={"width": width, "height": 900})
    for name, url in (("tasks", "/?scope=available"), ("legal-review", f"/tasks/{task['id']}"),
                      ("case", f"/cases/{case_no}"), ("public-decisions", "/public/decisions"),
                      ("public-portal", "/public/")):
        page.goto(f"{live_server}{url}")
        scroll, client = no_horizontal_scroll(page)
        shot(page, f"issue12-{name}-{width}")
        assert scroll <= client, (name, width, scroll, client)

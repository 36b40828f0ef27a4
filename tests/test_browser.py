"""A major application from registration to decision, done by clicking and typing in a real browser
(Playwright driving Debian's Chromium). Screenshots go to artifacts/screenshots/ (printed by .ci/run).

Skipped, with the reason, where no Chromium is installed; CI sets REQUIRE_BROWSER=1 so that a missing
browser fails instead.
"""
from __future__ import annotations

import pytest

from tests.support import forms as f
from tests.support.chromium import shot

pytestmark = pytest.mark.browser


class Staff:
    """One signed-in user in their own browser context."""

    def __init__(self, chromium, server, username):
        self.context = chromium.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        self.page = self.context.new_page()
        self.server = server
        self.page.goto(f"{server}/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", "demo")
        self.page.click("button.primary")
        self.page.wait_for_url(f"{server}/**")

    def open_task(self, case_no: str, step_title: str):
        """From the list of tasks available to claim: claim the case's task, landing on its page."""
        page = self.page
        page.goto(f"{self.server}/?scope=available&q={case_no}")
        row = page.locator("table.list tbody tr", has_text=step_title)
        row.get_by_role("button", name="认领").click()
        page.wait_for_selector("form[action*='/tasks/'] button[value=submit]")

    def submit(self) -> str:
        self.page.click("button[value=submit]")
        self.page.wait_for_selector(".flash")
        return self.page.locator(".flash").first.inner_text()

    def shot(self, name: str) -> None:
        shot(self.page, name)


def choose(page, name: str, value: str) -> None:
    page.check(f"input[name={name}][value={value}]")


def fill_facts(page, **extra) -> None:
    page.fill("textarea[name=opinion]", extra.get("opinion", "材料齐全，符合法定条件，拟准予许可。"))
    choose(page, "proposal", "grant")
    choose(page, "category", "resource_allocation")
    page.fill("input[name=investment]", "12000")
    for flag in ("public_concern", "safety_impact", "complex"):
        choose(page, flag, "false")
    if page.locator("input[name=hearing_needed]").count():  # 审查 asks; 修改重报 does not
        choose(page, "hearing_needed", "none")


def legal_review(page, outcome: str, failed: tuple = ()) -> None:
    for key in ("authority", "competence", "facts", "evidence", "law", "procedure", "discretion", "documents",
                "referral", "other"):
        choose(page, f"checklist__{key}__result", "fail" if key in failed else "pass")
        if key in failed:
            page.fill(f"input[name=checklist__{key}__comment]", "现场核查证据不足，请补充。")
    choose(page, "outcome", outcome)
    page.fill("textarea[name=opinion]", "经审核，" + ("同意。" if outcome == "approve" else "请补充证据后重新报送。"))


def test_major_application_from_registration_to_decision(chromium, live_server, tmp_path):
    server = live_server
    # The clerk registers a major application (a catalogue-major item) with a file.
    clerk = Staff(chromium, live_server, "clerk")
    page = clerk.page
    page.click("text=登记新申请")
    page.select_option("select[name=item]", "XK-003")
    page.select_option("select[name=applicant_type]", "legal_person")
    page.fill("input[name=applicant_name]", "鞍山矿业开发有限公司")
    page.fill("input[name=applicant_code]", "91210300MA0QC4XB9B")
    page.fill("input[name=project_name]", "某铁矿采矿权登记")
    material = tmp_path / "采矿权申请登记书.pdf"
    material.write_bytes(b"%PDF-1.4\n% application form\n")
    page.set_input_files("input[name=files]", str(material))
    page.click("button.primary")
    page.wait_for_selector("h1")
    case_no = page.locator("h1").inner_text().split(" ")[0]
    assert case_no.startswith("XK-") and "采矿权申请登记书.pdf" in page.content()

    clerk.open_task(case_no, "收件")
    choose(page, "outcome", "accept")
    choose(page, "materials_complete", "true")
    assert "审查" in clerk.submit()
    clerk.shot("01-task-list-after-intake")

    # The reviewer reviews; a first submit without an opinion shows the error beside the field.
    reviewer = Staff(chromium, live_server, "reviewer")
    reviewer.open_task(case_no, "审查")
    fill_facts(reviewer.page, opinion="")
    reviewer.page.click("button[value=submit]")
    reviewer.page.wait_for_selector("#field-opinion .error")
    assert "此项为必填项" in reviewer.page.locator("#field-opinion .error").inner_text()
    assert reviewer.page.input_value("input[name=investment]") == "12000"  # nothing typed is lost
    reviewer.shot("02-task-form-validation-error")
    reviewer.page.fill("textarea[name=opinion]", "材料齐全，符合法定条件，拟准予许可。")
    assert "法制审核" in reviewer.submit()

    # Legal sends it back once; the reviewer amends and resubmits; legal approves.
    legal = Staff(chromium, live_server, "legal")
    legal.open_task(case_no, "法制审核")
    legal_review(legal.page, "revise", failed=("evidence",))
    assert "修改重报" in legal.submit()

    reviewer.open_task(case_no, "修改重报")
    reviewer.page.fill("textarea[name=amendment]", "已补充现场核查记录和影像资料。")
    fill_facts(reviewer.page)
    assert "法制审核" in reviewer.submit()

    legal.open_task(case_no, "法制审核")
    legal_review(legal.page, "approve")
    assert "专业审查委员会" in legal.submit()

    # The secretary records the committee meeting (a legal-staff attendee is required).
    secretary = Staff(chromium, live_server, "secretary")
    secretary.open_task(case_no, "专业审查委员会")
    page = secretary.page
    page.fill("input[name=meeting_date]", "2026-11-24")
    for username in ("leader", "counsel", "reviewer2"):
        page.check(f"input[name=attendees][value={username}]")
    choose(page, "quorum_met", "true")
    page.fill("textarea[name=minutes]", "会议听取汇报，经讨论一致同意。")
    choose(page, "conclusion", "pass")
    page.click("button[value=submit]")
    page.wait_for_selector("#field-attendees .error")  # no legal staff among the attendees
    page.check("input[name=attendees][value=legal2]")
    page.click("button[value=submit]")
    page.wait_for_selector("#field-attendees .error")  # legal2's enforcement certificate expired on 2026-06-30
    assert "钱法制" in page.inner_text("#field-attendees .error")
    page.uncheck("input[name=attendees][value=legal2]")
    page.check("input[name=attendees][value=legal]")
    assert "签发审查结论" in secretary.submit()

    # The leader signs the conclusion and decides.
    leader = Staff(chromium, live_server, "leader")
    leader.open_task(case_no, "签发审查结论")
    leader.page.fill("textarea[name=sign_opinion]", "同意委员会结论。")
    choose(leader.page, "signed", "true")
    assert "决定" in leader.submit()
    leader.open_task(case_no, "决定")
    page = leader.page
    choose(page, "decision", "grant")
    page.fill("input[name=decision_date]", f.TODAY)  # no 文号 to type: the register numbers the decision
    page.fill("input[name=valid_until]", f.VALID_UNTIL)
    page.fill("textarea[name=opinion]", "同意准予许可。")
    assert "准予行政许可决定书" in page.content() and "预览" in page.content()  # what this step will issue
    leader.shot("05-decide-task-documents")
    assert "送达" in leader.submit()

    # The case page: status, major reason, timeline in plain words, files and the diagram.
    page.goto(f"{server}/cases/{case_no}")
    content = page.content()
    assert "待送达" in content and "目录清单所列重大执法决定事项" in content
    assert "执法文书" in content and "鞍行审许字〔" in content and "鞍审证〔" in content  # the documents issued
    assert "第 1 轮法制审核结论" in content and "第 2 轮法制审核结论" in content
    assert page.locator("[data-element-id=decide].done, [data-element-id=decide] .done").count() + \
        page.locator(".done[data-element-id=decide]").count() >= 1
    leader.shot("03-case-page")
    clerk.page.goto(f"{server}/?scope=available")
    clerk.shot("04-clerk-task-list")

    # English is one click away, and stays the user's choice.
    page.click("button[name=lang][value=en]")
    page.wait_for_selector("text=Sign out")
    assert "Record of the case" in page.content() and "Awaiting delivery" in page.content()
    leader.shot("05-case-page-english")
    page.click("button[name=lang][value=zh]")
    for staff in (clerk, reviewer, legal, secretary, leader):
        staff.context.close()

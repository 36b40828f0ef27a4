"""The licence register's pages and the withdrawal form in Chromium at desk and phone width (screenshots), under
the Content-Security-Policy, in Chinese and in English."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support.chromium import shot, sign_in
from tests.support.licences import apply_on, decided_case

pytestmark = pytest.mark.browser
NUMBER = "鞍审证〔2026〕第0001号"


def signed_in(chromium, server, username, width):
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    # (the browser's own favicon request 404s: pages' resources are watched as responses below)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
            and not msg.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda res: errors.append(f"{res.status} {res.url}") if res.status >= 400 else None)
    sign_in(page, server, "clerk" if username is None else username)
    return context, page, errors


@pytest.mark.parametrize("width", [1440, 390])
def test_the_licence_pages_at_desk_and_phone_width(chromium, live_server, api, width):
    decided_case(api)
    decided_case(api, item="XK-001", day="2026-03-23")
    assert apply_on(api, "XK-002-BG", NUMBER, "2026-05-06", licence_scope="预包装食品销售；热食类食品制售"
                    ).status_code == 201
    context, page, errors = signed_in(chromium, live_server, "reviewer", width)
    page.goto(f"{live_server}/licences")
    page.wait_for_selector("table.licences")
    assert page.locator("table.licences tbody tr").count() == 2
    # nothing wider than the screen but the table's own scroll box
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"licences-list-{width}")
    page.click(f"text={NUMBER}")
    page.wait_for_selector("dl.licence")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert "食品经营许可证" in text and "2031-03-19" in text and "刘局长" in text
    shot(page, f"licence-detail-{width}")
    page.click("dl.licence a[href^='/cases/']")
    page.wait_for_selector("#licence")
    shot(page, f"case-licence-panel-{width}")
    page.goto(f"{live_server}/licences/{quote(NUMBER)}")
    page.goto(f"{live_server}/licences/{quote(NUMBER)}")
    if not page.is_visible("button[name=lang][value=en]"):
        page.click("label.nav-button")  # at phone width the menu is folded behind its button
    page.click("button[name=lang][value=en]")
    page.wait_for_selector("dl.licence")
    english = page.inner_text("body")
    assert "Licence number" in english and "Licence history" in english and "Valid" in english
    shot(page, f"licence-detail-en-{width}")
    context.close()
    assert not errors, errors


def test_the_withdrawal_form_on_the_case_page(chromium, live_server, api):
    case_no = api.new_case()["case_no"]
    context, page, errors = signed_in(chromium, live_server, "clerk", 1440)
    page.goto(f"{live_server}/cases/{case_no}")
    page.click("details.withdrawal summary")
    page.fill("input[name=request_ref]", "撤回申请书 2026-017")
    page.fill("input[name=reason]", "申请人决定暂不开业，书面申请撤回")
    shot(page, "withdrawal-form")
    page.click("details.withdrawal button")
    page.wait_for_selector("dl.withdrawal")
    assert "已撤回申请" in page.inner_text("body")
    shot(page, "withdrawal-done")
    context.close()
    assert not errors, errors


def test_the_revocation_diagram_opens_in_the_editor(chromium, live_server):
    from app.designer.web_editor import vendor_installed
    if not vendor_installed("bpmn"):
        pytest.skip("bpmn-js is not installed (make setup runs npm ci)")
    context, page, errors = signed_in(chromium, live_server, "designer", 1440)
    page.goto(f"{live_server}/designer/revocation/edit")
    page.wait_for_selector(".djs-container")
    page.wait_for_selector('[data-element-id="hearing_notice"]')
    page.wait_for_timeout(300)
    for element in ("inquiry", "hearing_notice", "call_major_decision", "decide", "publish"):
        assert page.locator(f'[data-element-id="{element}"]').count() >= 1, element
    shot(page, "revocation-editor")
    page.goto(f"{live_server}/designer/revocation/v1")
    page.wait_for_timeout(300)
    shot(page, "revocation-diagram")
    context.close()
    assert not errors, errors

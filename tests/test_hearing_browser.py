"""The hearing as its users see it (Chromium): the host's 举行听证 page with the hearing record beside the form,
on a desktop and a 390 px phone; the case page's hearing panel; the new diagram in the browser editor."""
from __future__ import annotations

import pytest

from app.designer.web_editor import vendor_installed
from tests.support import forms as f
from tests.support.chromium import missing, shot, sign_in
from tests.support.flows import accepted_case, at

pytestmark = pytest.mark.browser


def case_at_the_hearing(api):
    case_no = accepted_case(api, "2026-03-02")
    with at("2026-03-03"):
        api.complete(case_no, "review", "reviewer", f.review(hearing_needed="major_interests"))
    with at("2026-03-04"):
        api.complete(case_no, "hearing_notice", "reviewer", f.HEARING_NOTICE)
    with at("2026-03-11"):
        api.complete(case_no, "hearing_request", "clerk", f.hearing_request("2026-03-11"))
    with at("2026-03-12"):
        api.complete(case_no, "hearing_arrange", "reviewer", f.hearing_arrange())
    return case_no


@pytest.mark.parametrize("width, lang", [(1440, "zh"), (390, "zh"), (1440, "en")])
def test_the_hosts_hearing_page(api, chromium, live_server, width, lang):
    case_no = case_at_the_hearing(api)
    task = api.open_task(case_no, "hearing_hold")
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    sign_in(page, live_server, "reviewer2")
    page.goto(f"{live_server}/tasks/{task['id']}?lang={lang}")
    body = page.inner_text("body")
    if lang == "zh":
        assert "听证记录" in body and "孙审查" in body and "市行政审批局三楼听证室" in body
        assert "回避" in body and "听证笔录" in body and "2026-04-09" in body  # the 20-working-day limit
    else:
        assert "Hearing record" in body and "Request window" in body, body
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"horizontal scroll at {width}px: {scroll}"
    shot(page, f"hearing_hold_{lang}_{width}")
    page.goto(f"{live_server}/cases/{case_no}?lang={lang}")
    assert page.locator("#hearing").count() == 1
    shot(page, f"hearing_case_{lang}_{width}")
    assert errors == []
    context.close()


def test_the_hearing_diagram_opens_in_the_browser_editor(chromium, live_server):
    if not vendor_installed():
        missing("bpmn-js is not installed (make setup runs npm ci)")
    context = chromium.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, "designer")
    page.goto(f"{live_server}/designer/hearing/edit")
    page.wait_for_selector("#modeler-app[data-ready='1']")
    for element in ("hearing_notice", "hearing_request", "hearing_arrange", "hearing_hold", "gw_held"):
        assert page.locator(f".djs-element[data-element-id={element}]").count() == 1, element
    page.click(".djs-shape[data-element-id=hearing_hold]")
    assert page.locator("#modeler-panel select[name=kind]").input_value() == "hearing_hold"
    shot(page, "hearing_editor")
    assert errors == []
    context.close()

"""Pages of issue 11 part B as their users see them (Chromium): the administrator's principal-head section and
the publication desk showing an item's publication exception, on a desktop and a 390 px phone."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from app.extensions import db
from tests.support import forms as f
from tests.support.chromium import shot, sign_in
from tests.support.flows import at

pytestmark = pytest.mark.browser
BASIS = "《某某条例》第十二条：涉及国防设施的许可决定不予公开"


@pytest.mark.parametrize("width", [1440, 390])
def test_principal_head_section_and_publication_exception(app, api, chromium, live_server, width):
    from app.catalogue.models import ServiceItem
    from app.users.models import User, UserRole
    with app.app_context():
        deputy = User(username="leader2", full_name="马副局长", role_rows=[UserRole(role="leader")])
        deputy.set_password("demo")
        db.session.add(deputy)
        db.session.execute(update(ServiceItem).where(ServiceItem.code == "XK-002").values(publication_exception=BASIS))
        db.session.commit()
    with at("2026-03-02"):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
        api.complete(case_no, "review", "reviewer", f.review())
        api.complete(case_no, "decide", "leader", {**f.DECIDE_GRANT, "decision_date": "2026-03-02"})
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/users/leader2")
    page.fill("input[name=until]", "2099-12-31")
    page.fill("input[name=ref]", "鞍行审任〔2026〕5号")
    page.click("text=指定代行主要负责人职责")
    page.wait_for_load_state()
    body = page.inner_text("body")
    assert "代行主要负责人职责至 2099-12-31" in body and "指定代行主要负责人职责" in body
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    shot(page, f"principal_admin_{width}")
    page.goto(f"{live_server}/admin/users/leader")
    assert "主要负责人" in page.inner_text("#principal + p")
    context.close()

    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/publications")
    assert "另有规定" in page.inner_text("body")
    page.click("a:text-is('审核')")
    page.wait_for_load_state()
    assert BASIS in page.inner_text("body")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    shot(page, f"publication_exception_{width}")
    context.close()

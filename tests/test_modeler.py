"""The browser editor (流程设计 → 在浏览器中编辑): bpmn-js from node_modules behind an allow-list, the
session/CSRF-protected deploy endpoint, and — with Playwright driving Chromium — a designer renaming a step,
deploying it with a change note, and seeing a forbidden condition refused and highlighted.

The browser test is skipped where no Chromium is installed; REQUIRE_BROWSER=1 (CI) makes that a failure.
"""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from app.definitions.service import latest_versions
from app.designer import registry
from app.designer.web_editor import VENDOR_FILES, vendor_installed
from app.engine.definitions import compile_bundle, read_source
from tests.support.chromium import missing, shot


def latest(app, key="standard_permit"):
    with app.app_context():
        return registry.latest_version(key).version


def stored(app, key, version):
    with app.app_context():
        v = registry.get_version(key, version)
        return {"content": v.content, "deployed_by": v.deployed_by, "filename": v.filename}

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"|name="csrf_token" value="([^"]+)"')
FORBIDDEN = "__import__('os')"


def standard_xml() -> str:
    return (ROOT / "bpmn" / "standard_permit.bpmn").read_text(encoding="utf-8")


class Session:
    """A signed-in browser session (cookies) without a browser: for the JSON endpoint."""

    def __init__(self, app, username: str | None):
        self.client = app.test_client()
        self.token = self._token("/login")
        if username:
            res = self.client.post("/login", data={"username": username, "password": "demo",
                                                   "csrf_token": self.token})
            assert res.status_code == 302, res.get_data(as_text=True)[:500]
            self.token = self._token("/designer") if username else self.token

    def _token(self, url: str) -> str:
        m = CSRF.search(self.client.get(url).get_data(as_text=True))
        return m.group(1) or m.group(2)

    def deploy(self, xml: str, note: str = "改名", csrf: bool = True, key: str = "standard_permit", **extra):
        headers = {"X-CSRFToken": self.token} if csrf else {}
        return self.client.post(f"/designer/{key}/deploy-xml", json={"xml": xml, "note": note, **extra},
                                headers=headers)


# ------------------------------------------------------------------------------------------ vendor route

def test_vendor_serves_only_the_allow_list(client):
    if not vendor_installed():
        pytest.skip("node_modules not installed (make setup runs npm ci)")
    res = client.get("/vendor/bpmn-js/bpmn-modeler.production.min.js")
    assert res.status_code == 200 and res.mimetype == "text/javascript" and b"BpmnJS" in res.data[:100000]
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/vendor/bpmn-js/assets/bpmn-font/css/bpmn.css").mimetype == "text/css"
    assert client.get("/vendor/bpmn-js/assets/bpmn-font/font/bpmn.woff2").status_code == 200
    for path in VENDOR_FILES:
        assert client.get(f"/vendor/{path}").status_code == 200, path


@pytest.mark.parametrize("path", [
    "/vendor/../../app/config.py", "/vendor/../app/config.py", "/vendor/bpmn-js/../../app/config.py",
    "/vendor/%2e%2e/%2e%2e/app/config.py", "/vendor/bpmn-js/..%2f..%2f..%2fapp%2fconfig.py",
    "/vendor/bpmn-js/package.json", "/vendor/bpmn-js/dist/bpmn-modeler.production.min.js",
    "/vendor/bpmn-js/bpmn-modeler.development.js", "/vendor/moddle/package.json", "/vendor/", "/vendor/bpmn-js",
    "/vendor//etc/passwd", "/vendor/bpmn-js/assets/../../../../app/config.py",
])
def test_vendor_refuses_everything_else(client, path):
    res = client.get(path, follow_redirects=True)  # werkzeug merges "//" with a redirect first
    assert res.status_code == 404, path
    assert b"SECRET_KEY" not in res.data


# ------------------------------------------------------------------------------------------ editor page

def test_editor_page_for_designers_only(app):
    designer = Session(app, "designer")
    version_page = designer.client.get("/designer/standard_permit/v1").get_data(as_text=True)
    assert "在浏览器中编辑" in version_page and "/designer/standard_permit/edit?from=1" in version_page
    res = designer.client.get("/designer/standard_permit/edit?from=1")
    page = res.get_data(as_text=True)
    assert res.status_code == 200
    assert "/vendor/bpmn-js/bpmn-modeler.production.min.js" in page and "designer-editor.js" in page
    assert "校验并部署" in page and 'name="csrf-token"' in page
    embedded = json.loads(re.search(r'<script type="application/json" id="diagram-xml">(.*?)</script>', page,
                                    re.S).group(1))
    assert embedded == stored(app, "standard_permit", 1)["content"].decode("utf-8")
    assert designer.client.get("/designer/standard_permit/edit?from=99").status_code == 404
    assert designer.client.get("/designer/major_item/edit").status_code == 200  # a decision table: dmn-js
    assert designer.client.get("/designer/nope/edit").status_code == 404

    clerk = Session(app, "clerk")
    assert clerk.client.get("/designer/standard_permit/edit").status_code == 403
    assert "在浏览器中编辑" not in clerk.client.get("/designer/standard_permit/v1").get_data(as_text=True)
    anonymous = app.test_client().get("/designer/standard_permit/edit")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


# ------------------------------------------------------------------------------------------ deploy-xml

def test_deploy_xml_needs_csrf_session_and_designer_role(app):
    xml = standard_xml().replace('name="公示"', 'name="公示公告"')
    designer = Session(app, "designer")
    assert designer.deploy(xml, csrf=False).status_code == 400  # CSRF token missing
    res = designer.client.post("/designer/standard_permit/deploy-xml", json={"xml": xml, "note": "x"},
                               headers={"X-CSRFToken": "forged"})
    assert res.status_code == 400

    anonymous = Session(app, None)
    assert anonymous.deploy(xml).status_code == 401
    for user in ("clerk", "leader", "supervisor"):
        res = Session(app, user).deploy(xml)
        assert res.status_code == 403 and res.get_json()["error"] == "forbidden", user
    # a bearer token is not a session: the JSON API's token does not open this endpoint
    tok = app.test_client().post("/api/auth/token", json={"username": "designer", "password": "demo"}).get_json()
    res = app.test_client().post("/designer/standard_permit/deploy-xml", json={"xml": xml, "note": "x"},
                                 headers={"Authorization": f"Bearer {tok['token']}"})
    assert res.status_code == 400
    assert latest(app) == 1


def test_deploy_xml_creates_a_version_with_the_note(app):
    designer = Session(app, "designer")
    xml = standard_xml().replace('name="公示"', 'name="公示公告"')
    res = designer.deploy(xml, note="")
    assert res.status_code == 422 and "note" in res.get_json()["fields"]
    res = designer.deploy(xml, validate=True)  # only checks
    assert res.status_code == 200 and res.get_json() == {"valid": True, "errors": []}
    assert latest(app) == 1

    res = designer.deploy(xml, note="“公示”更名为“公示公告”")
    assert res.status_code == 201, res.get_json()
    created = res.get_json()["created"][0]
    assert created["version"] == 2 and created["note"] == "“公示”更名为“公示公告”"
    v2 = stored(app, "standard_permit", 2)
    assert v2 == {"content": xml.encode(), "deployed_by": "designer", "filename": "standard_permit.bpmn"}
    page = designer.client.get("/designer").get_data(as_text=True)
    assert "“公示”更名为“公示公告”" in page
    assert designer.deploy(xml, note="again").status_code == 200  # unchanged: no new version
    assert latest(app) == 2


def test_deploy_xml_returns_problems_with_element_ids(app):
    designer = Session(app, "designer")
    bad = standard_xml().replace(">onsite_needed == True<", f">{FORBIDDEN}<")
    for validate in (True, False):
        res = designer.deploy(bad, validate=validate)
        assert res.status_code == 422
        errors = res.get_json()["errors"]
        assert any(e["element_id"] == "flow_onsite" for e in errors), errors
    # another process id would be another definition: refused here
    res = designer.deploy(standard_xml().replace('id="standard_permit"', 'id="other_permit"')
                          .replace('processRef="standard_permit"', 'processRef="other_permit"'))
    assert res.status_code == 422 and res.get_json()["errors"][0]["element_id"] == "other_permit"
    res = designer.deploy("<not-xml", note="x")
    assert res.status_code == 422 and res.get_json()["errors"]
    res = designer.client.post("/designer/standard_permit/deploy-xml", json={"note": "x"},
                               headers={"X-CSRFToken": designer.token})
    assert res.status_code == 422
    assert latest(app) == 1


# ------------------------------------------------------------------------------------------ in the browser

@pytest.fixture
def editor(chromium, live_server):
    """Chromium on the app, with bpmn-js installed (make setup runs npm ci)."""
    if not vendor_installed():
        missing("bpmn-js is not installed (make setup runs npm ci)")
    return chromium, live_server


def _task_metas(app, key: str, version: int) -> dict:
    with app.app_context():
        others = [read_source(v.filename, v.content) for k, v in latest_versions().items() if k != key]
        v = registry.get_version(key, version)
        return compile_bundle(others + [read_source(v.filename, v.content)]).tasks


@pytest.mark.browser
def test_designer_edits_and_deploys_in_the_browser(app, editor):
    chromium, server = editor
    context = chromium.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "designer")
    page.fill("input[name=password]", "demo")
    page.click("button.primary")
    page.wait_for_url(f"{server}/**")

    # From the version page into the editor; the diagram is drawn by bpmn-js.
    page.goto(f"{server}/designer/standard_permit/v1")
    page.click("text=在浏览器中编辑")
    page.wait_for_selector("#modeler-app[data-ready='1']")
    assert page.locator(".djs-element[data-element-id=publish]").count() == 1

    # Rename the publish step through the side panel.
    page.click(".djs-shape[data-element-id=publish]")
    name = page.locator("#modeler-panel input[name=name]")
    assert name.input_value() == "公示"
    assert page.locator("#modeler-panel select[name=kind]").input_value() == "publish"
    assert page.locator("#modeler-panel .field-card").count() >= 1  # the form editor shows its fields
    name.fill("公示公告")
    name.press("Tab")
    assert page.evaluate("approvalModeler.get('elementRegistry').get('publish').businessObject.name") == "公示公告"
    page.fill("#change-note", "“公示”更名为“公示公告”")
    page.click("#deploy-btn")
    page.wait_for_selector(".modeler-status.ok")
    assert "第 2 版" in page.locator(".modeler-status").inner_text()

    # The registry lists version 2 with the note; nothing but the name changed in what the server reads.
    page.click(".modeler-status a")
    page.wait_for_selector("#def-standard_permit")
    assert "“公示”更名为“公示公告”" in page.locator("#def-standard_permit").inner_text() or \
        "“公示”更名为“公示公告”" in page.content()
    old, new = _task_metas(app, "standard_permit", 1), _task_metas(app, "standard_permit", 2)
    assert new.keys() == old.keys()
    assert new[("standard_permit", "publish")].title == "公示公告"
    for task in old:
        expected = old[task]
        if task == ("standard_permit", "publish"):
            expected = dataclasses.replace(expected, title="公示公告")
        assert new[task] == expected, task  # kinds, due days, instructions, forms: a lossless round trip

    # A forbidden condition set on a flow in the side panel is refused, listed and highlighted.
    page.goto(f"{server}/designer/standard_permit/edit")
    page.wait_for_selector("#modeler-app[data-ready='1']")
    box = page.locator(".djs-connection[data-element-id=flow_onsite]").bounding_box()  # a flat line: no "visible"
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    condition = page.locator("#modeler-panel textarea[name=condition]")
    assert condition.input_value() == "onsite_needed == True"
    condition.fill(FORBIDDEN)
    condition.press("Tab")
    page.fill("#change-note", "试一个不允许的条件")
    page.click("#deploy-btn")
    page.wait_for_selector(".modeler-status.error")
    problems = page.locator("#modeler-problems")
    assert problems.is_visible()
    assert problems.locator("tr[data-element-id=flow_onsite]").count() >= 1
    assert "lint-error" in page.get_attribute(".djs-connection[data-element-id=flow_onsite]", "class")
    problems.locator("tr[data-element-id=flow_onsite]").first.click()
    page.wait_for_timeout(200)
    shot(page, "13-modeler")
    assert latest(app) == 2
    assert not errors, errors
    context.close()


# ------------------------------------------------------------------------------------------ decision tables (dmn-js)

def major_item_xml() -> str:
    return (ROOT / "rules" / "major_item.dmn").read_text(encoding="utf-8")


def test_dmn_editor_page_for_designers_only(app):
    designer = Session(app, "designer")
    version_page = designer.client.get("/designer/major_item/v1").get_data(as_text=True)
    assert "在浏览器中编辑" in version_page and "/designer/major_item/edit?from=1" in version_page
    res = designer.client.get("/designer/major_item/edit")
    page = res.get_data(as_text=True)
    assert res.status_code == 200
    assert "/vendor/dmn-js/dmn-modeler.production.min.js" in page and "designer-dmn-editor.js" in page
    assert "/vendor/dmn-js/assets/dmn-js-decision-table.css" in page and "bpmn-modeler" not in page
    assert "只校验" in page and "校验并部署" in page and 'name="csrf-token"' in page
    embedded = json.loads(re.search(r'<script type="application/json" id="diagram-xml">(.*?)</script>', page,
                                    re.S).group(1))
    assert embedded == stored(app, "major_item", 1)["content"].decode("utf-8")
    assert designer.client.get("/designer/major_item/edit?from=99").status_code == 404

    clerk = Session(app, "clerk")
    assert clerk.client.get("/designer/major_item/edit").status_code == 403
    assert "在浏览器中编辑" not in clerk.client.get("/designer/major_item/v1").get_data(as_text=True)


def test_vendor_serves_the_dmn_js_files(client):
    if not vendor_installed("dmn"):
        pytest.skip("dmn-js not installed (make setup runs npm ci)")
    res = client.get("/vendor/dmn-js/dmn-modeler.production.min.js")
    assert res.status_code == 200 and res.mimetype == "text/javascript" and b"DmnJS" in res.data[:2000]
    assert client.get("/vendor/dmn-js/assets/dmn-font/css/dmn.css").mimetype == "text/css"
    assert client.get("/vendor/dmn-js/assets/dmn-font/font/dmn.woff2").status_code == 200
    for path in ("/vendor/dmn-js/package.json", "/vendor/dmn-js/dmn-modeler.development.js",
                 "/vendor/dmn-js/dist/dmn-modeler.production.min.js", "/vendor/dmn-js/../bpmn-js/package.json"):
        assert client.get(path, follow_redirects=True).status_code == 404, path


def _without_catch_all(xml: str) -> str:
    start = xml.index('<rule id="Rule_8">')
    end = xml.index("</rule>", start) + len("</rule>")
    return xml[:start] + xml[end:]


def test_dmn_deploy_xml_refuses_a_table_without_catch_all(app):
    designer = Session(app, "designer")
    bad = _without_catch_all(major_item_xml())
    for validate in (True, False):
        res = designer.deploy(bad, note="删掉兜底规则", key="major_item", validate=validate)
        assert res.status_code == 422, res.get_json()
        errors = res.get_json()["errors"]
        assert any(e["rule"] == "catch-all" and e["element_id"] == "DecisionTable_major_item" and e["message"]
                   for e in errors), errors
    # another decision id would be another decision table
    res = designer.deploy(major_item_xml().replace('decision id="major_item"', 'decision id="other_item"')
                          .replace('dmnElementRef="major_item"', 'dmnElementRef="other_item"'),
                          note="x", key="major_item")
    assert res.status_code == 422 and res.get_json()["errors"][0]["element_id"] == "other_item"
    # a process is not a decision table
    res = designer.deploy(standard_xml(), note="x", key="major_item")
    assert res.status_code == 422
    assert latest(app, "major_item") == 1


def test_dmn_deploy_xml_creates_version_2(app):
    designer = Session(app, "designer")
    xml = major_item_xml().replace("&gt;= 10000", "&gt;= 20000")
    assert xml != major_item_xml()
    res = designer.deploy(xml, key="major_item", validate=True)
    assert res.status_code == 200 and res.get_json() == {"valid": True, "errors": []}
    res = designer.deploy(xml, note="投资额门槛调整为 20000 万元", key="major_item")
    assert res.status_code == 201, res.get_json()
    created = res.get_json()["created"][0]
    assert created["key"] == "major_item" and created["version"] == 2
    v2 = stored(app, "major_item", 2)
    assert v2 == {"content": xml.encode(), "deployed_by": "designer", "filename": "major_item.dmn"}
    assert designer.deploy(xml, note="again", key="major_item").status_code == 200  # unchanged
    assert latest(app, "major_item") == 2


@pytest.mark.browser
def test_designer_edits_a_decision_table_in_the_browser(app, editor):
    chromium, server = editor
    if not vendor_installed("dmn"):
        pytest.skip("dmn-js not installed (make setup runs npm ci)")
    context = chromium.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "designer")
    page.fill("input[name=password]", "demo")
    page.click("button.primary")
    page.wait_for_url(f"{server}/**")

    page.goto(f"{server}/designer/major_item/v1")
    page.click("text=在浏览器中编辑")
    page.wait_for_selector("#modeler-app[data-ready='1']")
    page.wait_for_selector(".tjs-table")
    cell = page.locator("td[data-element-id=Rule_4_in_investment]")
    assert cell.is_visible() and cell.inner_text().strip() == ">= 10000"

    # Edit the cell in place: click, select its text, type.
    cell.click()
    editable = cell.locator("[contenteditable]").first
    editable.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(">= 20000")
    page.locator("#change-note").click()  # leaves the cell
    page.wait_for_timeout(200)
    assert cell.inner_text().strip() == ">= 20000"
    page.fill("#change-note", "投资额门槛调整为 20000 万元")
    page.click("#deploy-btn")
    page.wait_for_selector(".modeler-status.ok, .modeler-status.error")
    assert "第 2 版" in page.locator(".modeler-status").inner_text(), page.locator(".modeler-status").inner_text()
    assert latest(app, "major_item") == 2
    content = stored(app, "major_item", 2)["content"].decode("utf-8")
    assert "&gt;= 20000" in content and "&gt;= 10000" not in content
    shot(page, "14-dmn-editor")
    page.click(".modeler-status a")
    page.wait_for_load_state()
    assert "/designer/major_item/v2" in page.url
    assert not errors, errors
    context.close()


@pytest.mark.browser
def test_editor_zooms_names_types_plainly_and_updates_its_header_after_deploying(app, editor):
    """Issue 12: zoom and fit controls, field types and properties in plain Chinese (the key shown small), the
    header's version after a deployment, and the registry's edit link."""
    chromium, server = editor
    context = chromium.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "designer")
    page.fill("input[name=password]", "demo")
    page.click("button.primary")
    page.wait_for_url(f"{server}/**")
    page.goto(f"{server}/designer")
    page.click("#def-standard_permit a.edit")
    page.wait_for_selector("#modeler-app[data-ready='1']")
    assert "基于第 1 版" in page.locator("#based-on").inner_text()
    before = page.evaluate("approvalModeler.get('canvas').zoom()")
    page.click(".zoom-controls [data-zoom=in]")
    assert page.evaluate("approvalModeler.get('canvas').zoom()") > before
    page.click(".zoom-controls [data-zoom=reset]")
    assert abs(page.evaluate("approvalModeler.get('canvas').zoom()") - 1) < 0.01
    page.click(".zoom-controls [data-zoom=fit]")
    page.click(".djs-shape[data-element-id=receive]")
    card = page.locator("#modeler-panel .field-card").first
    assert "单选 · choice" in card.locator("select[name=field-type]").inner_text()
    assert card.locator("small.tech-key", has_text="requiredIf").count() == 1
    assert page.locator("#modeler-panel .field-card[data-field=referral_agency] input[name=field-visibleIf]") \
        .input_value() == "outcome == 'reject'"
    shot(page, "issue12-designer-1440")
    page.fill("#change-note", "只改说明：检查版本标题")
    page.locator("#modeler-panel .field-card[data-field=comment] input[name=field-label]").fill("备注说明")
    page.locator("#modeler-panel .field-card[data-field=comment] input[name=field-label]").press("Tab")
    page.click("#deploy-btn")
    page.wait_for_selector(".modeler-status.ok")
    assert "基于第 2 版" in page.locator("#based-on").inner_text()
    assert not errors, errors
    context.close()

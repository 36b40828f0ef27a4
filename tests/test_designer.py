"""The process designer: deploying through the JSON API and the browser, the hash-chained deployment
records, the registry with running cases, version views, downloads and diffs, and the cockpit."""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html
from sqlalchemy import func, select, text, update

from app.cases.models import TaskItem
from app.definitions.models import DefinitionVersion
from app.designer.records import (
    DeploymentRecord,
    behind_the_triggers,
    verify_deployments,
)
from app.extensions import db
from tests.support.web import Browser

ROOT = Path(__file__).resolve().parents[1]
PERMIT = (ROOT / "bpmn" / "standard_permit.bpmn").read_bytes()
DMN = (ROOT / "rules" / "major_item.dmn").read_bytes()
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def variant(original: bytes, old: str, new: str) -> bytes:
    text_ = original.decode("utf-8")
    assert text_.count(old) == 1, old
    return text_.replace(old, new).encode("utf-8")


RENAMED = variant(PERMIT, '<bpmn:userTask id="receive" name="收件">', '<bpmn:userTask id="receive" name="收件登记">')
RENAMED_AND_CONDITION = variant(RENAMED, "onsite_needed == True</bpmn:conditionExpression>",
                                "onsite_needed == True and outcome == 'accept'</bpmn:conditionExpression>")
XXE = (XML_DECLARATION + '\n<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       + PERMIT.decode()[len(XML_DECLARATION):].replace('name="收件">', 'name="&xxe;">', 1)).encode()
IMPORTING = variant(PERMIT, "outcome == 'accept'</bpmn:conditionExpression>",
                    "__import__('os').system('id')</bpmn:conditionExpression>")


def upload(api, content: bytes, user="designer", filename="standard_permit.bpmn", note=None):
    data = {"file": (io.BytesIO(content), filename)}
    if note is not None:
        data["note"] = note
    return api.post("/api/definitions", user, data=data, content_type="multipart/form-data")


def version_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DefinitionVersion))


@pytest.fixture
def browser(app):
    return lambda user: Browser(app).login(user)


def page(res):
    return lxml_html.fromstring(res.get_data(as_text=True))


# ------------------------------------------------------------------------------------------ API deploy

def test_api_deploys_a_new_version_then_answers_200_for_the_same_content(api, app):
    before = version_count(app)
    first = upload(api, RENAMED, note="收件改名")
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert [(v["key"], v["version"], v["note"], v["deployed_by"]) for v in body["created"]] == [
        ("standard_permit", 2, "收件改名", "designer")]
    assert body["created"][0]["sha256"] == __import__("hashlib").sha256(RENAMED).hexdigest()
    assert version_count(app) == before + 1

    again = upload(api, RENAMED, note="again")
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["created"] == [] and [v["version"] for v in again.get_json()["unchanged"]] == [2]
    assert version_count(app) == before + 1
    with app.app_context():  # no record for the unchanged deployment
        assert db.session.scalar(select(func.count()).where(DeploymentRecord.key == "standard_permit")) == 2


def test_api_refuses_non_designers_and_anonymous_callers(api, app):
    before = version_count(app)
    for user in ("clerk", "supervisor", "admin"):
        res = upload(api, RENAMED, user=user)
        assert res.status_code == 403, user
        assert res.get_json()["error"] == "designer_required"
    assert api.post("/api/definitions", data={"file": (io.BytesIO(RENAMED), "x.bpmn")},
                    content_type="multipart/form-data").status_code == 401
    assert version_count(app) == before


def test_api_answers_422_not_500_for_an_entity_file(api, app):
    before = version_count(app)
    res = upload(api, XXE)
    assert res.status_code == 422
    body = res.get_json()
    assert body["error"] == "definition_invalid" and "DOCTYPE" in body["errors"][0]["message"]
    assert "root:" not in res.get_data(as_text=True)
    assert version_count(app) == before


def test_api_names_the_element_of_a_forbidden_expression(api, app):
    res = upload(api, IMPORTING)
    assert res.status_code == 422
    errors = res.get_json()["errors"]
    assert {"element_id", "message"} <= set(errors[0])
    assert [e["element_id"] for e in errors] == ["gw_intake"]
    assert "unsafe" in errors[0]["message"]


def test_api_refuses_policy_violations_with_element_ids(api):
    straight = variant(PERMIT, 'sourceRef="gw_major" targetRef="call_major_decision"',
                       'sourceRef="gw_major" targetRef="gw_decide_merge"')
    res = upload(api, straight)
    assert res.status_code == 422
    errors = res.get_json()["errors"]
    assert {(e["element_id"], e["rule"]) for e in errors} >= {("decide", "major-path"),
                                                            ("call_major_decision", "unreachable")}
    assert all(e["element_name"] for e in errors if e["element_id"] == "decide")


def test_api_without_a_file_is_a_422_with_a_reason(api):
    res = api.post("/api/definitions", "designer", data={"note": "x"}, content_type="multipart/form-data")
    assert res.status_code == 422 and "file" in res.get_json()["fields"]


def test_api_lists_definitions_and_serves_a_version(api):
    res = api.get("/api/definitions", "clerk")
    assert res.status_code == 200
    keys = [d["key"] for d in res.get_json()["definitions"]]
    assert keys[:3] == ["complaint", "revocation", "standard_permit"]  # main processes first, by key
    assert set(keys) >= {"standard_permit", "major_decision", "major_item", "complaint"}
    content = api.get("/api/definitions/major_item/versions/1", "clerk")
    assert content.status_code == 200 and content.data == DMN
    assert api.get("/api/definitions/major_item/versions/9", "clerk").status_code == 404
    spec = api.get("/api/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/definitions"] and "Deploy" in spec["components"]["schemas"]


# ------------------------------------------------------------------------------------------ deployment records

def test_the_deploy_chain_verifies_and_finds_a_tampered_row(api, app):
    assert upload(api, RENAMED, note="v2").status_code == 201
    with app.app_context():
        result = verify_deployments()
        assert result.valid, result
        seq = db.session.scalar(select(DeploymentRecord.seq).where(DeploymentRecord.key == "standard_permit",
                                                                   DeploymentRecord.version == 2))
        # the database refuses changes ...
        with pytest.raises(Exception):
            db.session.execute(text(f"UPDATE deployment_record SET note = 'x' WHERE seq = {seq}"))
            db.session.commit()
        db.session.rollback()
        with pytest.raises(Exception):
            db.session.execute(text(f"DELETE FROM deployment_record WHERE seq = {seq}"))
            db.session.commit()
        db.session.rollback()
        # ... so go behind its triggers, as someone with database access could
        behind_the_triggers([f"UPDATE deployment_record SET note = 'nothing changed' WHERE seq = {seq}"])
        result = verify_deployments()
        assert not result.valid and result.first_invalid_seq == seq and "altered" in result.reason
        runner = app.test_cli_runner()
        out = runner.invoke(args=["definitions", "verify"])
        assert out.exit_code == 1 and f"record #{seq}" in out.output
        db.session.remove()


def test_verify_finds_a_cut_tail_and_a_diagram_changed_in_place(api, app):
    assert upload(api, RENAMED).status_code == 201
    with app.app_context():
        seq = db.session.scalar(select(func.max(DeploymentRecord.seq)))
        behind_the_triggers([f"DELETE FROM deployment_record WHERE seq = {seq}"])
        result = verify_deployments()
        assert not result.valid and "no deployment record" in result.reason
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["definitions", "verify"]).exit_code == 1
        db.session.remove()


def test_verify_finds_content_changed_behind_the_registry(app, ctx):
    assert verify_deployments().valid
    db.session.execute(update(DefinitionVersion).where(DefinitionVersion.key == "major_item")
                       .values(content=DMN.replace(b"10000", b"99999")))
    db.session.commit()
    try:
        result = verify_deployments()
        assert not result.valid and "major_item v1" in result.reason
    finally:
        db.session.execute(update(DefinitionVersion).where(DefinitionVersion.key == "major_item").values(content=DMN))
        db.session.commit()


def test_cli_deploy_needs_the_designer_role(app, tmp_path):
    path = tmp_path / "standard_permit.bpmn"
    path.write_bytes(RENAMED)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["definitions", "deploy", str(path), "--as", "clerk"])
    assert refused.exit_code != 0 and "designer" in refused.output
    done = runner.invoke(args=["definitions", "deploy", str(path), "--as", "designer", "--note", "cli"])
    assert done.exit_code == 0 and "standard_permit v2" in done.output, done.output
    with app.app_context():
        rec = db.session.scalar(select(DeploymentRecord).order_by(DeploymentRecord.seq.desc()).limit(1))
        assert (rec.actor, rec.key, rec.version, rec.note, rec.action) == ("designer", "standard_permit", 2, "cli",
                                                                          "deploy")
        assert verify_deployments().valid


# ------------------------------------------------------------------------------------------ registry

def running_count(doc, key: str, version: int) -> int:
    cell = doc.xpath(f'//section[@id="def-{key}"]//tr[@data-version="{version}"]/td[contains(@class,"running-count")]')
    assert cell, (key, version)
    return int(cell[0].text_content().strip())


def test_registry_lists_versions_with_running_case_counts(api, browser):
    api.new_case()
    api.new_case()
    assert upload(api, RENAMED, note="收件改名").status_code == 201
    api.new_case()  # on v2
    done = api.new_case()
    api.complete(done["case_no"], "receive", "clerk", {"outcome": "reject", "reject_reason": "不属于本机关职权"})

    res = browser("clerk").get("/designer")  # everyone signed in may read
    assert res.status_code == 200
    doc = page(res)
    assert running_count(doc, "standard_permit", 1) == 2
    assert running_count(doc, "standard_permit", 2) == 1  # the rejected one is finished
    assert running_count(doc, "major_item", 1) == 3  # via the cases' bundles
    assert running_count(doc, "major_decision", 1) == 3
    row = doc.xpath('//section[@id="def-standard_permit"]//tr[@data-version="2"]')[0].text_content()
    assert "收件改名" in row and "吴设计" in row
    assert not doc.xpath('//form[contains(@action, "/designer/deploy")]')  # clerks cannot deploy
    assert "流程设计" not in page(browser("clerk").get("/")).xpath("//header//nav")[0].text_content()
    assert "流程设计" in page(browser("designer").get("/")).xpath("//header//nav")[0].text_content()


def test_download_returns_the_exact_bytes_with_the_file_name(browser):
    b = browser("reviewer")
    res = b.get("/designer/standard_permit/v1/download")
    assert res.status_code == 200 and res.data == PERMIT
    assert "attachment" in res.headers["Content-Disposition"]
    assert "standard_permit.bpmn" in res.headers["Content-Disposition"]
    assert res.headers["X-Content-SHA256"] == __import__("hashlib").sha256(PERMIT).hexdigest()
    assert b.get("/designer/standard_permit/v7/download").status_code == 404


def test_version_pages_show_the_diagram_and_the_decision_table(browser):
    b = browser("leader")
    res = b.get("/designer/standard_permit/v1")
    assert res.status_code == 200
    doc = page(res)
    assert doc.xpath('//svg[contains(@class, "bpmn-diagram")]') or "<svg" in res.get_data(as_text=True)
    assert not doc.xpath("//svg//a")  # read-only: no links
    table = page(b.get("/designer/major_item/v1"))
    assert len(table.xpath('//table[contains(@class, "decision")]//tbody/tr')) == 8


def test_diff_lists_a_renamed_task_and_a_changed_condition(api, app, browser):
    assert upload(api, RENAMED_AND_CONDITION, note="改名并修改条件").status_code == 201
    res = browser("designer").get("/designer/standard_permit/diff?from=1&to=2")
    assert res.status_code == 200
    doc = page(res)
    name_row = doc.xpath('//tr[@data-element-id="receive"][@data-what="name"]')[0].text_content()
    assert "收件" in name_row and "收件登记" in name_row
    cond_row = doc.xpath('//tr[@data-element-id="flow_onsite"][@data-what="condition"]')[0].text_content()
    assert "onsite_needed == True and outcome == 'accept'" in cond_row

    out = app.test_cli_runner().invoke(args=["definitions", "diff", "standard_permit", "1", "2"])
    assert out.exit_code == 0, out.output
    assert "~ userTask receive “收件登记”" in out.output and "name: 收件 → 收件登记" in out.output
    assert "condition: onsite_needed == True → onsite_needed == True and outcome == 'accept'" in out.output
    missing = app.test_cli_runner().invoke(args=["definitions", "diff", "standard_permit", "1", "9"])
    assert missing.exit_code != 0 and "v9" in missing.output


def test_diff_of_a_decision_table_lists_rule_cells_and_form_fields(app, ctx):
    from app.designer.diffing import diff_sources
    from app.engine.definitions import read_source
    new_dmn = DMN.replace(b"&gt;= 10000", b"&gt;= 5000")
    d = diff_sources(read_source("a.dmn", DMN), read_source("a.dmn", new_dmn), "major_item", 1, 2)
    assert [(c.id, ch.what, ch.old, ch.new) for c in d.changed for ch in c.changes] == [
        ("Rule_4", "input:投资额（万元）", ">= 10000", ">= 5000")]
    form = variant(PERMIT, 'label="档案号" labelEn="Archive number"', 'label="档案编号" labelEn="Archive number"')
    d = diff_sources(read_source("p.bpmn", PERMIT), read_source("p.bpmn", form), "standard_permit", 1, 2)
    assert [(c.id, ch.what) for c in d.changed for ch in c.changes] == [("archive", "form:archive_no")]


# ------------------------------------------------------------------------------------------ deploying in the browser

def test_a_designer_deploys_from_the_browser(browser, app):
    b = browser("designer")
    b.get("/designer")
    res = b.post("/designer/deploy", {"file": (io.BytesIO(RENAMED), "standard_permit.bpmn"), "note": "网页部署"},
                 content_type="multipart/form-data")
    assert res.status_code == 302
    with app.app_context():
        latest = db.session.scalar(select(DefinitionVersion).where(DefinitionVersion.key == "standard_permit")
                                   .order_by(DefinitionVersion.version.desc()).limit(1))
        assert (latest.version, latest.note, latest.deployed_by, latest.content) == (2, "网页部署", "designer", RENAMED)
    assert "已部署" in b.get("/designer").get_data(as_text=True)


def test_a_refused_browser_deploy_lists_the_problems(browser, app):
    b = browser("designer")
    b.get("/designer")
    before = version_count(app)
    res = b.post("/designer/deploy", {"file": (io.BytesIO(IMPORTING), "standard_permit.bpmn"), "note": "bad"},
                 content_type="multipart/form-data")
    assert res.status_code == 422
    doc = page(res)
    assert doc.xpath('//table[contains(@class, "lint")]//tr[@data-element-id="gw_intake"]')
    assert version_count(app) == before


def test_only_designers_deploy_from_the_browser(browser, app):
    b = browser("leader")
    b.get("/designer")
    before = version_count(app)
    res = b.post("/designer/deploy", {"file": (io.BytesIO(RENAMED), "standard_permit.bpmn")},
                 content_type="multipart/form-data")
    assert res.status_code == 403
    assert version_count(app) == before


def test_the_deployment_log_page_shows_the_chain_state(browser, api):
    assert upload(api, RENAMED, note="日志").status_code == 201
    res = browser("clerk").get("/designer/log")
    assert res.status_code == 200
    doc = page(res)
    assert doc.xpath('//div[contains(@class, "verify") and contains(@class, "success")]')
    assert "日志" in res.get_data(as_text=True)


# ------------------------------------------------------------------------------------------ cockpit

def test_cockpit_counts_open_and_overdue_tasks_per_step_with_links(api, app, browser):
    first, _second = api.new_case(), api.new_case()
    with app.app_context():
        db.session.execute(update(TaskItem).where(TaskItem.case_id == db.session.scalar(
            text("SELECT id FROM approval_case WHERE case_no = :n"), {"n": first["case_no"]}))
            .values(due_at=dt.date(2020, 1, 1)))
        db.session.commit()
    res = browser("clerk").get("/designer/standard_permit/cockpit")
    assert res.status_code == 200
    doc = page(res)
    row = doc.xpath('//tr[@data-step="receive"]')[0]
    assert row.xpath('.//td[contains(@class,"open-count")]')[0].text_content().strip() == "2"
    assert row.xpath('.//td[contains(@class,"overdue-count")]')[0].text_content().strip() == "1"
    svg = res.get_data(as_text=True)
    assert re.search(r'data-element-id="receive"', svg)
    assert 'data-count="2"' in svg and 'data-overdue="1"' in svg
    assert "/?scope=available&amp;step=receive" in svg or "/?scope=available&step=receive" in svg
    sup = browser("supervisor").get("/designer/standard_permit/cockpit").get_data(as_text=True)
    assert "/supervision?view=open&amp;step=receive" in sup
    assert browser("clerk").get("/designer/major_item/cockpit").status_code == 404

"""Moving running cases to a new definition version (app.designer.migration): dry run with reasons, one
case or all that can move, the projection re-synced, the execution record, API, web page and CLI."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.cases.models import Case, TaskItem
from app.definitions.models import DefinitionVersion
from app.designer.deploy import deploy
from app.extensions import db
from app.records import verify_case
from tests.support import forms as f
from tests.support.flows import finish_after_decision
from tests.support.web import Browser

ROOT = Path(__file__).resolve().parents[1]
MAJOR = (ROOT / "bpmn" / "major_decision.bpmn").read_bytes()
PERMIT = (ROOT / "bpmn" / "standard_permit.bpmn").read_bytes()


def variant(original: bytes, *replacements: tuple[str, str]) -> bytes:
    text = original.decode("utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, f"snippet not unique in the file: {old!r}"
        text = text.replace(old, new)
    return text.encode("utf-8")


def element(original: bytes, start: str, end: str) -> str:
    text = original.decode("utf-8")
    assert text.count(start) == 1, start
    i = text.index(start)
    return text[i:text.index(end, i) + len(end)]


NOTIFY_TASK = """<bpmn:userTask id="notify_applicant" name="告知申请人">
      <bpmn:extensionElements>
        <spiffworkflow:instructionsForEndUser>将法制审核结论书面告知申请人。</spiffworkflow:instructionsForEndUser>
        <appr:form>
          <appr:field name="notice_ref" type="text" required="true" label="告知书编号" labelEn="Notice reference"/>
        </appr:form>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_legal_approve</bpmn:incoming>
      <bpmn:outgoing>flow_notified</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_notified" sourceRef="notify_applicant" targetRef="gw_complex"/>
    <bpmn:exclusiveGateway id="gw_complex\""""

# major_decision v2: 告知申请人 (legal lane) after legal review approves, before the counsel gateway.
WITH_NOTIFY = variant(
    MAJOR,
    ('sourceRef="gw_legal" targetRef="gw_complex">', 'sourceRef="gw_legal" targetRef="notify_applicant">'),
    ("<bpmn:incoming>flow_legal_approve</bpmn:incoming>\n      <bpmn:outgoing>flow_counsel</bpmn:outgoing>",
     "<bpmn:incoming>flow_notified</bpmn:incoming>\n      <bpmn:outgoing>flow_counsel</bpmn:outgoing>"),
    ('<bpmn:exclusiveGateway id="gw_complex"', NOTIFY_TASK),
    ("<bpmn:flowNodeRef>gw_complex</bpmn:flowNodeRef>",
     "<bpmn:flowNodeRef>gw_complex</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>notify_applicant</bpmn:flowNodeRef>"),
    ('<bpmndi:BPMNShape id="counsel_di" bpmnElement="counsel">',
     '<bpmndi:BPMNShape id="notify_applicant_di" bpmnElement="notify_applicant">\n'
     '        <dc:Bounds x="745" y="380" width="80" height="36"/>\n      </bpmndi:BPMNShape>\n'
     '      <bpmndi:BPMNEdge id="flow_notified_di" bpmnElement="flow_notified">\n'
     '        <di:waypoint x="825" y="398"/>\n        <di:waypoint x="860" y="360"/>\n'
     '      </bpmndi:BPMNEdge>\n'
     '      <bpmndi:BPMNShape id="counsel_di" bpmnElement="counsel">'),
)

# standard_permit v2: the on-site check is gone (the gateway keeps only its default flow).
WITHOUT_ONSITE = variant(
    PERMIT,
    (element(PERMIT, '<bpmn:userTask id="onsite_check"', "</bpmn:userTask>") + "\n", ""),
    ("<bpmn:flowNodeRef>onsite_check</bpmn:flowNodeRef>\n", ""),
    ("<bpmn:outgoing>flow_onsite</bpmn:outgoing>\n", ""),
    ("<bpmn:incoming>flow_onsite_done</bpmn:incoming>\n", ""),
    (element(PERMIT, '<bpmn:sequenceFlow id="flow_onsite" ', "</bpmn:sequenceFlow>") + "\n", ""),
    (element(PERMIT, '<bpmn:sequenceFlow id="flow_onsite_done"', "/>") + "\n", ""),
    (element(PERMIT, '<bpmndi:BPMNShape id="onsite_check_di"', "</bpmndi:BPMNShape>") + "\n", ""),
    (element(PERMIT, '<bpmndi:BPMNEdge id="flow_onsite_di"', "</bpmndi:BPMNEdge>") + "\n", ""),
    (element(PERMIT, '<bpmndi:BPMNEdge id="flow_onsite_done_di"', "</bpmndi:BPMNEdge>") + "\n", ""),
)


@pytest.fixture(autouse=True)
def fresh_bundle_cache():
    from app.definitions import service as definition_service
    definition_service.clear_bundle_cache()
    yield
    definition_service.clear_bundle_cache()


def deploy_as_designer(app, filename: str, content: bytes) -> int:
    with app.app_context():
        result = deploy([(filename, content)], "designer", "test: " + filename)
        assert result.created, "nothing deployed"
        return result.created[0].version


def at_legal_review(api) -> str:
    case_no = api.new_case(item="XK-003")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review())
    api.open_task(case_no, "legal_review")
    return case_no


def at_onsite_check(api) -> str:
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", {**f.ACCEPT, "onsite_needed": True})
    api.open_task(case_no, "onsite_check")
    return case_no


def dry_run(api, key: str, user="supervisor", **params) -> dict:
    res = api.get(f"/api/definitions/{key}/migration", user, query_string=params)
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def by_case(plan: dict) -> dict:
    return {c["case_no"]: c for c in plan["cases"]}


def records(api, case_no: str) -> list[dict]:
    return api.get(f"/api/cases/{case_no}/records", "supervisor").get_json()["records"]


# ------------------------------------------------------------------------------------------ the case

def test_a_case_at_legal_review_moves_to_a_version_with_an_added_step_and_completes(api, app):
    case_no = at_legal_review(api)
    legal_task_id = api.open_task(case_no, "legal_review")["id"]
    before = api.case(case_no)
    assert before["process_version"] == 1
    assert deploy_as_designer(app, "major_decision.bpmn", WITH_NOTIFY) == 2

    plan = dry_run(api, "major_decision")
    assert plan["to_version"] == 2 and plan["movable"] == 1 and plan["refused"] == 0
    row = by_case(plan)[case_no]
    assert row["can_move"] and row["current_steps"] == ["法制审核"] and row["open_after"] == ["法制审核"]
    assert "notify_applicant" in plan["changes"]["added"] and plan["changes"]["removed"] == []
    with app.app_context():  # a dry run writes nothing
        case = db.session.scalar(select(Case).where(Case.case_no == case_no))
        old_bundle, records_before = case.bundle, case.records_count

    res = api.post("/api/definitions/major_decision/migration", "supervisor",
                   json={"version": 2, "case_no": case_no})
    assert res.status_code == 200, res.get_json()
    assert [c["case_no"] for c in res.get_json()["moved"]] == [case_no]

    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_no == case_no))
        assert case.bundle != old_bundle and case.records_count > records_before
        versions = {v.key: v.version for v in db.session.scalars(select(DefinitionVersion))
                    if str(v.id) in case.bundle.split(",")}
        assert versions["major_decision"] == 2 and versions["standard_permit"] == 1
        assert verify_case(case).valid
        # the open legal review survived (same task, same row, still claimable)
        assert [t.id for t in db.session.scalars(select(TaskItem).where(
            TaskItem.case_id == case.id, TaskItem.state == "READY"))] == [legal_task_id]

    migrated = [r for r in records(api, case_no) if r["action"] == "case_migrated"]
    assert len(migrated) == 1
    payload = migrated[0]["payload"]
    assert migrated[0]["actor"] == "supervisor" and migrated[0]["role"] == "supervisor"
    assert payload["from"]["bundle"] == old_bundle and payload["to"]["bundle"] == case.bundle
    assert payload["definitions"] == {"major_decision": {"from": 1, "to": 2}}
    assert payload["from"]["versions"]["major_decision"] == 1 and payload["to"]["versions"]["major_decision"] == 2
    assert payload["added"] == ["notify_applicant"] and payload["removed"] == []
    assert "gw_legal" in payload["changed"]

    # the case now runs the new version to the end
    result = api.complete(case_no, "legal_review", "legal", f.legal_review())
    assert [t["name"] for t in result["next_tasks"]] == ["notify_applicant"]
    assert [t["name"] for t in api.case(case_no)["tasks"]] == ["notify_applicant"]
    assert api.open_task(case_no, "notify_applicant")["role"] == "legal"
    api.complete(case_no, "notify_applicant", "legal", {"notice_ref": "GZ-2026-01"})
    api.complete(case_no, "committee", "secretary", f.committee())
    api.complete(case_no, "sign_conclusion", "leader", f.SIGN)
    api.complete(case_no, "decide", "leader", f.DECIDE_GRANT)
    assert finish_after_decision(api, case_no)["case"]["status"] == "completed"

    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_no == case_no))
        assert verify_case(case).valid and case.archived_at is not None
    # nothing left to move once it has finished
    assert dry_run(api, "major_decision")["cases"] == []


def test_dry_run_lists_a_case_that_cannot_move_with_the_reason(api, app):
    stuck = at_onsite_check(api)
    fine = api.new_case()["case_no"]  # at intake: the removed step is ahead of it
    deploy_as_designer(app, "standard_permit.bpmn", WITHOUT_ONSITE)

    plan = by_case(dry_run(api, "standard_permit"))
    assert set(plan) == {stuck, fine}
    assert not plan[stuck]["can_move"] and plan[stuck]["current_steps"] == ["现场核查"]
    assert [r["code"] for r in plan[stuck]["reasons"]] == ["open_step_removed"]
    assert "现场核查" in plan[stuck]["reasons"][0]["message"] and "删除" in plan[stuck]["reasons"][0]["message"]
    english = api.get("/api/definitions/standard_permit/migration?lang=en", "supervisor").get_json()
    assert "was removed" in by_case(english)[stuck]["reasons"][0]["message"]
    assert plan[fine]["can_move"]

    # moving the stuck one is refused with the reason, and nothing is written
    with app.app_context():
        count = db.session.scalar(select(Case.records_count).where(Case.case_no == stuck))
    res = api.post("/api/definitions/standard_permit/migration", "supervisor", json={"case_no": stuck})
    assert res.status_code == 409 and res.get_json()["error"] == "migration_refused"
    assert res.get_json()["errors"][0]["code"] == "open_step_removed"
    with app.app_context():
        assert db.session.scalar(select(Case.records_count).where(Case.case_no == stuck)) == count

    # "all" moves only the one that can
    res = api.post("/api/definitions/standard_permit/migration", "supervisor", json={"all": True})
    body = res.get_json()
    assert res.status_code == 200 and [c["case_no"] for c in body["moved"]] == [fine]
    assert [c["case_no"] for c in body["refused"]] == [stuck]
    assert api.case(fine)["process_version"] == 2 and api.case(stuck)["process_version"] == 1
    assert set(by_case(dry_run(api, "standard_permit"))) == {stuck}

    # the moved case runs on without the on-site step; the stuck one finishes on its old version
    api.complete(fine, "receive", "clerk", {**f.ACCEPT, "onsite_needed": True})
    assert [t["name"] for t in api.case(fine)["tasks"]] == ["review"]
    with app.app_context():
        for case in db.session.scalars(select(Case)):
            assert verify_case(case).valid


def test_only_a_supervisor_moves_cases(api, app, browser):
    case_no = at_legal_review(api)
    deploy_as_designer(app, "major_decision.bpmn", WITH_NOTIFY)
    for user in ("designer", "clerk", "legal", "admin"):
        assert api.get("/api/definitions/major_decision/migration", user).status_code == 403
        res = api.post("/api/definitions/major_decision/migration", user, json={"case_no": case_no})
        assert res.status_code == 403, (user, res.get_json())
    assert api.get("/api/definitions/major_decision/migration").status_code == 401
    designer = browser("designer")
    assert designer.get("/designer/major_decision/migrate").status_code == 403
    designer.get("/designer")  # a page with the session's form token
    assert designer.post("/designer/major_decision/migrate", {"case_no": case_no}).status_code == 403
    assert "/designer/major_decision/migrate" not in designer.get("/designer").get_data(as_text=True)
    assert api.case(case_no)["process_version"] == 1
    assert not [r for r in records(api, case_no) if r["action"] == "case_migrated"]


def test_only_the_latest_version_is_a_target(api, app):
    at_legal_review(api)
    deploy_as_designer(app, "major_decision.bpmn", WITH_NOTIFY)
    res = api.get("/api/definitions/major_decision/migration?version=1", "supervisor")
    assert res.status_code == 409 and res.get_json()["error"] == "not_latest_version"
    assert api.get("/api/definitions/nothing_such/migration", "supervisor").status_code == 404


# ------------------------------------------------------------------------------------------ web and CLI

@pytest.fixture
def browser(app):
    return lambda user: Browser(app).login(user)


def test_the_migration_page_shows_the_dry_run_and_moves_one_case(api, app, browser):
    movable = at_legal_review(api)
    deploy_as_designer(app, "major_decision.bpmn", WITH_NOTIFY)
    b = browser("supervisor")
    registry = b.get("/designer").get_data(as_text=True)
    assert "/designer/major_decision/migrate" in registry
    page = b.get("/designer/major_decision/migrate").get_data(as_text=True)
    assert "迁移运行中案件" in page and movable in page and "法制审核" in page and "notify_applicant" in page
    res = b.post("/designer/major_decision/migrate", {"case_no": movable}, follow_redirects=True)
    assert res.status_code == 200 and "已迁移" in res.get_data(as_text=True)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_no == movable))
        assert verify_case(case).valid
    assert [r for r in records(api, movable) if r["action"] == "case_migrated"]
    assert "没有需要迁移的运行中案件" in b.get("/designer/major_decision/migrate").get_data(as_text=True)


def test_cli_dry_run_and_migrate_all(api, app):
    case_no = at_legal_review(api)
    deploy_as_designer(app, "major_decision.bpmn", WITH_NOTIFY)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["definitions", "migrate", "major_decision", "--to", "2", "--all", "--as", "designer"])
    assert refused.exit_code != 0 and "supervisor" in refused.output
    dry = runner.invoke(args=["definitions", "migrate", "major_decision", "--to", "2", "--all", "--dry-run",
                              "--as", "supervisor"])
    assert dry.exit_code == 0, dry.output
    assert case_no in dry.output and "can move" in dry.output
    with app.app_context():
        bundle_before = db.session.scalar(select(Case.bundle).where(Case.case_no == case_no))
    done = runner.invoke(args=["definitions", "migrate", "major_decision", "--to", "2", "--case", case_no,
                               "--as", "supervisor"])
    assert done.exit_code == 0, done.output
    assert f"moved {case_no}" in done.output
    with app.app_context():
        assert db.session.scalar(select(Case.bundle).where(Case.case_no == case_no)) != bundle_before

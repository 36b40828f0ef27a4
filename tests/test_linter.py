"""The designer's policy linter (app.designer.linter): the shipped diagrams pass, and each rule refuses
its bad diagram — from lint() itself, from deploy() (422, nothing stored) and from `flask definitions lint`."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.core.errors import InvalidData
from app.designer.deploy import deploy
from app.designer.linter import lint_files

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
PERMIT = (ROOT / "bpmn" / "standard_permit.bpmn").read_bytes()
MAJOR = (ROOT / "bpmn" / "major_decision.bpmn").read_bytes()
DMN = (ROOT / "rules" / "major_item.dmn").read_bytes()
HEARING = (ROOT / "bpmn" / "hearing.bpmn").read_bytes()
SHIPPED = [("standard_permit.bpmn", PERMIT), ("major_decision.bpmn", MAJOR), ("major_item.dmn", DMN),
           ("hearing.bpmn", HEARING)]


def variant(original: bytes, old: str, new: str) -> bytes:
    text = original.decode("utf-8")
    assert text.count(old) == 1, f"snippet not unique in the file: {old!r}"
    return text.replace(old, new).encode("utf-8")


def fixture(name: str) -> bytes:
    return (DATA / name).read_bytes()


def with_shipped(name: str, content: bytes) -> list[tuple[str, bytes]]:
    return [(n, c) for n, c in SHIPPED if n != name] + [(name, content)]


def by_rule(problems, rule: str) -> list:
    return [p for p in problems if p.rule == rule]


# The brief's two bad diagrams: the committee is skipped inside the called process, and the gateway
# routes major cases straight to the decision.
APPROVE_TO_END = variant(MAJOR, 'id="flow_legal_approve" name="同意" sourceRef="gw_legal" targetRef="gw_complex"',
                         'id="flow_legal_approve" name="同意" sourceRef="gw_legal" targetRef="end"')
MAJOR_STRAIGHT_TO_DECIDE = variant(
    PERMIT, 'id="flow_major" name="重大" sourceRef="gw_major" targetRef="call_major_decision"',
    'id="flow_major" name="重大" sourceRef="gw_major" targetRef="gw_decide_merge"')


# ------------------------------------------------------------------------------------------ good files

@pytest.mark.parametrize("major_processes", [None, set(), {"standard_permit"}])
def test_the_shipped_files_pass_every_rule(major_processes):
    assert lint_files(SHIPPED, major_processes=major_processes) == []


def test_a_small_compliant_fixture_passes():
    assert lint_files([("lint_ok.bpmn", fixture("lint_ok.bpmn"))]) == []


def test_conditions_over_every_option_of_a_required_choice_field_count_as_covering():
    # `in` and `or` forms cover options too
    ok = variant(fixture("lint_gateway_uncovered.bpmn"), "verdict == 'ok'", "verdict in ('ok', 'later')")
    assert lint_files([("g.bpmn", ok)]) == []
    ok = variant(fixture("lint_gateway_uncovered.bpmn"), "verdict == 'bad'", "verdict == 'bad' or verdict == 'later'")
    assert lint_files([("g.bpmn", ok)]) == []


# ------------------------------------------------------------------------------------------ 1. major path

def test_a_called_process_that_skips_the_committee_is_refused():
    problems = lint_files(with_shipped("major_decision.bpmn", APPROVE_TO_END))
    major = by_rule(problems, "major-path")
    assert len(major) == 1, problems
    p = major[0]
    assert (p.element_id, p.element_name, p.file) == ("decide", "决定", "standard_permit.bpmn")
    assert "committee" in p.message and "legal_review" not in p.message.split("path:")[0]
    # the path shows how: through the legal review, then out of the called process without a meeting
    assert "major_decision:legal_review" in p.message and "major_decision:end" in p.message
    assert "committee（" not in p.message.split("path:")[1]


def test_a_gateway_routing_major_cases_straight_to_decide_is_refused():
    problems = lint_files(with_shipped("standard_permit.bpmn", MAJOR_STRAIGHT_TO_DECIDE))
    major = by_rule(problems, "major-path")
    assert {(p.element_id, p.message.split(";")[0].split("without passing a ")[1]) for p in major} == {
        ("decide", 'legal_review task (kind="legal_review")'), ("decide", 'committee task (kind="committee")')}
    assert "classify（重大执法决定判定） → gw_major（是否重大） → gw_decide_merge" in major[0].message
    # the call activity is now unreachable as well
    assert [p.element_id for p in by_rule(problems, "unreachable")] == ["call_major_decision"]


def test_a_timer_on_the_legal_review_that_escapes_to_the_decision_is_a_bypass():
    # A boundary event fires while the task runs: it leaves without the legal review being completed.
    timer = ('<bpmn:boundaryEvent id="review_timeout" name="审核超时" attachedToRef="legal_review">'
             '<bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P7D"'
             '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
             '<bpmn:sequenceFlow id="flow_timeout" sourceRef="review_timeout" targetRef="end"/>')
    bad = variant(MAJOR, '<bpmn:endEvent id="end" name="审核完成">', timer + '<bpmn:endEvent id="end" name="审核完成">')
    problems = lint_files(with_shipped("major_decision.bpmn", bad))
    assert {p.message.split(";")[0].split("without passing a ")[1] for p in by_rule(problems, "major-path")} == {
        'legal_review task (kind="legal_review")', 'committee task (kind="committee")'}


def test_the_non_major_default_flow_is_not_checked_but_a_catalogue_major_start_is():
    # gw_major's default is the non-major branch: a major case takes `is_major == True` surely.
    assert by_rule(lint_files(SHIPPED), "major-path") == []
    # Without the rule task, a catalogue-major case would run from the start straight to the decision.
    no_rule = variant(PERMIT, '<bpmn:sequenceFlow id="flow_to_classify" sourceRef="gw_hearing_merge" targetRef="classify"/>',
                      '<bpmn:sequenceFlow id="flow_to_classify" sourceRef="gw_hearing_merge" targetRef="gw_decide_merge"/>')
    files = with_shipped("standard_permit.bpmn", no_rule)
    assert by_rule(lint_files(files, major_processes=set()), "major-path") == []
    assert {p.element_id for p in by_rule(lint_files(files, major_processes={"standard_permit"}), "major-path")} == {
        "decide"}


def test_a_default_flow_that_a_major_case_may_take_is_checked():
    # Only complex major cases go to review: the default flow is now possible for a major case.
    bad = variant(PERMIT, "is_major == True</bpmn:conditionExpression>",
                  "is_major == True and complex == True</bpmn:conditionExpression>")
    problems = by_rule(lint_files(with_shipped("standard_permit.bpmn", bad)), "major-path")
    assert len(problems) == 2 and all("flow" not in p.element_id for p in problems)


# ------------------------------------------------------------------------------------------ 2. lanes and forms

def test_a_user_task_in_a_lane_that_is_no_role_is_named():
    problems = lint_files([("lint_lane_form.bpmn", fixture("lint_lane_form.bpmn"))])
    lane = by_rule(problems, "lane-role")
    assert [(p.element_id, p.element_name) for p in lane] == [("check", "审查")]


def test_a_user_task_without_a_form_is_named():
    bad = fixture("lint_ok.bpmn").decode().split("<appr:form>")[0] + "</bpmn:extensionElements>" + \
        fixture("lint_ok.bpmn").decode().split("</appr:form></bpmn:extensionElements>")[1]
    problems = lint_files([("lint_ok.bpmn", bad.encode())])
    assert [(p.rule, p.element_id) for p in problems if p.rule == "form"] == [("form", "check")]


def test_an_unknown_task_kind_is_refused(app):
    # Task kinds are declared by the features (app.core.vocabulary); a misspelt kind would run no step rule.
    bad = variant(PERMIT, 'kind="review"', 'kind="reveiw"')
    problems = lint_files(with_shipped("standard_permit.bpmn", bad))
    assert [(p.rule, p.element_id, p.element_name) for p in problems] == [("kind", "review", "审查")]
    assert "reveiw" in problems[0].message
    assert lint_files(with_shipped("standard_permit.bpmn", PERMIT)) == []


# ------------------------------------------------------------------------------- 3. gateways, dead ends, reachability

def test_a_gateway_without_default_whose_conditions_miss_an_option_is_refused():
    problems = lint_files([("lint_gateway_uncovered.bpmn", fixture("lint_gateway_uncovered.bpmn"))])
    assert [(p.rule, p.element_id, p.element_name) for p in problems] == [("gateway", "gw_verdict", "审查结论")]
    assert "verdict == 'later'" in problems[0].message and "default flow" in problems[0].message


def test_a_condition_on_a_field_nobody_sets_needs_a_default_flow():
    bad = variant(PERMIT, "outcome == 'accept'</bpmn:conditionExpression>",
                  "intake_result == 'accept'</bpmn:conditionExpression>")
    problems = lint_files(with_shipped("standard_permit.bpmn", bad))
    assert [(p.rule, p.element_id) for p in problems] == [("gateway", "gw_intake")]


def test_a_dead_end_is_refused():
    problems = lint_files([("lint_dead_end.bpmn", fixture("lint_dead_end.bpmn"))])
    assert [(p.rule, p.element_id, p.element_name) for p in problems] == [("dead-end", "note", "记录")]


def test_an_unreachable_element_is_refused():
    problems = lint_files([("lint_unreachable.bpmn", fixture("lint_unreachable.bpmn"))])
    assert [(p.rule, p.element_id, p.element_name) for p in problems] == [("unreachable", "orphan", "孤立任务")]


# ------------------------------------------------------------------------------------------ 4. decisions

def test_a_business_rule_task_naming_a_missing_decision_is_refused():
    problems = lint_files([("lint_unknown_decision.bpmn", fixture("lint_unknown_decision.bpmn"))])
    ref = by_rule(problems, "decision-ref")
    assert [(p.element_id, p.element_name) for p in ref] == [("classify", "判定")]
    assert "no_such_decision" in ref[0].message


def test_a_decision_table_without_a_catch_all_row_is_refused_even_when_no_process_uses_it():
    problems = lint_files([("lint_no_catch_all.dmn", fixture("lint_no_catch_all.dmn"))])
    assert [(p.rule, p.element_id, p.file) for p in problems] == [
        ("catch-all", "DecisionTable_lint_no_catch_all", "lint_no_catch_all.dmn")]


# ------------------------------------------------------------------------------------------ 5. diagram interchange

def test_elements_without_shapes_or_edges_are_refused():
    problems = lint_files([("lint_no_di.bpmn", fixture("lint_no_di.bpmn"))])
    assert {(p.rule, p.element_id) for p in problems} == {("di-shape", "end_bad"), ("di-edge", "flow_ok")}


# ------------------------------------------------------------------------------------------ other tools

def test_a_camunda_modeler_file_is_refused_saying_what_is_unsupported():
    problems = lint_files([("camunda_modeler.bpmn", fixture("camunda_modeler.bpmn"))])
    messages = {(p.element_id, p.message) for p in by_rule(problems, "unsupported")}
    assert any(e == "Task_review" and "camunda:candidateGroups is not supported: put the task in a lane named "
               "after a role" in m for e, m in messages)
    assert any(e == "Task_review" and "camunda:formKey is not supported: declare the form with appr:form" in m
               for e, m in messages)
    assert any(e == "Flow_yes" and "JUEL" in m for e, m in messages)
    assert any(p.element_id == "camunda_permit" and "no lanes" in p.message for p in by_rule(problems, "lane-role"))
    assert all(p.file == "camunda_modeler.bpmn" for p in problems)


# ------------------------------------------------------------------------------------------ deploy and CLI

@pytest.mark.parametrize("files", [
    pytest.param([("major_decision.bpmn", APPROVE_TO_END)], id="committee-skipped"),
    pytest.param([("standard_permit.bpmn", MAJOR_STRAIGHT_TO_DECIDE)], id="major-straight-to-decide"),
    pytest.param([("camunda_modeler.bpmn", fixture("camunda_modeler.bpmn"))], id="camunda"),
    pytest.param([("lint_no_di.bpmn", fixture("lint_no_di.bpmn"))], id="no-di"),
])
def test_deploy_runs_the_linter_and_stores_nothing(ctx, files):
    from sqlalchemy import func, select

    from app.definitions.models import DefinitionVersion
    from app.designer.records import DeploymentRecord
    from app.extensions import db
    before = (db.session.scalar(select(func.count()).select_from(DefinitionVersion)),
              db.session.scalar(select(func.count()).select_from(DeploymentRecord)))
    with pytest.raises(InvalidData) as exc:
        deploy(files, "designer", "bad")
    db.session.rollback()
    assert exc.value.status == 422 and exc.value.code == "definition_invalid"
    assert all(p["element_id"] for p in exc.value.problems if p["rule"] != "definition")
    assert before == (db.session.scalar(select(func.count()).select_from(DefinitionVersion)),
                      db.session.scalar(select(func.count()).select_from(DeploymentRecord)))


def test_cli_lint_prints_file_element_and_name_and_exits_non_zero(app, tmp_path):
    runner = app.test_cli_runner()
    good = runner.invoke(args=["definitions", "lint", str(ROOT / "bpmn" / "standard_permit.bpmn"),
                               str(ROOT / "bpmn" / "major_decision.bpmn"), str(ROOT / "rules" / "major_item.dmn")])
    assert good.exit_code == 0, good.output
    assert "0 problem(s)" in good.output

    bad_file = tmp_path / "major_decision.bpmn"
    bad_file.write_bytes(APPROVE_TO_END)
    bad = runner.invoke(args=["definitions", "lint", str(bad_file)])
    assert bad.exit_code == 1
    # the called process is checked with the deployed standard_permit that calls it
    assert "standard_permit.bpmn (deployed v1): decide “决定”: [major-path]" in bad.output
    assert f"{bad_file}: committee “专业审查委员会会议”: [unreachable]" in bad.output

    camunda = runner.invoke(args=["definitions", "lint", "--alone", str(DATA / "camunda_modeler.bpmn")])
    assert camunda.exit_code == 1
    assert "camunda_modeler.bpmn: Task_review “审查”: [unsupported]" in camunda.output
    assert "camunda:candidateGroups is not supported" in camunda.output

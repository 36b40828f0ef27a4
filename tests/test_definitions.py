"""Deploy-time validation of BPMN/DMN files and definition versioning."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cases.access import get_case, open_tasks
from app.cases.service import create_case
from app.core.errors import InvalidData
from app.core.roles import ROLE_CODES
from app.core.vocabulary import task_kinds
from app.definitions import service as definition_service
from app.definitions.models import DefinitionVersion
from app.definitions.service import latest_versions
from app.designer.deploy import deploy
from app.engine.definitions import (
    BPMN_NS,
    MAX_DEFINITION_BYTES,
    DefinitionError,
    compile_bundle,
    read_source,
)
from app.extensions import db
from app.users.models import User

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "bpmn").glob("*.bpmn")) + sorted((ROOT / "rules").glob("*.dmn"))
PERMIT = (ROOT / "bpmn" / "standard_permit.bpmn").read_bytes()
MAJOR = (ROOT / "bpmn" / "major_decision.bpmn").read_bytes()
HEARING = (ROOT / "bpmn" / "hearing.bpmn").read_bytes()
DMN = (ROOT / "rules" / "major_item.dmn").read_bytes()
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def variant(original: bytes, old: str, new: str) -> bytes:
    """``original`` with the one occurrence of ``old`` replaced (fails loudly if the snippet is not unique)."""
    text = original.decode("utf-8")
    assert text.count(old) == 1, f"snippet not unique in the file: {old!r}"
    return text.replace(old, new).encode("utf-8")


def element(original: bytes, start: str, end: str) -> str:
    """The text from ``start`` up to and including the first ``end`` after it."""
    text = original.decode("utf-8")
    assert text.count(start) == 1, start
    i = text.index(start)
    return text[i:text.index(end, i) + len(end)]


def with_doctype(original: bytes, doctype: str) -> str:
    text = original.decode("utf-8")
    assert text.startswith(XML_DECLARATION)
    return XML_DECLARATION + "\n" + doctype + text[len(XML_DECLARATION):]


def version_count() -> int:
    return db.session.scalar(select(func.count()).select_from(DefinitionVersion))


def refused(files: list[tuple[str, bytes]]) -> InvalidData:
    """Deploy ``files``, expect a 422 refusal, and check that nothing was stored."""
    before = version_count()
    with pytest.raises(InvalidData) as exc:
        deploy(files, "designer", "test")
    db.session.rollback()
    assert exc.value.status == 422
    assert exc.value.problems, exc.value.message
    assert version_count() == before
    return exc.value


def element_ids(error: InvalidData) -> set:
    return {p["element_id"] for p in error.problems}


def problem_for(error: InvalidData, element_id: str) -> dict:
    matches = [p for p in error.problems if p["element_id"] == element_id]
    assert matches, f"no problem names {element_id}: {error.problems}"
    return matches[0]


@pytest.fixture(autouse=True)
def fresh_bundle_cache():
    # Bundles are cached by definition version ids. clean_database deletes the versions a test deployed and
    # SQLite hands the same ids out again, so a bundle cached by an earlier test could be served for a
    # different file content. Start and end every test here with an empty cache.
    definition_service.clear_bundle_cache()
    yield
    definition_service.clear_bundle_cache()


# ------------------------------------------------------------------------------------------ shipped files

def test_the_shipped_files_compile_and_every_user_task_has_a_role_a_kind_and_a_form(ctx):
    sources = [read_source(p.name, p.read_bytes()) for p in SHIPPED]
    assert {(s.kind, s.key) for s in sources} == {
        ("bpmn", "standard_permit"), ("bpmn", "major_decision"), ("bpmn", "complaint"), ("bpmn", "hearing"),
        ("bpmn", "revocation"), ("dmn", "major_item")}
    bundle = compile_bundle(sources)
    assert set(bundle.specs) == {"standard_permit", "major_decision", "complaint", "hearing", "revocation"}

    user_tasks = {(s.key, node.get("id")) for s in sources if s.kind == "bpmn"
                  for node in s.root.iter(f"{{{BPMN_NS}}}userTask")}
    assert len(user_tasks) == 26  # 12 in the permit processes, 4 in complaint, 4 in the hearing, 6 in revocation
    assert set(bundle.tasks) == user_tasks
    for key, meta in bundle.tasks.items():
        assert meta.role in ROLE_CODES, key
        assert meta.kind in task_kinds(), key
        assert meta.form.fields, key
    assert bundle.task_meta("standard_permit", "receive").role == "clerk"
    assert bundle.task_meta("standard_permit", "decide").role == "leader"
    assert bundle.task_meta("major_decision", "legal_review").role == "legal"
    assert bundle.task_meta("major_decision", "committee").kind == "committee"
    onsite = bundle.task_meta("standard_permit", "onsite_check")
    assert onsite.requires_av and not bundle.task_meta("standard_permit", "review").requires_av


# ------------------------------------------------------------------------------------------ hostile XML

XXE = with_doctype(PERMIT, '<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>').replace(
    'name="收件">', 'name="&xxe;">', 1)
BILLION_LAUGHS = with_doctype(PERMIT, "<!DOCTYPE bpmn:definitions [" + '<!ENTITY lol0 "lol">' + "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)) + "]>").replace(
    'name="收件">', 'name="&lol9;">', 1)
# Declared but not used, so that the parser accepts the file and only the DOCTYPE check can refuse it.
UTF16_DOCTYPE = with_doctype(
    PERMIT, '<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>').replace(
    'encoding="UTF-8"', 'encoding="UTF-16"', 1).encode("utf-16")
UTF16_BILLION_LAUGHS = BILLION_LAUGHS.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1).encode("utf-16")
LATE_DOCTYPE = XML_DECLARATION + "<!--" + "x" * 5000 + "-->" + with_doctype(
    PERMIT, '<!DOCTYPE bpmn:definitions SYSTEM "http://127.0.0.1:9/evil.dtd">')[len(XML_DECLARATION):]


@pytest.mark.parametrize("content", [
    pytest.param(XXE.encode(), id="xxe"),
    pytest.param(BILLION_LAUGHS.encode(), id="billion-laughs"),
    pytest.param(UTF16_DOCTYPE, id="utf16-doctype"),
    pytest.param(LATE_DOCTYPE.encode(), id="doctype-after-4k-of-comment"),
])
def test_doctype_and_entities_are_refused(ctx, content):
    with pytest.raises(DefinitionError) as exc:
        read_source("standard_permit.bpmn", content)
    assert "DOCTYPE" in exc.value.problems[0].message

    error = refused([("standard_permit.bpmn", content)])
    assert "DOCTYPE" in error.problems[0]["message"]
    assert error.problems[0]["file"] == "standard_permit.bpmn"
    assert "root:" not in error.message


def test_utf16_hides_the_doctype_from_a_byte_search():
    assert b"<!DOCTYPE" not in UTF16_DOCTYPE and b"<!ENTITY" not in UTF16_DOCTYPE
    plain_utf16 = PERMIT.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1).encode("utf-16")
    assert read_source("standard_permit.bpmn", plain_utf16).key == "standard_permit"  # UTF-16 as such is fine


def test_utf16_billion_laughs_is_refused(ctx):
    with pytest.raises(DefinitionError):
        read_source("standard_permit.bpmn", UTF16_BILLION_LAUGHS)
    refused([("standard_permit.bpmn", UTF16_BILLION_LAUGHS)])


@pytest.mark.parametrize("content, message", [
    (b"this is not xml", "not well-formed XML"),
    (b"", "not well-formed XML"),
    (PERMIT[:2000], "not well-formed XML"),
    (b'<?xml version="1.0"?><html><body>hello</body></html>', "neither a BPMN nor a DMN file"),
    (b'<definitions xmlns="urn:something-else"/>', "neither a BPMN nor a DMN file"),
    (b"<x>" + b" " * MAX_DEFINITION_BYTES + b"</x>", "file too large"),
    (variant(PERMIT, 'isExecutable="true"', 'isExecutable="false"'), "exactly one executable process"),
])
def test_files_that_are_not_definitions_are_refused_with_a_clear_message(ctx, content, message):
    with pytest.raises(DefinitionError) as exc:
        read_source("upload.bpmn", content)
    assert message in exc.value.problems[0].message

    error = refused([("upload.bpmn", content)])
    assert message in error.problems[0]["message"]
    assert error.problems[0]["file"] == "upload.bpmn"
    assert error.code == "definition_invalid"


def test_a_file_of_exactly_the_maximum_size_is_not_refused_for_its_size():
    padded = PERMIT + b" " * (MAX_DEFINITION_BYTES - len(PERMIT))
    assert len(padded) == MAX_DEFINITION_BYTES
    assert read_source("standard_permit.bpmn", padded).key == "standard_permit"


# ------------------------------------------------------------------------------------------ bad diagrams

ACCEPT_CONDITION = "outcome == 'accept'</bpmn:conditionExpression>"
ARCHIVE_FORM = element(PERMIT, '<appr:form>\n          <appr:field name="archive_no"', "</appr:form>")
DELIVER_TASK = element(PERMIT, '<bpmn:userTask id="deliver"', "</bpmn:userTask>")


def test_a_gateway_condition_that_imports_is_refused_and_never_runs(ctx, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args) or 0)
    bad = variant(PERMIT, ACCEPT_CONDITION, "__import__('os').system('x')</bpmn:conditionExpression>")
    error = refused([("standard_permit.bpmn", bad)])
    assert element_ids(error) == {"gw_intake"}
    assert "unsafe" in problem_for(error, "gw_intake")["message"]
    assert problem_for(error, "gw_intake")["file"] == "standard_permit.bpmn"
    assert calls == []


@pytest.mark.parametrize("condition", ["outcome == = 'accept'", "outcome ==", "(outcome == 'accept'"])
def test_a_gateway_condition_with_a_syntax_error_is_refused(ctx, condition):
    bad = variant(PERMIT, ACCEPT_CONDITION, condition + "</bpmn:conditionExpression>")
    error = refused([("standard_permit.bpmn", bad)])
    assert element_ids(error) == {"gw_intake"}
    assert "syntax error" in problem_for(error, "gw_intake")["message"]


def test_a_user_task_in_a_lane_that_is_no_role_is_refused(ctx):
    bad = variant(PERMIT, '<bpmn:lane id="Lane_reviewer" name="审查人员">', '<bpmn:lane id="Lane_reviewer" name="保安">')
    error = refused([("standard_permit.bpmn", bad)])
    # only the user tasks of that lane; the rule task and gateways in it need no role
    assert element_ids(error) == {"review", "onsite_check"}
    assert "保安" in problem_for(error, "review")["message"]


def test_a_lane_named_by_role_code_or_english_name_is_accepted(ctx):
    for name in ("reviewer", "Reviewer"):
        ok = variant(PERMIT, '<bpmn:lane id="Lane_reviewer" name="审查人员">',
                     f'<bpmn:lane id="Lane_reviewer" name="{name}">')
        bundle = compile_bundle([read_source("standard_permit.bpmn", ok), read_source("m.bpmn", MAJOR),
                                 read_source("h.bpmn", HEARING), read_source("m.dmn", DMN)])
        assert bundle.task_meta("standard_permit", "review").role == "reviewer"


def test_a_user_task_without_a_form_is_refused(ctx):
    error = refused([("standard_permit.bpmn", variant(PERMIT, ARCHIVE_FORM, ""))])
    assert element_ids(error) == {"archive"}
    assert "form" in problem_for(error, "archive")["message"]


@pytest.mark.parametrize("old, new, task", [
    ('name="archive_no"', 'name="_secret"', "archive"),
    ('name="materials_complete"', 'name="is_major"', "receive"),
    ('name="materials_complete"', 'name="item_major"', "receive"),
    ('name="materials_complete"', 'name="case_no"', "receive"),
    ('name="materials_complete"', 'name="len"', "receive"),
    ('name="materials_complete"', 'name="Materials"', "receive"),
])
def test_a_form_field_with_a_reserved_or_unsafe_name_is_refused(ctx, old, new, task):
    error = refused([("standard_permit.bpmn", variant(PERMIT, old, new))])
    assert element_ids(error) == {task}
    assert "unsafe field name" in problem_for(error, task)["message"]


@pytest.mark.parametrize("required_if", ["outcome.__class__", "outcome ==", "outcom == 'correct'"])
def test_a_form_field_with_a_bad_required_if_is_refused(ctx, required_if):
    # an unknown name would raise NameError on every submission of the form
    bad = variant(PERMIT, "requiredIf=\"outcome == 'correct'\"", f"requiredIf=\"{required_if}\"")
    error = refused([("standard_permit.bpmn", bad)])
    assert element_ids(error) == {"receive"}
    assert "requiredIf" in problem_for(error, "receive")["message"]


def test_a_script_task_is_refused(ctx):
    script_task = (
        '<bpmn:scriptTask id="deliver" name="送达">\n'
        "      <bpmn:incoming>flow_to_deliver</bpmn:incoming>\n"
        "      <bpmn:outgoing>flow_to_publish</bpmn:outgoing>\n"
        "      <bpmn:script>import os\nos.system('x')</bpmn:script>\n"
        "    </bpmn:scriptTask>")
    error = refused([("standard_permit.bpmn", variant(PERMIT, DELIVER_TASK, script_task))])
    assert element_ids(error) == {"deliver"}
    assert "script" in problem_for(error, "deliver")["message"]


def test_pre_and_post_scripts_are_refused(ctx):
    bad = variant(PERMIT, '<appr:task kind="publish"/>',
                  '<appr:task kind="publish"/><spiffworkflow:preScript>x = 1</spiffworkflow:preScript>')
    error = refused([("standard_permit.bpmn", bad)])
    assert element_ids(error) == {"publish"}
    assert "pre- and post-scripts" in problem_for(error, "publish")["message"]


EMBEDDED_SUBPROCESS = """<bpmn:subProcess id="deliver" name="送达">
      <bpmn:incoming>flow_to_deliver</bpmn:incoming>
      <bpmn:outgoing>flow_to_publish</bpmn:outgoing>
      <bpmn:startEvent id="sub_start"><bpmn:outgoing>sub_flow_1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:scriptTask id="sub_script">
        <bpmn:incoming>sub_flow_1</bpmn:incoming><bpmn:outgoing>sub_flow_2</bpmn:outgoing>
        <bpmn:script>import os</bpmn:script></bpmn:scriptTask>
      <bpmn:exclusiveGateway id="sub_gw" default="sub_flow_4"><bpmn:incoming>sub_flow_2</bpmn:incoming>
        <bpmn:outgoing>sub_flow_3</bpmn:outgoing><bpmn:outgoing>sub_flow_4</bpmn:outgoing></bpmn:exclusiveGateway>
      <bpmn:endEvent id="sub_end">
        <bpmn:incoming>sub_flow_3</bpmn:incoming><bpmn:incoming>sub_flow_4</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="sub_flow_1" sourceRef="sub_start" targetRef="sub_script"/>
      <bpmn:sequenceFlow id="sub_flow_2" sourceRef="sub_script" targetRef="sub_gw"/>
      <bpmn:sequenceFlow id="sub_flow_3" sourceRef="sub_gw" targetRef="sub_end">
        <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">__import__('os').system('x')
        </bpmn:conditionExpression>
      </bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="sub_flow_4" sourceRef="sub_gw" targetRef="sub_end"/>
    </bpmn:subProcess>"""


def test_scripts_and_conditions_inside_an_embedded_subprocess_are_checked(ctx):
    bad = variant(PERMIT, DELIVER_TASK, EMBEDDED_SUBPROCESS)
    error = refused([("standard_permit.bpmn", bad)])
    assert "script" in problem_for(error, "sub_script")["message"]
    assert "unsafe" in problem_for(error, "sub_gw")["message"]


AD_HOC = """<bpmn:adHocSubProcess id="deliver" name="送达">
      <bpmn:incoming>flow_to_deliver</bpmn:incoming>
      <bpmn:outgoing>flow_to_publish</bpmn:outgoing>
      <bpmn:manualTask id="adhoc_step"/>
      <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">__import__('os').system('x')
      </bpmn:completionCondition>
    </bpmn:adHocSubProcess>"""


def test_ad_hoc_subprocesses_are_refused(ctx):
    # Spiff evaluates their completion condition with plain eval, bypassing the safe script engine
    bad = variant(PERMIT, DELIVER_TASK, AD_HOC)
    error = refused([("standard_permit.bpmn", bad)])
    assert "ad-hoc" in problem_for(error, "deliver")["message"]


def test_message_correlation_expressions_are_refused(ctx):
    # Spiff evaluates correlation retrieval expressions with plain eval, bypassing the safe script engine
    correlation = """<bpmn:correlationProperty id="corr_case" name="corr_case">
    <bpmn:correlationPropertyRetrievalExpression messageRef="msg_case">
      <bpmn:formalExpression>__import__('os').system('x')</bpmn:formalExpression>
    </bpmn:correlationPropertyRetrievalExpression>
  </bpmn:correlationProperty>
  <bpmn:message id="msg_case" name="msg_case"/>
  <bpmn:process id="standard_permit\""""
    bad = variant(PERMIT, '<bpmn:process id="standard_permit"', correlation)
    error = refused([("standard_permit.bpmn", bad)])
    assert "correlation" in problem_for(error, "corr_case")["message"]


RULE_8 = element(DMN, '      <rule id="Rule_8">', "</rule>\n")


def test_a_decision_table_without_a_catch_all_last_row_is_refused(ctx):
    error = refused([("major_item.dmn", variant(DMN, RULE_8, ""))])
    assert element_ids(error) == {"DecisionTable_major_item"}
    assert "last rule" in problem_for(error, "DecisionTable_major_item")["message"]


def test_a_last_row_that_is_not_a_catch_all_is_refused(ctx):
    last_row = variant(RULE_8.encode(), '<inputEntry id="Rule_8_in_hearing_held">\n          <text>-</text>',
                       '<inputEntry id="Rule_8_in_hearing_held">\n          <text>False</text>').decode()
    error = refused([("major_item.dmn", variant(DMN, RULE_8, last_row))])
    assert element_ids(error) == {"DecisionTable_major_item"}


@pytest.mark.parametrize("entry_id, old, new", [
    ("Rule_2_in_category", '"resource_allocation"', "__import__('os').system('x')"),
    ("Rule_4_in_investment", "&gt;= 10000", "&gt;= ().__class__.__base__"),
    ("Rule_1_out_major_reason", '"目录清单所列重大执法决定事项"', "open('/etc/passwd')"),
    ("Input_category", "<text>category</text>", "<text>category.__class__</text>"),
])
def test_a_decision_table_cell_with_an_attack_is_refused(ctx, monkeypatch, entry_id, old, new):
    calls = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args) or 0)
    error = refused([("major_item.dmn", variant(DMN, old, new))])
    assert entry_id in element_ids(error)
    assert calls == []


def test_a_business_rule_task_calling_an_unknown_decision_is_refused(ctx):
    bad = variant(PERMIT, "<spiffworkflow:calledDecisionId>major_item<",
                  "<spiffworkflow:calledDecisionId>no_such_decision<")
    error = refused([("standard_permit.bpmn", bad)])
    assert "classify" in element_ids(error)


def test_every_problem_of_a_deployment_is_reported_at_once(ctx):
    bad_permit = variant(variant(PERMIT, ACCEPT_CONDITION, "outcome ==</bpmn:conditionExpression>"),
                         ARCHIVE_FORM, "")
    error = refused([("standard_permit.bpmn", bad_permit), ("major_item.dmn", variant(DMN, RULE_8, ""))])
    assert {"gw_intake", "archive", "DecisionTable_major_item"} <= element_ids(error)
    assert problem_for(error, "gw_intake")["file"] == problem_for(error, "archive")["file"] == "standard_permit.bpmn"


# ------------------------------------------------------------------------------------------ versions

RENAMED_PUBLISH = variant(PERMIT, '<bpmn:userTask id="publish" name="公示">', '<bpmn:userTask id="publish" name="公示公告">')
RENAMED_RECEIVE = variant(PERMIT, '<bpmn:userTask id="receive" name="收件">', '<bpmn:userTask id="receive" name="收件登记">')


def shipped_files() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in SHIPPED]


def test_deploying_unchanged_files_creates_no_version(ctx):
    before = version_count()
    for _ in range(2):
        result = deploy(shipped_files(), "designer", "again")
        assert result.created == []
        assert sorted(v.key for v in result.unchanged) == ["complaint", "hearing", "major_decision", "major_item",
                                                           "revocation", "standard_permit"]
        assert all(v.version == 1 for v in result.unchanged)
    assert version_count() == before


def test_deploying_a_changed_process_creates_a_new_version_of_only_that_key(ctx):
    before = version_count()
    result = deploy([("standard_permit.bpmn", RENAMED_PUBLISH), ("major_decision.bpmn", MAJOR),
                     ("major_item.dmn", DMN)], "designer", "rename publish")
    assert [(v.key, v.version) for v in result.created] == [("standard_permit", 2)]
    assert sorted(v.key for v in result.unchanged) == ["major_decision", "major_item"]
    assert version_count() == before + 1
    latest = latest_versions()
    assert {k: v.version for k, v in latest.items()} == {
        "standard_permit": 2, "major_decision": 1, "major_item": 1, "complaint": 1, "hearing": 1, "revocation": 1}
    assert latest["standard_permit"].content == RENAMED_PUBLISH
    assert latest["standard_permit"].deployed_by == "designer"

    again = deploy([("standard_permit.bpmn", RENAMED_PUBLISH)], "designer")
    assert again.created == [] and [v.version for v in again.unchanged] == [2]
    # going back to the old content is a change too: it becomes version 3
    back = deploy([("standard_permit.bpmn", PERMIT)], "designer")
    assert [(v.key, v.version) for v in back.created] == [("standard_permit", 3)]


def test_a_refused_deployment_stores_nothing_not_even_its_valid_files(ctx):
    before = version_count()
    error = refused([("standard_permit.bpmn", RENAMED_PUBLISH), ("major_item.dmn", variant(DMN, RULE_8, ""))])
    assert element_ids(error) == {"DecisionTable_major_item"}
    assert version_count() == before
    assert latest_versions()["standard_permit"].version == 1


def test_files_are_checked_together_with_the_stored_versions_of_the_others(ctx):
    new_decision = variant(DMN, '<decision id="major_item"', '<decision id="major_item_v2"')
    calls_new_decision = variant(PERMIT, "<spiffworkflow:calledDecisionId>major_item<",
                                 "<spiffworkflow:calledDecisionId>major_item_v2<")
    error = refused([("standard_permit.bpmn", calls_new_decision)])  # the decision is not stored yet
    assert "classify" in element_ids(error)

    result = deploy([("standard_permit.bpmn", calls_new_decision), ("major_item_v2.dmn", new_decision)], "designer")
    assert sorted((v.key, v.version) for v in result.created) == [("major_item_v2", 1), ("standard_permit", 2)]


def test_the_same_key_twice_in_one_deployment_is_refused(ctx):
    before = version_count()
    with pytest.raises(InvalidData) as exc:
        deploy([("a.bpmn", RENAMED_PUBLISH), ("b.bpmn", RENAMED_RECEIVE)], "designer")
    assert exc.value.status == 422 and "standard_permit" in exc.value.message
    assert version_count() == before


def test_a_running_case_stays_on_the_version_it_started_with(ctx):
    clerk = db.session.scalar(select(User).where(User.username == "clerk"))
    applicant = {"name": "x", "type": "natural_person", "code": None}
    first = create_case(clerk, "XK-002", applicant, {})
    first_no = first.case_no

    result = deploy([("standard_permit.bpmn", RENAMED_RECEIVE)], "designer", "rename receive")
    assert [(v.key, v.version) for v in result.created] == [("standard_permit", 2)]
    second = create_case(clerk, "XK-002", applicant, {})
    second_no = second.case_no
    db.session.expire_all()

    first, second = get_case(first_no), get_case(second_no)
    assert first.process_key == second.process_key == "standard_permit"
    assert first.process_version.version == 1
    assert second.process_version.version == 2
    assert first.bundle != second.bundle
    first_tasks, second_tasks = open_tasks(first), open_tasks(second)
    assert [t.name for t in first_tasks] == ["receive"] and [t.name for t in second_tasks] == ["receive"]
    # each case sees the task of its own version
    assert first_tasks[0].title == "收件"
    assert second_tasks[0].title == "收件登记"

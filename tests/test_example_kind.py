"""A new step kind needs nothing but its own package: declare the kind, register its handlers, use it in a
diagram. This module plays the feature (``example_notice``: a notice to the applicant that must not be
empty of substance, and is recorded when sent) against the unchanged kernel."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cases import hooks
from app.core.errors import InvalidData
from app.core.vocabulary import declare_task_kind, status_label
from app.extensions import db
from tests.support.web import html

DIAGRAM = Path(__file__).parent / "data" / "example_kind.bpmn"
SENT = []


def _check(step):
    if "待定" in step.data["answer"]:
        raise InvalidData("告知内容不能待定", fields={"answer": ["告知内容不能待定"]})


def _sent(step):
    SENT.append(step.case.case_no)
    step.record("applicant_notified", {"text": step.data["answer"]})


def register_the_example_feature():
    """What the feature's init_app would do."""
    declare_task_kind("example_notice", "告知申请人", "Notify the applicant", status="notifying",
                      status_zh="告知中", status_en="Notifying")
    hooks.register_task_kind("example_notice", validate=_check, apply=_sent)


def deploy_the_diagram(app):
    from app.catalogue.models import ServiceItem
    from app.designer.deploy import deploy
    with app.app_context():
        deploy([(DIAGRAM.name, DIAGRAM.read_bytes())], "designer")
        db.session.add(ServiceItem(code="T-EXAMPLE", name="示例事项", category="general",
                                   process_key="example_kind", materials=[], statutory_days=20))
        db.session.commit()


def test_an_undeclared_kind_is_refused_by_the_linter(ctx):
    from app.designer.linter import lint_files
    unknown = DIAGRAM.read_bytes().replace(b'kind="example_notice"', b'kind="no_such_kind"')
    problems = lint_files([(DIAGRAM.name, unknown)])
    assert [(p.rule, p.element_id) for p in problems] == [("kind", "wait_for_applicant")]


def test_a_kind_registered_by_a_feature_runs_its_rules_and_effects_in_the_step(app, api):
    register_the_example_feature()
    deploy_the_diagram(app)
    case = api.new_case(item="T-EXAMPLE")
    case_no = case["case_no"]
    assert case["status"] == "notifying"
    with app.test_request_context():
        assert status_label("notifying") == "告知中"

    refused = api.complete(case_no, "wait_for_applicant", "clerk", {"answer": "内容待定"}, expect=422)
    assert refused["fields"] == {"answer": ["告知内容不能待定"]} and case_no not in SENT
    done = api.complete(case_no, "wait_for_applicant", "clerk", {"answer": "已于今日电话告知"})
    assert done["case"]["status"] == "completed" and SENT.count(case_no) == 1

    from app.cases.models import Case
    from app.records.models import ExecutionRecord
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.case_no == case_no))
        actions = db.session.scalars(select(ExecutionRecord.action).where(ExecutionRecord.case_id == case_id)
                                     .order_by(ExecutionRecord.seq)).all()
    assert actions.index("task_completed") < actions.index("applicant_notified")
    assert api.get(f"/api/cases/{case_no}/records/verify", "clerk").get_json()["valid"] is True


@pytest.mark.parametrize("lang, label", [("zh", "告知申请人"), ("en", "Notify the applicant")])
def test_the_editor_offers_the_declared_kind(browser, lang, label):
    register_the_example_feature()
    page = html(browser("designer").get(f"/designer/standard_permit/edit?lang={lang}"))
    kinds = json.loads(re.search(r'id="task-kinds">(.*?)</script>', page).group(1))
    assert ["example_notice", label] in kinds

"""Revocation of a licence (撤销/撤回行政许可, 行政许可法 第六十九条、第八条) as its own process with the notice of
hearing rights, legal review, committee and the signed conclusion; the licence's status drives the public
双公示 record's 当前状态 and the annual report counts it once as 撤销; the linter refuses a revocation process
without legal review."""
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from tests.support import forms as f
from tests.support.flows import at, finish_after_decision
from tests.support.licences import (INQUIRY, NOTICE, NUMBER, REVOKE, apply_on, decided_case, licence,
                                    revocation_case, through_legal_review)

def test_a_revoked_licence_is_invalid_in_public_and_counted_once_as_revoked(api, client, ctx):
    grant_no = decided_case(api)
    from app.publicity.models import Publication
    from tests.support.flows import case_row
    pub = db.session.scalar(select(Publication).where(Publication.case_id == case_row(grant_no).id))
    with at("2026-03-25"):
        finish_after_decision(api, grant_no)  # publishes on the desk, which completes 公示
    db.session.expire_all()
    assert db.session.get(Publication, pub.id).state == "PUBLISHED"
    assert "有效" in client.get(f"/public/decisions/{pub.id}").get_data(as_text=True)

    case_no = revocation_case(api)
    through_legal_review(api, case_no)
    # the decision guard: the leader who decides is not the reviewer, the conclusion is signed
    with at("2026-06-20"):
        result = api.complete(case_no, "decide", "leader", REVOKE)
    assert result["case"]["status"] == "delivering"
    revoked = licence(api, NUMBER)
    assert revoked["status"] == "revoked" and revoked["in_force"] is False
    assert [e["action"] for e in revoked["history"]] == ["granted", "applied", "revoked"]
    assert revoked["history"][-1]["details"]["ground"] == "art69_2"

    page = client.get(f"/public/decisions/{pub.id}").get_data(as_text=True)
    assert "无效" in page
    import json
    rows = json.loads(client.get("/public/decisions.json").get_data(as_text=True))
    row = next(r for r in rows if r.get("许可编号") == NUMBER)
    assert row["当前状态"] == "无效" and row["行政许可决定文书名称"] == "准予行政许可决定书"

    from app.annual.figures import generate
    figures = generate(2026)
    assert figures["licensing"]["revoked"] == 1 and figures["licensing"]["granted"] == 1
    assert figures["licensing"]["applications"] == 1  # the revocation is no application
    assert next(r for r in figures["items"] if r["code"] == "XK-002")["revoked"] == 1
    # a second revocation of the same licence is refused: it is no longer in force
    res = apply_on(api, "XK-CX", NUMBER, "2026-07-01")
    assert res.status_code == 422 and res.get_json()["error"] == "licence_not_in_force"
    assert generate(2026)["licensing"]["revoked"] == 1


def test_closing_without_revocation_leaves_the_licence_valid(api, ctx):
    decided_case(api)
    case_no = revocation_case(api)
    with at("2026-06-02"):
        result = api.complete(case_no, "inquiry", "reviewer", {**INQUIRY, "proposal": "close"})
    assert result["case"]["status"] == "completed"
    assert licence(api, NUMBER)["status"] == "valid"
    # no decision without the legal review: the engine has no decide task, and the guard refuses anyway
    assert api.case(case_no)["tasks"] == []


def test_the_revocation_diagram_passes_the_linter_and_one_without_legal_review_is_refused(app, ctx):
    from app.designer.linter import lint_files
    root = Path(app.root_path).parent
    files = {name: (root / "bpmn" / name).read_bytes() for name in ("revocation.bpmn", "major_decision.bpmn")}
    dmn = ("major_item.dmn", (root / "rules" / "major_item.dmn").read_bytes())
    assert lint_files([*files.items(), dmn], major_processes=set()) == []

    text = files["revocation.bpmn"].decode()
    start = text.index('<bpmn:callActivity id="call_major_decision"')
    end = text.index("</bpmn:callActivity>") + len("</bpmn:callActivity>")
    without = text[:start] + '''<bpmn:userTask id="call_major_decision" name="科室负责人审核">
      <bpmn:extensionElements>
        <appr:task kind="counsel"/>
        <appr:form><appr:field name="counsel_opinion" type="longtext" required="true" label="意见"/></appr:form>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_to_review</bpmn:incoming>
      <bpmn:outgoing>flow_to_decide</bpmn:outgoing>
    </bpmn:userTask>''' + text[end:]
    # not a catalogue-major process (major_processes empty): only the revocation rule can refuse it
    problems = lint_files([("revocation.bpmn", without.encode()), dmn], major_processes=set())
    assert [p.rule for p in problems] == ["revocation-review"], [p.line() for p in problems]
    assert problems[0].element_id == "decide" and "legal_review" in problems[0].message
    # the same diagram under another key is no revocation process unless the catalogue says so
    other = without.replace('id="revocation"', 'id="recheck"').replace('processRef="revocation"',
                                                                       'processRef="recheck"')
    assert lint_files([("recheck.bpmn", other.encode()), dmn], major_processes=set()) == []
    problems = lint_files([("recheck.bpmn", other.encode()), dmn], major_processes=set(),
                          revocation_processes={"recheck"})
    assert [p.rule for p in problems] == ["revocation-review"]

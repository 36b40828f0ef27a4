"""Bounded engine state: the finished rounds of a rework loop are cut out when the state is saved
(app.engine.compaction), the case still runs to its end the same way, and states saved before the cut
existed load and continue."""
from __future__ import annotations

import json

from sqlalchemy import select

from app.cases.models import Case
from app.engine import runtime
from app.extensions import db
from tests.support import forms as f
from tests.support.flows import finish_after_decision

FACTS = {"category": "resource_allocation", "complex": True}
REVISE = f.legal_review("revise", failed=("evidence",))
AFTER_APPROVAL = [("counsel", "counsel", f.COUNSEL), ("committee", "secretary", f.committee("pass")),
                  ("sign_conclusion", "leader", f.SIGN), ("decide", "leader", f.DECIDE_GRANT)]


def state_of(app, case_no: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Case.state).where(Case.case_no == case_no))


def task_count(state: str) -> int:
    data = json.loads(state)
    return len(data["tasks"]) + sum(len(sp["tasks"]) for sp in data["subprocesses"].values())


def to_legal_review(api) -> str:
    case_no = api.new_case(item="XK-001")["case_no"]
    api.complete(case_no, "receive", "clerk", {**f.ACCEPT, "onsite_needed": False})
    api.complete(case_no, "review", "reviewer", f.review(**FACTS))
    return case_no


def rounds(api, case_no: str, n: int) -> None:
    for _ in range(n):
        api.complete(case_no, "legal_review", "legal", REVISE)
        api.complete(case_no, "amend", "reviewer", f.amend(**FACTS))


def finish(api, case_no: str) -> dict:
    api.complete(case_no, "legal_review", "legal", f.legal_review("approve"))
    for name, user, data in AFTER_APPROVAL:
        api.complete(case_no, name, user, data)
    return finish_after_decision(api, case_no)  # 送达, 公示 from the publication desk, 归档


def test_the_state_stays_bounded_over_rework_rounds_and_the_case_completes(api, app):
    case_no = to_legal_review(api)
    rounds(api, case_no, 2)
    after_two = state_of(app, case_no)
    rounds(api, case_no, 8)
    after_ten = state_of(app, case_no)
    assert task_count(after_ten) == task_count(after_two)  # the finished rounds are gone
    assert len(after_ten) < 1.1 * len(after_two)
    result = finish(api, case_no)
    assert result["case"]["status"] == "completed"
    records = api.get(f"/api/cases/{case_no}/records", "supervisor").get_json()["records"]
    done = [r["task_name"] for r in records if r["action"] == "task_completed"]
    assert done.count("legal_review") == 11 and done.count("amend") == 10  # the history is all in the records
    assert api.get(f"/api/cases/{case_no}/records/verify", "clerk").get_json()["valid"] is True


def test_a_state_saved_before_the_cut_loads_and_continues(api, app, monkeypatch):
    case_no = to_legal_review(api)
    monkeypatch.setattr(runtime, "compact", lambda workflow: 0)  # as the code saved states before
    rounds(api, case_no, 6)
    old = state_of(app, case_no)
    monkeypatch.undo()
    assert task_count(old) > 30
    api.complete(case_no, "legal_review", "legal", REVISE)  # loads the old state, saves it cut
    assert task_count(state_of(app, case_no)) < task_count(old) - 20
    api.complete(case_no, "amend", "reviewer", f.amend(**FACTS))
    assert finish(api, case_no)["case"]["status"] == "completed"


def test_the_cut_keeps_what_the_engine_refers_to(app):
    """Unit: on a workflow in memory, a straight loop is cut to its last round; a finished subprocess's
    calling task, the root and the open tasks stay."""
    from pathlib import Path

    from SpiffWorkflow.util.task import TaskState

    from app.engine.compaction import compact
    from app.engine.definitions import compile_bundle, read_source
    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "bpmn").glob("*.bpmn")) + sorted((root / "rules").glob("*.dmn"))
    bundle = compile_bundle([read_source(p.name, p.read_bytes()) for p in files])
    wf = runtime.new_workflow(bundle, "standard_permit", {"item_major": True, "category": "resource_allocation"})
    wf.do_engine_steps()

    def step(name, data):
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        assert task.task_spec.name == name
        task.set_data(**data)
        task.run()
        wf.do_engine_steps()
    step("receive", {**f.ACCEPT, "onsite_needed": False})
    step("review", f.review(**FACTS))
    for _ in range(5):
        step("legal_review", REVISE)
        step("amend", f.amend(**FACTS))
    ready = {t.id for t in wf.get_tasks(state=TaskState.READY)}
    before = len(wf.tasks) + sum(len(sp.tasks) for sp in wf.subprocesses.values())
    # 4 whole rounds × (merge, legal review, gateway, amendment merge, amendment), and the 5th round's merge:
    # the 6th round's merge has run (its legal review is open)
    assert compact(wf) == 21
    assert len(wf.tasks) + sum(len(sp.tasks) for sp in wf.subprocesses.values()) == before - 21
    assert ready == {t.id for t in wf.get_tasks(state=TaskState.READY)}
    assert set(wf.subprocesses) <= set(wf.tasks)
    assert compact(wf) == 0  # nothing more to cut
    restored = runtime.load_workflow(bundle, "standard_permit", runtime.dump_workflow(wf))
    assert ready == {t.id for t in restored.get_tasks(state=TaskState.READY)}
    task = restored.get_tasks(state=TaskState.READY, manual=True)[0]
    assert task.task_spec.name == "legal_review" and task.data["category"] == "resource_allocation"

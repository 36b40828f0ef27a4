"""Whole case lifecycles through the service layer, beside plain in-memory SpiffWorkflow (the floor).

    .venv/bin/python bench/lifecycle.py [--cases N]          # SQLite file in a temporary directory
    BENCH_DATABASE_URL=postgresql+psycopg://root@127.0.0.1/test .venv/bin/python bench/lifecycle.py

BENCH_DATABASE_URL is a scratch database: its schema ``public`` is dropped and rebuilt.

Both sides run the same diagrams with the same form data along the minor path (6 user tasks) and the
major path (two revise rounds, counsel, committee twice: 17 user tasks). The floor parses once and runs
workflows in memory with Spiff's default script engine; the service side does everything a request does
except HTTP: load and lock the case, check role and claim, validate the form, run the engine, write
records and the task projection, serialize, commit.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fresh import fresh_app  # noqa: E402
from tests.support import forms as f  # noqa: E402  (the same valid form data the tests use)

# The service layer sets every declared field (None when empty); the in-memory floor needs it explicitly.
RECEIVE = ("receive", "clerk", {**f.ACCEPT, "onsite_needed": False})
MINOR = [RECEIVE, ("review", "reviewer", f.review()), ("decide", "leader", f.DECIDE_GRANT),
         ("deliver", "clerk", f.deliver()), ("publish", "clerk", f.PUBLISH), ("archive", "clerk", f.ARCHIVE)]
MAJOR_FACTS = {"category": "resource_allocation", "complex": True}
MAJOR = [RECEIVE, ("review", "reviewer", f.review(**MAJOR_FACTS)),
         ("legal_review", "legal", f.legal_review("revise", failed=("evidence",))),
         ("amend", "reviewer", f.amend(**MAJOR_FACTS)),
         ("legal_review", "legal", f.legal_review("revise", failed=("evidence",))),
         ("amend", "reviewer", f.amend(**MAJOR_FACTS)),
         ("legal_review", "legal", f.legal_review("approve")), ("counsel", "counsel", f.COUNSEL),
         ("committee", "secretary", f.committee("resubmit")), ("committee", "secretary", f.committee("pass")),
         ("sign_conclusion", "leader", f.SIGN), ("decide", "leader", f.DECIDE_GRANT),
         ("deliver", "clerk", f.deliver()), ("publish", "clerk", f.PUBLISH), ("archive", "clerk", f.ARCHIVE)]
PATHS = {"minor": ("XK-002", MINOR), "major": ("XK-001", MAJOR)}


def floor(n: int) -> dict[str, float]:
    """ms per case, plain SpiffWorkflow in memory (parse once, default engine, no persistence)."""
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    from SpiffWorkflow.util.task import TaskState
    parser = SpiffBpmnParser()
    parser.add_bpmn_files([str(p) for p in sorted((ROOT / "bpmn").glob("*.bpmn"))])
    parser.add_dmn_files([str(p) for p in sorted((ROOT / "rules").glob("*.dmn"))])
    spec, subprocess_specs = parser.get_spec("standard_permit"), parser.get_subprocess_specs("standard_permit")
    result = {}
    for label, (_item, steps) in PATHS.items():
        start = time.perf_counter()
        for _ in range(n):
            wf = BpmnWorkflow(spec, subprocess_specs)
            # hearing_held: the service hands the rule table the hearing record's value (app.hearing)
            wf.get_tasks(state=TaskState.READY)[0].data.update({"item_major": False, "category": "general",
                                                                "hearing_held": False})
            wf.do_engine_steps()
            for name, _role, data in steps:
                task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
                assert task.task_spec.name == name, (task.task_spec.name, name)
                task.set_data(**data)
                task.run()
                wf.refresh_timers()
                wf.do_engine_steps()
            assert wf.is_completed()
        result[label] = (time.perf_counter() - start) * 1000 / n
    return result


def engine_only(n: int) -> dict[str, float]:
    """ms per case for our engine-side work without a database: the safe evaluator, transition capture
    and a state-only deserialize/serialize around every step, as each request does."""
    from SpiffWorkflow.util.task import TaskState

    from app.engine.definitions import compile_bundle, read_source
    from app.engine.runtime import (
        TransitionCapture,
        dump_workflow,
        load_workflow,
        new_workflow,
    )
    files = sorted((ROOT / "bpmn").glob("*.bpmn")) + sorted((ROOT / "rules").glob("*.dmn"))
    bundle = compile_bundle([read_source(p.name, p.read_bytes()) for p in files])
    result = {}
    for label, (_item, steps) in PATHS.items():
        start = time.perf_counter()
        for _ in range(n):
            wf = new_workflow(bundle, "standard_permit", {"item_major": False, "category": "general",
                                                          "hearing_held": False})
            with TransitionCapture(wf):
                wf.do_engine_steps()
            state = dump_workflow(wf)
            for name, _role, data in steps:
                wf = load_workflow(bundle, "standard_permit", state)
                task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
                with TransitionCapture(wf):
                    task.set_data(**data)
                    task.run()
                    wf.refresh_timers()
                    wf.do_engine_steps()
                state = dump_workflow(wf)
            assert wf.is_completed()
        result[label] = (time.perf_counter() - start) * 1000 / n
    return result


def service(n: int) -> tuple[dict[str, float], dict[str, list[float]], str]:
    from sqlalchemy import select

    from app.cases import service as cases
    from app.cases.access import open_tasks
    from app.cases.models import Case
    from app.publicity import publications
    from app.publicity.models import Publication
    from app.extensions import db
    from app.users.models import User

    app = fresh_app("lifecycle")
    per_step: dict[str, list[float]] = defaultdict(list)
    totals = {}
    with app.app_context():
        user_ids = {u.username: u.id for u in db.session.scalars(select(User))}

        def as_user(username):  # like a request: a fresh session, the user loaded from the token's id
            db.session.remove()
            return db.session.get(User, user_ids[username])
        applicant = {"name": "基准测试有限公司", "type": "legal_person", "code": "91210300MA0QC4XB9B"}
        for label, (item, steps) in PATHS.items():
            lifecycle = []
            for _ in range(n):
                t0 = time.perf_counter()
                case = cases.create_case(as_user("clerk"), item, applicant, {})
                t1 = time.perf_counter()
                per_step["create"].append((t1 - t0) * 1000)
                task_id = open_tasks(case)[0].id
                per_step["create"][-1] += (time.perf_counter() - t1) * 1000
                for name, role, data in steps:
                    s0 = time.perf_counter()
                    if name == "publish":  # 公示 completes from the publication desk's action
                        pub_id = db.session.scalar(select(Publication.id).where(Publication.case_id == done.case.id))
                        publications.publish(as_user(role), pub_id)
                        done = cases.Completion(done.case, None, open_tasks(db.session.get(Case, done.case.id)))
                    else:
                        done = cases.complete_task(as_user(role), task_id, data)
                    per_step[name].append((time.perf_counter() - s0) * 1000)
                    task_id = done.next_tasks[0].id if done.next_tasks else None
                assert done.case.status == "completed"
                lifecycle.append((time.perf_counter() - t0) * 1000)
            totals[label] = statistics.mean(lifecycle)
        dialect = db.engine.dialect.name
    return totals, per_step, dialect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100, help="cases per path")
    args = parser.parse_args()
    floor(5), engine_only(5), service(2)  # warm-up: imports, parser and bundle caches
    base = floor(args.cases)
    engine = engine_only(args.cases)
    totals, per_step, dialect = service(args.cases)
    print(f"{args.cases} cases per path, database: {dialect}\n")
    print(f"{'step':18} {'mean ms':>8} {'median':>8} {'p95':>8}")
    for step, values in per_step.items():
        values = sorted(values)
        print(f"{step:18} {statistics.mean(values):8.2f} {statistics.median(values):8.2f} "
              f"{values[int(len(values) * 0.95) - 1]:8.2f}")
    print(f"\n{'path':8} {'floor (plain Spiff, memory)':>28} {'+ our engine work, no DB':>25} "
          f"{'service layer':>14} {'ratio to floor':>15}")
    for label in PATHS:
        print(f"{label:8} {base[label]:25.2f} ms {engine[label]:22.2f} ms {totals[label]:11.2f} ms "
              f"{totals[label] / base[label]:14.1f}x")


if __name__ == "__main__":
    main()

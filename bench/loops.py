"""A case after many rework loops against a fresh case: the time of the same action and the stored state.

    .venv/bin/python bench/loops.py [--rounds 50] [--samples 20]        # SQLite file in a temporary directory
    BENCH_DATABASE_URL=postgresql+psycopg://root@127.0.0.1/test .venv/bin/python bench/loops.py

BENCH_DATABASE_URL is a scratch database: its schema ``public`` is dropped and rebuilt.

A major case is sent back by legal review (修改补正) ``--rounds`` times; then the next legal review (a revise)
is timed through the service layer, ``--samples`` times (each one is one more round), against the first
legal review of fresh major cases. Also printed: the stored engine state and the time to load and save it,
with the finished rounds cut out (as saved) and without (``app.engine.compaction`` off: how it was).
Target: the looped case's action within 1.5× of the fresh one's.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fresh import fresh_app  # noqa: E402
from tests.support import forms as f  # noqa: E402

FACTS = {"category": "resource_allocation", "complex": True}
RECEIVE = ("receive", "clerk", {**f.ACCEPT, "onsite_needed": False})
REVIEW = ("review", "reviewer", f.review(**FACTS))
REVISE = ("legal_review", "legal", f.legal_review("revise", failed=("evidence",)))
AMEND = ("amend", "reviewer", f.amend(**FACTS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()

    from sqlalchemy import select

    from app.cases import service as cases
    from app.cases.access import open_tasks
    from app.cases.models import Case
    from app.definitions.service import get_bundle
    from app.engine import compaction, runtime
    from app.extensions import db
    from app.users.models import User

    app = fresh_app("loops")
    with app.app_context():
        user_ids = {u.username: u.id for u in db.session.scalars(select(User))}
        applicant = {"name": "基准测试有限公司", "type": "legal_person", "code": "91210300MA0QC4XB9B"}

        def act(task_id: str, step) -> tuple[str | None, float]:
            """Complete ``task_id`` as a request would (a fresh session, the user loaded); ms and the next task."""
            name, role, data = step
            db.session.remove()
            user = db.session.get(User, user_ids[role])
            t0 = time.perf_counter()
            done = cases.complete_task(user, task_id, data)
            elapsed = (time.perf_counter() - t0) * 1000
            assert done.task.name == name, (done.task.name, name)
            return (done.next_tasks[0].id if done.next_tasks else None), elapsed

        def at_legal_review() -> tuple[int, str]:
            db.session.remove()
            case = cases.create_case(db.session.get(User, user_ids["clerk"]), "XK-001", applicant, {})
            task_id = open_tasks(case)[0].id
            for step in (RECEIVE, REVIEW):
                task_id, _ = act(task_id, step)
            return case.id, task_id

        def state_figures(case_id: int) -> tuple[float, float]:
            """KB stored, and ms to load and save it again."""
            case = db.session.get(Case, case_id)
            bundle = get_bundle(case.bundle)
            t0, n = time.perf_counter(), 20
            for _ in range(n):
                runtime.dump_workflow(runtime.load_workflow(bundle, case.process_key, case.state))
            return len(case.state) / 1024, (time.perf_counter() - t0) * 1000 / n

        at_legal_review()  # warm-up: bundle cache, imports
        fresh = []
        for _ in range(args.samples):
            _case_id, task_id = at_legal_review()
            fresh.append(act(task_id, REVISE)[1])
        fresh_case, _ = at_legal_review()
        fresh_kb, fresh_io = state_figures(fresh_case)

        looped_case, task_id = at_legal_review()
        for _ in range(args.rounds):
            task_id, _ = act(task_id, REVISE)
            task_id, _ = act(task_id, AMEND)
        looped = []
        for _ in range(args.samples):
            task_id, elapsed = act(task_id, REVISE)
            looped.append(elapsed)
            task_id, _ = act(task_id, AMEND)
        looped_kb, looped_io = state_figures(looped_case)

        # The same case without the cut, as states were stored before it existed.
        original = compaction.compact
        runtime.compact = lambda workflow: 0
        try:
            uncut_case, task_id = at_legal_review()
            for _ in range(args.rounds + args.samples):
                task_id, _ = act(task_id, REVISE)
                task_id, _ = act(task_id, AMEND)
            uncut = []
            for _ in range(max(3, args.samples // 4)):
                task_id, elapsed = act(task_id, REVISE)
                uncut.append(elapsed)
                task_id, _ = act(task_id, AMEND)
            uncut_kb, uncut_io = state_figures(uncut_case)
        finally:
            runtime.compact = original
        dialect = db.engine.dialect.name

    fresh_ms, looped_ms, uncut_ms = (statistics.median(v) for v in (fresh, looped, uncut))
    print(f"database: {dialect}; {args.rounds} revise rounds, then {args.samples} timed legal reviews\n")
    print(f"{'case':36} {'legal review ms':>16} {'state KB':>9} {'load+save ms':>13}")
    print(f"{'fresh (1st legal review)':36} {fresh_ms:16.2f} {fresh_kb:9.1f} {fresh_io:13.2f}")
    print(f"{f'after {args.rounds}+ rounds (rounds cut)':36} {looped_ms:16.2f} {looped_kb:9.1f} {looped_io:13.2f}")
    print(f"{f'after {args.rounds}+ rounds (not cut: before)':36} {uncut_ms:16.2f} {uncut_kb:9.1f} {uncut_io:13.2f}")
    print(f"\nratio looped/fresh: {looped_ms / fresh_ms:.2f}x (target <= 1.5x); "
          f"without the cut: {uncut_ms / fresh_ms:.2f}x")


if __name__ == "__main__":
    main()

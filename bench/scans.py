"""The scheduler's scans over many open tasks: each registered job run once, timed.

    .venv/bin/python bench/scans.py [--cases 100000] [--due 1000]        # SQLite file, temporary
    BENCH_DATABASE_URL=postgresql+psycopg://root@127.0.0.1/test .venv/bin/python bench/scans.py

BENCH_DATABASE_URL is a scratch database: its schema ``public`` is dropped and rebuilt.

``--cases`` open cases with one open task each are bulk-inserted (received and accepted, a decision due in
a month, the task due next week: the steady state, nothing to do). Every job the scheduler runs is timed
twice over them (the first run: the first checkpoint anchors every chain; the quiet run: finding that there
is nothing to do is the daily cost); then ``--due`` tasks
and as many decisions are made overdue and the overdue scan is timed again (the busy run: a record
appended to each of those cases, one transaction each), and ``--soon`` tasks are made due today for the inbox's
due-soon scan (every reviewer told of each, then the hourly run finding them all told). Target: each scan < 2 s at 100,000 open tasks.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fresh import fresh_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--soon", type=int, default=2000, help="tasks made due today for the inbox's scan")
    args = parser.parse_args()

    from sqlalchemy import insert, select, update

    from app.cases.models import Case, TaskItem
    from app.catalogue.models import ServiceItem
    from app.core.clock import china_today, utcnow
    from app.definitions.service import bundle_key, latest_versions
    from app.extensions import db
    from app.scheduler.jobs import JOBS, run_job

    app = fresh_app("scans")
    with app.app_context():
        latest = latest_versions()
        key = bundle_key(v.id for v in latest.values())
        items = db.session.scalars(select(ServiceItem)).all()
        today, now = china_today(), utcnow()
        start = time.perf_counter()
        for first in range(0, args.cases, 5000):
            ids = db.session.execute(insert(Case).returning(Case.id), [
                {"case_no": f"XK-2026-{n + 1:06d}", "item_id": items[n % len(items)].id,
                 "applicant_name": f"申请人{n}号有限公司", "applicant_type": "legal_person", "facts": {},
                 "status": "reviewing", "is_major": False, "process_key": "standard_permit",
                 "process_version_id": latest["standard_permit"].id, "bundle": key, "state": "{}",
                 "serializer_version": "1.5", "lock_version": 1, "created_by": "clerk", "created_at": now,
                 "updated_at": now, "records_count": 0, "confidentiality": "internal",
                 "received_on": today - dt.timedelta(days=3), "accepted_on": today - dt.timedelta(days=3),
                 "decision_due": today + dt.timedelta(days=30)}
                for n in range(first, min(first + 5000, args.cases))]).scalars().all()
            db.session.execute(insert(TaskItem), [
                {"id": str(uuid.uuid4()), "case_id": case_id, "process_id": "standard_permit", "name": "review",
                 "title": "审查", "role": "reviewer", "kind": "review", "state": "READY", "created_at": now,
                 "due_at": today + dt.timedelta(days=7)} for case_id in ids])
            db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE")
        print(f"loaded {args.cases} open cases and tasks in {time.perf_counter() - start:.1f} s "
              f"({db.engine.dialect.name})\n")

        def timed(name: str) -> tuple[float, object]:
            db.session.remove()
            t0 = time.perf_counter()
            run = run_job(name, "bench", force=True)
            seconds = time.perf_counter() - t0
            return seconds, (run.error[:60] if run.error else run.counts) if run is not None else "-"

        results = []
        for label in ("first run", "quiet"):  # the first checkpoint anchors every chain; then nothing changed
            for name in list(JOBS):
                seconds, run = timed(name)
                results.append((f"{name} ({label})", seconds, run))
        some = db.session.scalars(select(Case.id).order_by(Case.id).limit(args.due)).all()
        db.session.execute(update(TaskItem).where(TaskItem.case_id.in_(some)).values(due_at=today - dt.timedelta(days=1)))
        db.session.execute(update(Case).where(Case.id.in_(some)).values(decision_due=today - dt.timedelta(days=1)))
        db.session.commit()
        seconds, run = timed("overdue")
        results.append((f"overdue ({args.due} tasks and decisions due)", seconds, run))
        seconds, again = timed("overdue")
        results.append(("overdue again (all recorded)", seconds, again))
        # Tasks due within two working days: told once to everyone who may claim them, then every hour again
        # found already told.
        soon = db.session.scalars(select(Case.id).order_by(Case.id.desc()).limit(args.soon)).all()
        db.session.execute(update(TaskItem).where(TaskItem.case_id.in_(soon)).values(due_at=today))
        db.session.commit()
        seconds, run = timed("inbox_deadlines")
        results.append((f"inbox_deadlines ({args.soon} tasks due today)", seconds, run))
        seconds, again = timed("inbox_deadlines")
        results.append(("inbox_deadlines again (all told)", seconds, again))

    print(f"{'job':44} {'seconds':>8}  counts")
    for label, seconds, counts in results:
        print(f"{label:44} {seconds:8.3f}  {counts}")
    worst = max(results, key=lambda r: r[1])
    print(f"\nslowest: {worst[0]} {worst[1]:.3f} s; target < 2 s each at 100,000 open tasks: "
          f"{'met' if worst[1] < 2 else 'not met'} ({args.cases} open tasks here)")


if __name__ == "__main__":
    main()

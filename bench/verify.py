"""Record verification: hash-chain records checked per second over many records.

    .venv/bin/python bench/verify.py [--records 200000] [--per-case 10]      # SQLite file, temporary
    BENCH_DATABASE_URL=postgresql+psycopg://root@127.0.0.1/test .venv/bin/python bench/verify.py

BENCH_DATABASE_URL is a scratch database: its schema ``public`` is dropped and rebuilt.

Cases and their execution records are bulk-inserted, correctly chained (``--per-case`` records each, payloads
like a task completion's); then ``flask records verify``'s walk (app.cases.verify.verify_all, one ordered
pass over plain rows) checks them all in one process and again in ``--jobs`` forked processes (what the
command does by default: one per CPU), and — on a slice, for the ratio — the per-case check the API uses
(app.records.verify_case: a query and an ORM object per record), which the walk used before.
Target: ≥ 100,000 records/s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fresh import fresh_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--per-case", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes for the parallel walk (flask records verify --jobs; default the CPU count)")
    args = parser.parse_args()

    from sqlalchemy import insert, select

    from app.cases.models import Case
    from app.cases.verify import verify_all
    from app.catalogue.models import ServiceItem
    from app.definitions.service import bundle_key, latest_versions
    from app.extensions import db
    from app.records.chain import EXECUTION_CHAIN, GENESIS_HASH, canonical_json
    from app.records.models import ExecutionRecord

    app = fresh_app("verify")
    with app.app_context():
        latest = latest_versions()
        key = bundle_key(v.id for v in latest.values())
        item = db.session.scalars(select(ServiceItem)).first()
        n_cases = max(1, args.records // args.per_case)
        start, base = time.perf_counter(), dt.datetime(2026, 11, 1, 8, 0)
        for first in range(0, n_cases, 2000):
            chunk = range(first, min(first + 2000, n_cases))
            ids = db.session.execute(insert(Case).returning(Case.id), [
                {"case_no": f"XK-2026-{n + 1:06d}", "item_id": item.id, "applicant_name": f"申请人{n}号有限公司",
                 "applicant_type": "legal_person", "facts": {}, "status": "deciding", "is_major": False,
                 "process_key": "standard_permit", "process_version_id": latest["standard_permit"].id,
                 "bundle": key, "state": "{}", "serializer_version": "1.5", "lock_version": 1,
                 "created_by": "clerk", "created_at": base, "updated_at": base, "records_count": 0,
                 "confidentiality": "internal"} for n in chunk]).scalars().all()
            records, heads = [], []
            for case_id in ids:
                rows = [{"case_id": case_id, "ts": base + dt.timedelta(seconds=s), "actor": "reviewer",
                         "role": "reviewer", "action": "task_completed", "task_id": f"{case_id:08d}-task-{s}",
                         "task_name": "review", "from_state": "READY", "to_state": "COMPLETED",
                         "payload": canonical_json({"title": "审查", "data": {"opinion": "材料齐全，符合法定条件",
                                                                              "outcome": "pass", "round": s}})}
                        for s in range(args.per_case)]
                count, head = EXECUTION_CHAIN.link(rows, 0, GENESIS_HASH)
                records += rows
                heads.append({"b_id": case_id, "count": count, "head": head})
            db.session.execute(insert(ExecutionRecord.__table__), records)
            db.session.execute(Case.__table__.update().where(Case.__table__.c.id == db.bindparam("b_id"))
                               .values(records_count=db.bindparam("count"), records_head=db.bindparam("head")),
                               heads)
            db.session.commit()
        total = n_cases * args.per_case
        print(f"loaded {n_cases} cases, {total} records in {time.perf_counter() - start:.1f} s "
              f"({db.engine.dialect.name})")

        db.session.remove()
        t0, c0 = time.perf_counter(), time.process_time()
        results = list(verify_all())
        walk, walk_cpu = time.perf_counter() - t0, time.process_time() - c0
        assert len(results) == n_cases and all(r.valid for r in results), "a chain did not verify"

        db.session.remove()
        t0 = time.perf_counter()
        results = list(verify_all(jobs=args.jobs))
        parallel = time.perf_counter() - t0
        assert len(results) == n_cases and all(r.valid for r in results), "a chain did not verify"

        from app.records import verify_case
        db.session.remove()
        sample = db.session.scalars(select(Case).order_by(Case.id).limit(max(1, n_cases // 10))).all()
        t0, c0 = time.perf_counter(), time.process_time()
        assert all(verify_case(case).valid for case in sample)
        per_case, per_case_cpu = time.perf_counter() - t0, time.process_time() - c0
        per_case_records = len(sample) * args.per_case

    walk_rate, per_case_rate, parallel_rate = total / walk, per_case_records / per_case, total / parallel
    # Per CPU second of this process as well: on a shared machine the wall clock also counts other people's work.
    print(f"\n{'check':42} {'records':>8} {'seconds':>8} {'records/s':>10} {'CPU s':>7} {'per CPU s':>10}")
    print(f"{'one ordered pass, one process (--jobs 1)':42} {total:8d} {walk:8.2f} {walk_rate:10.0f} "
          f"{walk_cpu:7.2f} {total / walk_cpu:10.0f}")
    print(f"{f'the same in {args.jobs} processes (--jobs {args.jobs})':42} {total:8d} {parallel:8.2f} {parallel_rate:10.0f}")
    print(f"{'per case, ORM objects (before; a slice)':42} {per_case_records:8d} {per_case:8.2f} "
          f"{per_case_rate:10.0f} {per_case_cpu:7.2f} {per_case_records / per_case_cpu:10.0f}")
    print(f"\nratio: one pass {walk_rate / per_case_rate:.1f}x the per-case check, {args.jobs} processes "
          f"{parallel_rate / walk_rate:.2f}x one; target >= 100,000 records/s (wall clock, flask records verify "
          f"as it runs by default): {'met' if parallel_rate >= 100_000 else 'not met'}")


if __name__ == "__main__":
    main()

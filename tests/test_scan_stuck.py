"""The stuck-case scan asks the database only for the cases idle long enough (a cut-off moment computed from
the working-day calendar) — the same cases, China-date boundary included, as checking each open case."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from app.cases.models import Case
from app.extensions import db
from app.records.models import ExecutionRecord
from tests.support import forms as f

CHINA = dt.timezone(dt.timedelta(hours=8))


def utc(day, hour=10, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CHINA).astimezone(dt.timezone.utc).replace(tzinfo=None)


def test_the_stuck_scan_takes_exactly_the_cases_idle_n_working_days(app, api):
    numbers = []
    for _ in range(5):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
        numbers.append(case_no)
    idle7, idle4, edge_in, edge_out, fresh = numbers
    with app.app_context():
        for case_no, moment in ((idle7, utc(16)), (idle4, utc(19)), (edge_in, utc(18, 23, 59)),
                                (edge_out, dt.datetime(2026, 11, 18, 16, 30)), (fresh, utc(25))):
            db.session.execute(update(Case).where(Case.case_no == case_no).values(updated_at=moment))
        db.session.commit()
    app.config["SUPERVISION_STUCK_WORKDAYS"] = 5
    try:
        from app.supervision.scans import scan_stuck
        with app.app_context():
            # Wed 25: Mon 16 → 7 working days, Wed 18 (23:59 China) → 5, 16:30 UTC on the 18th is the 19th in
            # China → 4, Thu 19 → 4
            assert scan_stuck(dt.date(2026, 11, 25)) == {"broken": 0, "stuck": 2}
            recorded = set(db.session.scalars(select(Case.case_no).join(
                ExecutionRecord, ExecutionRecord.case_id == Case.id).where(ExecutionRecord.action == "case_stuck")))
            assert recorded == {idle7, edge_in}
            assert scan_stuck(dt.date(2026, 11, 25)) == {"broken": 0, "stuck": 0}  # recorded once
    finally:
        del app.config["SUPERVISION_STUCK_WORKDAYS"]

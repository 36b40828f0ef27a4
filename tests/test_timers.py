"""BPMN timers through the service layer: the due time is stored on the case, the scheduler's scan wakes
the case once, the engine cancels the waiting task and the projection follows."""
import datetime as dt
from pathlib import Path

import time_machine
from sqlalchemy import select

from app.extensions import db

TIMER_BPMN = Path(__file__).parent / "data" / "timer_process.bpmn"


def test_a_boundary_timer_fires_once_and_cancels_the_waiting_task(app, api):
    from app.cases.models import Case, TaskItem
    from app.cases.timers import fire_due_timers
    from app.catalogue.models import ServiceItem
    from app.definitions.service import deploy
    with app.app_context():
        deploy([("timer_process.bpmn", TIMER_BPMN.read_bytes())], "designer")
        db.session.add(ServiceItem(code="T-TIMER", name="定时器测试事项", category="general",
                                   process_key="timer_test", materials=[], statutory_days=20))
        db.session.commit()
    start = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)
    with time_machine.travel(start, tick=False):
        case_no = api.new_case(item="T-TIMER")["case_no"]
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_no == case_no))
        assert case.next_timer_at == dt.datetime(2026, 3, 4, 2, 0)  # P2D after the task opened
        assert fire_due_timers(dt.datetime(2026, 3, 3, 2, 0)) == {"due": 0, "fired": 0, "errors": 0}
    with time_machine.travel(start + dt.timedelta(days=2, minutes=1), tick=False):
        with app.app_context():
            assert fire_due_timers(dt.datetime(2026, 3, 4, 2, 1)) == {"due": 1, "fired": 1, "errors": 0}
            assert fire_due_timers(dt.datetime(2026, 3, 4, 2, 2)) == {"due": 0, "fired": 0, "errors": 0}
            case = db.session.scalar(select(Case).where(Case.case_no == case_no))
            task = db.session.scalar(select(TaskItem).where(TaskItem.case_id == case.id))
            assert case.status == "completed" and case.next_timer_at is None
            assert task.state == "CANCELLED"
    records = api.get(f"/api/cases/{case_no}/records", "supervisor").get_json()["records"]
    moves = {(r["task_name"], r["to_state"]) for r in records if r["action"] == "task_state"}
    assert {("timeout", "COMPLETED"), ("wait_for_applicant", "CANCELLED"), ("end_timed_out", "COMPLETED")} <= moves
    assert [r["actor"] for r in records if r["action"] == "engine_woken"] == ["scheduler"]
    assert api.get(f"/api/cases/{case_no}/records/verify", "supervisor").get_json()["valid"]

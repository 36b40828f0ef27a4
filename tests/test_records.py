"""Execution records are evidence: the database refuses changes, and verify finds what got past it."""
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from tests.support import forms as f
from tests.support.database import behind_the_triggers


@pytest.fixture
def case_no(api):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review())
    return case_no


def _case_id(case_no):
    return db.session.scalar(text("SELECT id FROM approval_case WHERE case_no = :n"), {"n": case_no})


def verify(api, case_no):
    return api.get(f"/api/cases/{case_no}/records/verify", "supervisor").get_json()


@pytest.mark.parametrize("statement", [
    "UPDATE execution_record SET actor = 'mallory'",
    "DELETE FROM execution_record",
])
def test_database_refuses_update_and_delete(case_no, ctx, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(statement))
    assert db.session.scalar(text("SELECT count(*) FROM execution_record WHERE actor = 'mallory'")) == 0


def test_verify_names_the_first_altered_record(api, case_no, ctx):
    assert verify(api, case_no)["valid"] is True
    case_id = _case_id(case_no)
    payload = json.dumps({"title": "收件", "data": {"outcome": "reject"}}, ensure_ascii=False)
    behind_the_triggers("execution_record", [f"UPDATE execution_record SET payload = '{payload}' "
                         f"WHERE case_id = {case_id} AND action = 'task_completed' AND task_name = 'receive'"])
    seq = db.session.scalar(text("SELECT seq FROM execution_record WHERE case_id = :c AND action = 'task_completed' "
                                 "AND task_name = 'receive'"), {"c": case_id})
    result = verify(api, case_no)
    assert result["valid"] is False and result["first_invalid_seq"] == seq
    assert "altered" in result["reason"]


def test_verify_finds_a_removed_record_and_a_cut_tail(api, case_no, ctx):
    case_id = _case_id(case_no)
    behind_the_triggers("execution_record", [f"DELETE FROM execution_record WHERE case_id = {case_id} AND seq = 5"])
    result = verify(api, case_no)
    assert result["valid"] is False and result["first_invalid_seq"] == 5

    other = api.new_case()["case_no"]
    last = db.session.scalar(text("SELECT max(seq) FROM execution_record WHERE case_id = :c"), {"c": _case_id(other)})
    behind_the_triggers("execution_record", [f"DELETE FROM execution_record WHERE case_id = {_case_id(other)} AND seq = {last}"])
    result = verify(api, other)
    assert result["valid"] is False and result["first_invalid_seq"] == last and "head" in result["reason"]


def test_cli_verify_reports_the_break_and_exits_non_zero(api, app, case_no, ctx):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["records", "verify"])
    assert ok.exit_code == 0 and "0 broken" in ok.output
    behind_the_triggers("execution_record", [f"UPDATE execution_record SET actor = 'mallory' WHERE case_id = {_case_id(case_no)} "
                         "AND seq = 3"])
    broken = runner.invoke(args=["records", "verify"])
    assert broken.exit_code == 1
    assert f"BROKEN {case_no}: record #3" in broken.output
    one = runner.invoke(args=["records", "verify", "--case", case_no])
    assert one.exit_code == 1 and "record #3" in one.output


def test_records_carry_who_what_when_and_the_submitted_data(api, case_no):
    recs = api.get(f"/api/cases/{case_no}/records", "supervisor").get_json()["records"]
    done = [r for r in recs if r["action"] == "task_completed" and r["task_name"] == "review"][0]
    assert done["actor"] == "reviewer" and done["role"] == "reviewer" and done["ts"]
    assert done["payload"]["data"]["opinion"] == f.review()["opinion"]
    assert [r["seq"] for r in recs] == list(range(1, len(recs) + 1))
    assert all(r["prev_hash"] == p["hash"] for p, r in zip(recs, recs[1:]))

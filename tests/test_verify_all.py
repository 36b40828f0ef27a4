"""``flask records verify`` reads every chain in one ordered pass (app.cases.verify.verify_all): its verdicts
are exactly those of the per-case check, for good chains, an altered record, a removed one, a cut tail and a
case without records."""
from __future__ import annotations

from sqlalchemy import select, text

from app.cases.models import Case
from app.cases.verify import verify_all
from app.extensions import db
from app.records import verify_case
from tests.support import forms as f
from tests.support.database import behind_the_triggers
from tests.support.flows import at


def test_the_one_pass_check_says_what_the_per_case_check_says(api, ctx):
    numbers = [api.new_case()["case_no"] for _ in range(5)]
    for case_no in numbers[:3]:
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
    ids = [db.session.scalar(select(Case.id).where(Case.case_no == n)) for n in numbers]
    behind_the_triggers("execution_record", [
        f"UPDATE execution_record SET actor = 'mallory' WHERE case_id = {ids[0]} AND seq = 2",
        f"DELETE FROM execution_record WHERE case_id = {ids[1]} AND seq = 3",
        f"DELETE FROM execution_record WHERE case_id = {ids[2]} AND seq = "
        f"(SELECT max(seq) FROM execution_record WHERE case_id = {ids[2]})",
        f"DELETE FROM execution_record WHERE case_id = {ids[3]}",
    ])
    db.session.expire_all()
    one_pass = {r.case_no: r.to_dict() for r in verify_all()}
    per_case = {c.case_no: verify_case(c).to_dict() for c in db.session.scalars(select(Case).order_by(Case.id))}
    assert one_pass == per_case
    assert [one_pass[n]["valid"] for n in numbers] == [False, False, False, False, True]
    assert one_pass[numbers[0]]["first_invalid_seq"] == 2 and "altered" in one_pass[numbers[0]]["reason"]
    assert "head mismatch" in one_pass[numbers[2]]["reason"] and one_pass[numbers[3]]["count"] == 0
    assert db.session.scalar(text("SELECT count(*) FROM execution_record")) > 20


def test_the_timestamps_read_as_text_are_only_a_shortcut(api, ctx):
    """The walk lets the database write each timestamp as canonical text; a timestamp stored in another form
    (by hand, the same moment) does not make a good chain look altered, and a moved one is still found."""
    with at("2026-03-02"):  # whole seconds: SQLite stores '… 02:00:00.000000'
        numbers = [api.new_case()["case_no"] for _ in range(2)]
    ids = [db.session.scalar(select(Case.id).where(Case.case_no == n)) for n in numbers]
    if db.engine.dialect.name == "sqlite":  # the same moment without its fraction: '… 02:00:00'
        same = f"UPDATE execution_record SET ts = substr(ts, 1, 19) WHERE case_id = {ids[0]} AND seq = 1"
        moved = f"UPDATE execution_record SET ts = datetime(ts, '+1 second') WHERE case_id = {ids[1]} AND seq = 1"
    else:  # PostgreSQL keeps a timestamp, not its text: only the moved one applies
        same = "SELECT 1"
        moved = f"UPDATE execution_record SET ts = ts + interval '1 second' WHERE case_id = {ids[1]} AND seq = 1"
    behind_the_triggers("execution_record", [same, moved])
    db.session.expire_all()
    verdicts = {r.case_no: r for r in verify_all()}
    assert verdicts[numbers[0]].valid and verify_case(db.session.get(Case, ids[0])).valid
    assert not verdicts[numbers[1]].valid and verdicts[numbers[1]].first_invalid_seq == 1


def test_the_one_pass_check_walks_several_batches(api, ctx, monkeypatch):
    from app.cases import verify
    monkeypatch.setattr(verify, "_BATCH", 2)
    numbers = [api.new_case()["case_no"] for _ in range(5)]
    results = list(verify_all())
    assert [r.case_no for r in results] == numbers and all(r.valid for r in results)


def test_the_direct_canonical_json_hashes_exactly_like_the_general_one():
    import datetime as dt
    import random

    from app.records.chain import EXECUTION_CHAIN
    rng = random.Random(14)
    alphabet = ["a", "中", '"', "\\", "\n", "\u2028", "\x00", "é", "😀", " ", "/", "{", "\t"]
    samples = [None, 0, -7, 2**63 - 1, True, 1.5, dt.date(2026, 1, 2), {"k": [1, "中"]}]
    for _ in range(500):
        row = {name: "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for name in EXECUTION_CHAIN.fields}
        row["seq"], row["case_id"] = rng.randint(1, 10**6), rng.randint(1, 10**6)
        row["ts"] = dt.datetime(2026, 1, 1) + dt.timedelta(microseconds=rng.randint(0, 10**12))
        for name in rng.sample(EXECUTION_CHAIN.fields, 2):
            row[name] = rng.choice(samples)  # the odd types take the general path, with the same result
        values = tuple(row[name] for name in EXECUTION_CHAIN.fields) + ("stored hash",)
        assert EXECUTION_CHAIN.hash_values(values) == EXECUTION_CHAIN.hash(row), row


def test_several_processes_give_the_verdicts_of_one_in_case_order(api, app, ctx, monkeypatch):
    """``flask records verify --jobs 3``: the cases split into three ranges, each walked by a forked process;
    the verdicts come back in case order and are exactly one process's, the altered record named."""
    from app.cases import verify

    numbers = [api.new_case()["case_no"] for _ in range(7)]
    ids = [db.session.scalar(select(Case.id).where(Case.case_no == n)) for n in numbers]
    behind_the_triggers("execution_record", [
        f"UPDATE execution_record SET actor = 'mallory' WHERE case_id = {ids[5]} AND seq = 1"])
    db.session.expire_all()
    one = [r.to_dict() for r in verify_all()]
    monkeypatch.setattr(verify, "_MIN_CASES_PER_JOB", 2)
    assert len(verify._case_id_ranges(3)) == 3
    several = [r.to_dict() for r in verify_all(jobs=3)]
    assert several == one and [r["case_no"] for r in several] == numbers
    assert [r["valid"] for r in several] == [True] * 5 + [False, True] and several[5]["first_invalid_seq"] == 1

    out = app.test_cli_runner().invoke(args=["records", "verify", "--jobs", "3"])
    assert out.exit_code == 1 and f"BROKEN {numbers[5]}: record #1" in out.output
    assert "7 case(s) checked, 1 broken" in out.output

"""Records anchored outside the database: signed checkpoints catch the insider who rewrites a chain
consistently (drops the triggers, changes grant → deny, recomputes every later hash and the case's head),
a tampered line of the checkpoint file, a forged or altered signature, and checkpoints removed from the
database; the file and the public API keep copies."""
from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select, text

from app.anchoring import merkle
from app.anchoring.journal import journal_path
from app.anchoring.models import APPEND_ONLY as CHECKPOINTS
from app.anchoring.service import (
    take_checkpoint,
    verify_against_checkpoints,
    verify_case_against_checkpoints,
)
from app.cases.models import Case
from app.extensions import db
from app.records import verify_case
from app.records.chain import canonical_json, record_hash
from app.records.models import ExecutionRecord
from tests.support import forms as f
from tests.support.database import behind_the_triggers
from tests.support.flows import granted_case


@pytest.fixture
def decided(api):
    """A case decided (grant): the records an insider would want to change."""
    return granted_case(api)


def _case(case_no) -> Case:
    return db.session.scalar(select(Case).where(Case.case_no == case_no))


def insider_rewrite(case_no: str, seq: int, change) -> None:
    """What someone with database access can do: change record ``seq``, recompute its hash and every later
    one, and the chain head on the case row — ``verify_case`` then finds nothing wrong."""
    case = _case(case_no)
    records = db.session.scalars(select(ExecutionRecord).where(ExecutionRecord.case_id == case.id)
                                 .order_by(ExecutionRecord.seq)).all()
    prev = records[seq - 2].hash if seq > 1 else "0" * 64
    statements = []
    for rec in records[seq - 1:]:
        row = {c: getattr(rec, c) for c in ("case_id", "seq", "ts", "actor", "role", "action", "task_id",
                                            "task_name", "from_state", "to_state", "payload")}
        if rec.seq == seq:
            row["payload"] = change(row["payload"])
        row["prev_hash"] = prev
        prev = record_hash(**row)
        payload = row["payload"].replace("'", "''").replace(":", "\\:")  # a literal, not a bind parameter
        statements.append(f"UPDATE execution_record SET payload = '{payload}', prev_hash = '{row['prev_hash']}', "
                          f"hash = '{prev}' WHERE id = {rec.id}")
    behind_the_triggers("execution_record", statements + [f"UPDATE approval_case SET records_head = '{prev}' WHERE id = {case.id}"])


def _decision_seq(case_no) -> int:
    return db.session.scalar(select(ExecutionRecord.seq).where(
        ExecutionRecord.case_id == _case(case_no).id, ExecutionRecord.action == "task_completed",
        ExecutionRecord.task_name == "decide"))


def grant_to_deny(payload: str) -> str:
    assert '"grant"' in payload
    return payload.replace('"decision":"grant"', '"decision":"deny"')


def test_the_insider_rewrite_is_found_with_the_case_and_the_first_record(app, api, ctx, decided):
    other = api.new_case()["case_no"]
    take_checkpoint("test")
    assert verify_against_checkpoints().ok
    seq = _decision_seq(decided)
    insider_rewrite(decided, seq, grant_to_deny)
    db.session.expire_all()
    assert verify_case(_case(decided)).valid  # the chain alone no longer shows it

    report = verify_against_checkpoints()
    assert not report.ok
    (problem,) = report.problems
    assert (problem.case_no, problem.seq, problem.checkpoint) == (decided, seq, 1)
    assert "changed after it was anchored" in problem.message
    assert verify_case_against_checkpoints(_case(other))["valid"] is True  # per case: its chain and the checkpoints
    mine = verify_case_against_checkpoints(_case(decided))
    assert mine["first_invalid_seq"] == seq and mine["valid"] is False

    result = app.test_cli_runner().invoke(args=["records", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN {decided}: record #{seq}: does not match the hash anchored in checkpoint #1" in result.output
    one = app.test_cli_runner().invoke(args=["records", "verify", "--case", other])
    assert one.exit_code == 0, one.output  # the CLI for one case reports that case (and the checkpoints)


def test_records_added_after_a_checkpoint_are_anchored_by_the_next_one(api, ctx, decided):
    take_checkpoint("first")
    api.complete(decided, "deliver", "clerk", f.deliver())
    second = take_checkpoint("second")
    payload = json.loads(second.payload)
    (appended,) = [a for a in payload["appended"] if a["case_no"] == decided]
    count = _case(decided).records_count
    assert appended["hashes"][-1] == _case(decided).records_head and appended["from_seq"] + len(appended["hashes"]) - 1 == count
    insider_rewrite(decided, count, lambda p: p.replace("clerk", "mallory") if "clerk" in p else p + " ")
    db.session.expire_all()
    report = verify_against_checkpoints()
    assert [(p.case_no, p.seq, p.checkpoint) for p in report.problems] == [(decided, count, 2)]


def test_a_removed_record_and_a_removed_case_are_found(api, ctx, decided):
    take_checkpoint("test")
    case = _case(decided)
    last = case.records_count
    behind_the_triggers("execution_record", [f"DELETE FROM execution_record WHERE case_id = {case.id} AND seq = {last}"])
    db.session.expire_all()
    report = verify_against_checkpoints()
    assert [(p.case_no, p.seq) for p in report.problems] == [(decided, last)]
    assert "removed" in report.problems[0].message


def test_a_tampered_line_in_the_checkpoint_file_is_found_and_the_database_copy_used(app, api, ctx, decided):
    take_checkpoint("test")
    path = journal_path()
    entry = json.loads(path.read_text(encoding="utf-8"))
    seq = _decision_seq(decided)
    block = next(a for a in entry["payload"]["appended"] if a["case_no"] == decided)
    block["hashes"][seq - block["from_seq"]] = "f" * 64  # someone "fixes" the anchor to hide a rewrite
    path.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    report = verify_against_checkpoints()
    messages = [p.message for p in report.problems]
    assert any("in the file: its content does not match its hash" in m for m in messages), messages
    assert any("the file and the database disagree" in m for m in messages), messages
    assert all(p.case_no is None for p in report.problems)  # the database's copy still anchors the chain

    result = app.test_cli_runner().invoke(args=["records", "verify"])
    assert result.exit_code == 1 and "CHECKPOINT checkpoint #1 in the file" in result.output


def test_an_altered_checkpoint_with_a_recomputed_hash_fails_its_signature(ctx, api, decided):
    take_checkpoint("test")
    path = journal_path()
    entry = json.loads(path.read_text(encoding="utf-8"))
    entry["payload"]["reason"] = "rewritten"
    entry["hash"] = __import__("hashlib").sha256(canonical_json(entry["payload"]).encode()).hexdigest()
    path.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    messages = [p.message for p in verify_against_checkpoints().problems]
    assert any("signature does not verify" in m for m in messages), messages


def test_a_checkpoint_signed_by_another_key_is_refused(ctx, api, decided):
    """A forger without the bureau's key signs with a self-made certificate of the same name."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from app.documents.signing import _certificate, _name
    take_checkpoint("test")
    path = journal_path()
    entry = json.loads(path.read_text(encoding="utf-8"))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(_name("鞍山市行政审批局"), key.public_key(), _name("鞍山市行政审批局 演示根证书 DEMO CA"), key,
                        ca=False, days=30)
    body = canonical_json(entry["payload"]).encode()
    entry["signature"] = base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()
    entry["certificate"] = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    path.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    messages = [p.message for p in verify_against_checkpoints().problems]
    assert any("not the bureau's" in m for m in messages), messages


def test_checkpoints_removed_from_the_database_still_anchor_from_the_file(ctx, api, decided):
    take_checkpoint("one")
    take_checkpoint("two")
    CHECKPOINTS.behind(["DELETE FROM checkpoint"])  # the DBA removes the evidence…
    seq = _decision_seq(decided)
    insider_rewrite(decided, seq, grant_to_deny)  # …and rewrites the chain
    db.session.expire_all()
    report = verify_against_checkpoints()
    lines = [p.line() for p in report.problems]
    assert any("checkpoint #1 is in the file but missing from the database" in line for line in lines), lines
    assert any(line.startswith(f"BROKEN {decided}: record #{seq}") for line in lines), lines


def test_a_line_removed_from_the_file_breaks_the_chain_of_checkpoints(ctx, api, decided):
    for reason in ("one", "two", "three"):
        take_checkpoint(reason)
    path = journal_path()
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], lines[2]]) + "\n", encoding="utf-8")
    CHECKPOINTS.behind(["DELETE FROM checkpoint WHERE seq = 2"])
    messages = [p.message for p in verify_against_checkpoints().problems]
    assert any("#2–#2 are missing" in m for m in messages), messages


def test_the_checkpoint_table_is_append_only(ctx, api, decided):
    from sqlalchemy.exc import DatabaseError
    take_checkpoint("test")
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE checkpoint SET reason = 'x'"))


def test_the_deployment_log_is_anchored_too(ctx):
    from app.designer.records import behind_the_triggers as behind_deployments
    from app.documents.templating import deploy_templates
    # a new version of its own (the cleanup removes it again; the baseline's records stay untouched)
    deploy_templates([("licence.html", "<h1 class='title'>{{ doc.title }}</h1><p>{{ data.scope }}</p>")],
                     "designer", "test")
    take_checkpoint("test")
    last = db.session.scalar(text("SELECT max(seq) FROM deployment_record"))
    behind_deployments([f"UPDATE deployment_record SET hash = '{'0' * 64}' WHERE seq = {last}"])
    report = verify_against_checkpoints()
    assert [(p.case_no, p.seq) for p in report.problems] == [(None, last)]
    assert report.problems[0].line().startswith(f"CHECKPOINT deployment record #{last}: deployment log:")


def test_the_payload_is_signed_with_a_merkle_root_over_every_head(ctx, api, decided):
    other = api.new_case()["case_no"]
    row = take_checkpoint("test")
    payload = json.loads(row.payload)
    assert payload["seq"] == 1 and payload["prev"] == "0" * 64
    heads = {c["case_no"]: (c["count"], c["head"]) for c in payload["cases"]}
    assert heads[decided] == (_case(decided).records_count, _case(decided).records_head) and other in heads
    assert payload["merkle_root"] == row.merkle_root == merkle.root(
        [f"deployments:{payload['deployments']['count']}:{payload['deployments']['head']}".encode()]
        + [f"case:{c['case_no']}:{c['count']}:{c['head']}".encode() for c in payload["cases"]])
    second = take_checkpoint("again")
    assert json.loads(second.payload)["prev"] == row.hash


def test_merkle_root_follows_rfc_6962():
    import hashlib
    h = lambda b: hashlib.sha256(b).digest()  # noqa: E731
    a, b, c = h(b"\x00a"), h(b"\x00b"), h(b"\x00c")
    assert merkle.root([b"a"]) == a.hex()
    assert merkle.root([b"a", b"b"]) == h(b"\x01" + a + b).hex()
    assert merkle.root([b"a", b"b", b"c"]) == h(b"\x01" + h(b"\x01" + a + b) + c).hex()
    assert merkle.root([]) == hashlib.sha256(b"").hexdigest()


def test_the_scheduler_job_takes_one_only_when_something_changed(ctx, api, decided):
    from app.anchoring.service import scheduled_checkpoint
    from app.core.clock import utcnow
    assert scheduled_checkpoint(utcnow()) == {"taken": 1, "seq": 1}
    assert scheduled_checkpoint(utcnow()) == {"taken": 0}
    api.complete(decided, "deliver", "clerk", f.deliver())
    assert scheduled_checkpoint(utcnow()) == {"taken": 1, "seq": 2}
    from app.scheduler.jobs import JOBS
    assert JOBS["checkpoint"].interval_seconds == 3600


def test_cli_checkpoint_and_the_public_api_copies(app, api, client, decided):
    result = app.test_cli_runner().invoke(args=["records", "checkpoint", "--reason", "归档前"])
    assert result.exit_code == 0 and "checkpoint #1" in result.output, result.output
    app.test_cli_runner().invoke(args=["records", "checkpoint"])
    body = client.get("/api/public/checkpoints?per_page=1").get_json()
    assert body["total"] == 2 and len(body["items"]) == 1 and body["items"][0]["payload"]["reason"] == "归档前"
    newer = client.get("/api/public/checkpoints?after_seq=1").get_json()
    assert [i["payload"]["seq"] for i in newer["items"]] == [2]
    with app.app_context():
        line = json.loads(journal_path().read_text(encoding="utf-8").splitlines()[1])
    assert newer["items"][0] == line  # the API item is exactly the file's line
    bad = client.get("/api/public/checkpoints?per_page=1000")
    assert bad.status_code == 422 and bad.get_json()["error"] == "invalid_data"
    ok = app.test_cli_runner().invoke(args=["records", "verify"])
    assert ok.exit_code == 0 and "2 checkpoint(s)" in ok.output and "0 broken" in ok.output


def test_public_copies_verify_with_the_published_certificate(app, api, client, decided):
    from cryptography import x509

    from app.documents.signing import verify_bytes
    api.get("/api/signing/certificate")
    app.test_cli_runner().invoke(args=["records", "checkpoint"])
    item = client.get("/api/public/checkpoints").get_json()["items"][0]
    cert = x509.load_pem_x509_certificate(client.get("/api/signing/certificate").get_data())
    assert base64.b64decode(item["certificate"]) == cert.public_bytes(__import__(
        "cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER)
    assert verify_bytes(cert, canonical_json(item["payload"]).encode(), base64.b64decode(item["signature"]))

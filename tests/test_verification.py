"""Verification (issue 13): the case row's legal fields are covered by the chain (a change made in the
database is found, naming the field); a checkpoint at every archive; signed archive manifests with the
documents in the bundle; the insider rewrite found after a checkpoint by the CLI and the API verify."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select, text

from app.anchoring.models import Checkpoint
from app.anchoring.service import take_checkpoint
from app.cases.models import Case
from app.extensions import db
from app.records.chain import record_hash
from app.records.models import ExecutionRecord
from tests.support import forms as f
from tests.support.database import behind_the_triggers
from tests.support.flows import finish_after_decision, granted_case


def _case(case_no) -> Case:
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.case_no == case_no))


@pytest.fixture
def decided(api):
    return granted_case(api)


def _verify_api(api, case_no) -> dict:
    res = api.get(f"/api/cases/{case_no}/records/verify", "supervisor")
    assert res.status_code == 200
    return res.get_json()


@pytest.mark.parametrize("column, value, field", [
    ("applicant_name", "'另一家公司'", "applicant_name"),
    ("applicant_code", "'91210300XXXXXXXXXX'", "applicant_code"),
    ("confidentiality", "'public'", "confidentiality"),
    ("is_major", "TRUE", "is_major"),
    ("status", "'completed'", "status"),
    ("facts", "'{\"category\": \"general\", \"investment\": 1, \"proposal\": \"grant\"}'", "facts"),
])
def test_a_row_field_changed_in_the_database_is_found_naming_the_field(app, api, ctx, decided, column, value, field):
    assert _verify_api(api, decided)["valid"] is True
    case_id = _case(decided).id
    db.session.execute(text(f"UPDATE approval_case SET {column} = {value} WHERE id = {case_id}"))
    db.session.commit()
    body = _verify_api(api, decided)
    assert body["valid"] is False and f"case row field {field}" in body["reason"]
    result = app.test_cli_runner().invoke(args=["records", "verify", "--case", decided])
    assert result.exit_code == 1 and f"case row field {field}" in result.output


def test_changes_made_through_the_steps_stay_consistent_with_the_row(app, api, ctx):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review(category="resource_allocation"))  # marked major, facts
    assert _case(case_no).is_major is True
    assert _verify_api(api, case_no)["valid"] is True
    result = app.test_cli_runner().invoke(args=["records", "verify"])
    assert result.exit_code == 0, result.output


def test_a_checkpoint_is_taken_at_every_archive_and_the_hourly_job_exists(app, api, ctx, decided):
    finish_after_decision(api, decided)
    rows = db.session.scalars(select(Checkpoint).order_by(Checkpoint.seq)).all()
    assert [r.reason for r in rows] == [f"archive {decided}"]
    anchored = json.loads(rows[0].payload)
    assert any(c.get("case_no") == decided and c.get("count") == _case(decided).records_count
               for c in anchored["cases"])
    from app.scheduler.jobs import JOBS
    job = JOBS["checkpoint"]
    assert job.func_path.endswith(":scheduled_checkpoint") and app.config["CHECKPOINT_INTERVAL_SECONDS"] == 3600


def test_the_bundle_holds_the_documents_and_a_signed_manifest(app, api, ctx, decided, tmp_path):
    from app.archive import archive_path, verify_bundle
    from app.archive.verify import report
    from app.documents import service
    finish_after_decision(api, decided)
    path = archive_path(decided)
    docs = service.case_documents(_case(decided))
    assert {d.doc_type for d in docs} >= {"acceptance_notice", "licence", "grant_decision", "service_receipt"}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        for d in docs:
            (member,) = [m for m in manifest["documents"] if m["number"] == d.number]
            assert member["name"] in names and member["sha256"] == d.sha256
            assert zf.read(member["name"]).startswith(b"%PDF")
        sig = json.loads(zf.read("manifest.sig"))
        seal = json.loads(zf.read("records.jsonl").decode().splitlines()[-1])["payload"]
    assert sorted(json.loads(seal)["documents"]) == sorted({d.sha256 for d in docs})
    from app.documents.signing import load_key
    assert sig["certificate_sha256"] == load_key().fingerprint
    assert verify_bundle(path) == []
    lines, ok = report(path)
    assert ok and any(f"{len(docs)} official document(s); manifest signed by certificate SHA-256 "
                      f"{load_key().fingerprint}" in line for line in lines)

    # A manifest recomputed by someone without the key (a document swapped, hashes fixed) fails its signature.
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    manifest["note"] = "rewritten"
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    problems = [str(p) for p in verify_bundle(forged)]
    assert any("manifest.sig" in p and "another manifest" in p for p in problems), problems


def _rewrite_decision_after_checkpoint(case_no) -> int:
    """The insider: drop the triggers, change the decision record grant → deny, recompute every later hash
    and the head on the case row."""
    case = _case(case_no)
    records = db.session.scalars(select(ExecutionRecord).where(ExecutionRecord.case_id == case.id)
                                 .order_by(ExecutionRecord.seq)).all()
    seq = next(r.seq for r in records if r.action == "decision_made")
    prev = records[seq - 2].hash
    statements = []
    for rec in records[seq - 1:]:
        row = {c: getattr(rec, c) for c in ("case_id", "seq", "ts", "actor", "role", "action", "task_id",
                                            "task_name", "from_state", "to_state", "payload")}
        if rec.seq == seq:
            assert '"decision":"grant"' in row["payload"]
            row["payload"] = row["payload"].replace('"decision":"grant"', '"decision":"deny"')
        row["prev_hash"] = prev
        prev = record_hash(**row)
        payload = row["payload"].replace("'", "''").replace(":", "\\:")
        statements.append(f"UPDATE execution_record SET payload = '{payload}', prev_hash = '{row['prev_hash']}', "
                          f"hash = '{prev}' WHERE id = {rec.id}")
    behind_the_triggers("execution_record", statements + [
        f"UPDATE approval_case SET records_head = '{prev}' WHERE id = {case.id}"])
    return seq


def test_the_insider_rewrite_is_found_by_the_api_and_the_cli_after_a_checkpoint(app, api, ctx, decided):
    take_checkpoint("test")
    seq = _rewrite_decision_after_checkpoint(decided)
    body = _verify_api(api, decided)
    assert body["valid"] is False and body["first_invalid_seq"] == seq
    result = app.test_cli_runner().invoke(args=["records", "verify"])
    assert result.exit_code == 1 and f"BROKEN {decided}: record #{seq}" in result.output

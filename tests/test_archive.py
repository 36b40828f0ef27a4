"""Sealed case files (执法案卷, 一案一卷): the archive step seals the case, the bundle checks offline, every
kind of tampering is named precisely, and an archived case is read-only."""
from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.support import forms as f
from tests.support.flows import finish_after_decision, publication_action

PROJECT = Path(__file__).resolve().parent.parent
PHOTO = b"\xff\xd8\xff\xe0" + b"JFIF site photo " * 64
PDF_V1 = b"%PDF-1.4\n% business licence, first scan\n%%EOF\n"
PDF_V2 = b"%PDF-1.4\n% business licence, clear scan\n%%EOF\n"


def _user(name):
    from app.users.models import User
    return db.session.scalar(select(User).where(User.username == name))


def _case(case_no):
    from app.cases.models import Case
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.case_no == case_no))


def _upload(case_no, name, content, user="clerk", task_id=None):
    from app.evidence.service import Upload, attach
    (row,) = attach(_user(user), case_no, [Upload(name, io.BytesIO(content), "internal", "test")], task_id=task_id)
    return row


def _drive_to_decision(api, app):
    """A standard case with a photo, and a licence scan that was superseded by a clearer one."""
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    with app.app_context():
        from app.evidence.service import Upload, supersede
        _upload(case_no, "现场照片.jpg", PHOTO)
        old = _upload(case_no, "营业执照.pdf", PDF_V1)
        supersede(_user("clerk"), old.id, Upload("营业执照.pdf", io.BytesIO(PDF_V2), "internal"), "原扫描件不清晰")
        db.session.remove()
    api.complete(case_no, "review", "reviewer", f.review())
    api.complete(case_no, "decide", "leader", f.DECIDE_GRANT)
    return case_no


@pytest.fixture
def archived(api, app):
    """A case driven to completion through the API: its archive step sealed it."""
    case_no = _drive_to_decision(api, app)
    result = finish_after_decision(api, case_no)
    assert result["case"]["status"] == "completed"
    return case_no


# ------------------------------------------------------------------------------------------ sealing

def test_archive_step_seals_the_case_file(archived, app):
    from app.archive import archive_path, verify_bundle
    from app.evidence.models import Evidence
    from app.records.models import ExecutionRecord
    with app.app_context():
        case = _case(archived)
        assert case.archived_at is not None and len(case.archive_sha256) == 64
        path = archive_path(archived)
        assert path.is_file() and not list(path.parent.glob(".*.tmp"))
        last = db.session.scalars(select(ExecutionRecord).where(ExecutionRecord.case_id == case.id)
                                  .order_by(ExecutionRecord.seq.desc()).limit(1)).one()
        evidence = db.session.scalars(select(Evidence).where(Evidence.case_id == case.id)).all()
        seal = json.loads(last.payload)
        assert last.action == "case_archived" and last.actor == "clerk" and last.seq == case.records_count
        assert seal["records_sealed"] == last.seq and seal["archive_no"] == f.ARCHIVE["archive_no"]
        assert sorted(seal["files"]) == sorted({e.sha256 for e in evidence}) and len(seal["files"]) == 3

        with zipfile.ZipFile(path) as zf:
            manifest_bytes = zf.read("manifest.json")
            manifest = json.loads(manifest_bytes)
            names = set(zf.namelist())
            lines = zf.read("records.jsonl").decode().splitlines()
            summary = zf.read("summary.html").decode()
            case_json = json.loads(zf.read("case.json"))
        # the seal on the case row is the manifest's hash; the manifest's chain head is the sealing record
        assert hashlib.sha256(manifest_bytes).hexdigest() == case.archive_sha256
        assert manifest["sealed"] is True and manifest["case_no"] == archived
        assert manifest["chain_head"] == {"records_count": last.seq, "last_hash": last.hash}
        assert {m["name"] for m in manifest["members"]} == names - {"manifest.json", "manifest.sig"}
        files = {n for n in names if n.startswith("files/")}
        assert files == {f"files/{hashlib.sha256(PHOTO).hexdigest()}__现场照片.jpg",
                         f"files/{hashlib.sha256(PDF_V1).hexdigest()}__营业执照.pdf",
                         f"files/{hashlib.sha256(PDF_V2).hexdigest()}__营业执照.pdf"}
        assert {"case.json", "records.jsonl", "summary.html", "verify.py"} <= names
        assert any(n.startswith("definitions/standard_permit_v") and n.endswith(".bpmn") for n in names)
        assert any(n.endswith(".dmn") for n in names)
        assert len(lines) == last.seq and json.loads(lines[-1])["action"] == "case_archived"
        assert case_json["applicant"]["name"] == "鞍山示例食品有限公司" and case_json["archived_at"]
        assert case_json["is_major"] is False and case_json["status"] == "completed"
        assert {d["key"] for d in case_json["definitions"]} >= {"standard_permit"}
        assert [e["superseded"] for e in case_json["evidence"]] == [False, True, False]
        # printable summary in Chinese, in plain words
        assert "电子案卷，哈希校验见 manifest.json" in summary and archived in summary
        assert "营业执照.pdf" in summary and "上传了文件 现场照片.pdf" not in summary
        assert "办理了“审查”" in summary and "封存了电子案卷" in summary and last.hash in summary
        assert verify_bundle(path) == []


def test_verifier_record_hash_equals_the_apps(archived, app):
    """The offline verifier's copy of the record hash gives exactly app.records.chain.record_hash."""
    from app.archive import archive_path, verify
    from app.archive.bundle import _record_row
    from app.records.chain import EXECUTION_CHAIN
    from app.records.models import ExecutionRecord
    with app.app_context():
        case = _case(archived)
        records = db.session.scalars(select(ExecutionRecord).where(ExecutionRecord.case_id == case.id)
                                     .order_by(ExecutionRecord.seq)).all()
        assert len(records) > 20
        for rec in records:
            columns = {name: getattr(rec, name) for name in EXECUTION_CHAIN.fields}
            assert verify.record_hash(_record_row(rec)) == EXECUTION_CHAIN.hash(rec) == rec.hash
            assert verify.record_hash(columns) == rec.hash  # a datetime ts as well
        with zipfile.ZipFile(archive_path(archived)) as zf:
            exported = [json.loads(line) for line in zf.read("records.jsonl").decode().splitlines()]
        assert [verify.record_hash(row) for row in exported] == [r.hash for r in records]
        assert exported[3]["payload"] == records[3].payload  # the stored text, byte for byte


def test_export_and_verify_from_the_command_line(archived, app, tmp_path):
    bundle = tmp_path / "案卷.zip"
    runner = app.test_cli_runner()
    res = runner.invoke(args=["archive", "export", archived, str(bundle), "--as", "auditor"])
    assert res.exit_code == 0, res.output
    assert archived in res.output and "manifest.json SHA-256" in res.output and "3 evidence file(s)" in res.output
    manifest = json.loads(zipfile.ZipFile(bundle).read("manifest.json"))
    assert manifest["exported_by"] == "auditor" and manifest["sealed"] is False

    res = runner.invoke(args=["archive", "verify", str(bundle)])
    assert res.exit_code == 0, res.output
    assert res.output.startswith(f"OK {archived}: ") and "3 files" in res.output

    # python -m app.archive.verify, with a clean environment: same output
    proc = subprocess.run([sys.executable, "-m", "app.archive.verify", str(bundle)], cwd=PROJECT, env={},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == res.output

    # the verifier shipped in the bundle, alone, with nothing but the standard library (-S: no site-packages)
    alone = tmp_path / "verify.py"
    alone.write_bytes(zipfile.ZipFile(bundle).read("verify.py"))
    proc = subprocess.run([sys.executable, "-I", "-S", str(alone), str(bundle)], cwd=tmp_path, env={},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == res.output
    tree = ast.parse((PROJECT / "app" / "archive" / "verify.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))


def test_verify_needs_no_database(archived, app):
    """`flask archive verify` works while the database is unreachable."""
    from app import create_app
    from app.archive import archive_path
    with app.app_context():
        bundle = str(archive_path(archived))
    offline = create_app({"TESTING": True, "SECRET_KEY": "x",
                          "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/nowhere"})
    res = offline.test_cli_runner().invoke(args=["archive", "verify", bundle])
    assert res.exit_code == 0, res.output
    assert res.output.startswith(f"OK {archived}: ")


# ------------------------------------------------------------------------------------------ tampering

def _rewrite(src: Path, dst: Path, edit, fix_manifest: bool) -> None:
    """Copy a bundle, letting ``edit`` change its members (name -> bytes); optionally recompute the
    manifest's entries for every changed or removed member (an attacker who knows the format)."""
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    before = dict(members)
    edit(members)
    if fix_manifest:
        manifest = json.loads(members["manifest.json"])
        entries = {m["name"]: m for m in manifest["members"]}
        for name, data in members.items():
            if name != "manifest.json" and name in entries and before.get(name) != data:
                entries[name].update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        manifest["members"] = [m for m in manifest["members"] if m["name"] in members]
        # without the bureau's key the attacker cannot re-sign: they drop the signature (a re-signed or
        # still-signed forgery is tests/test_verification.py's)
        manifest.pop("signature", None)
        members.pop("manifest.sig", None)
        members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _records(members) -> list[dict]:
    return [json.loads(line) for line in members["records.jsonl"].decode().splitlines()]


def _put_records(members, rows) -> None:
    members["records.jsonl"] = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


@pytest.fixture
def sealed(archived, app):
    from app.archive import archive_path
    with app.app_context():
        return archive_path(archived)


def test_a_changed_byte_in_a_file_is_named(sealed, tmp_path):
    from app.archive import verify_bundle
    photo = f"files/{hashlib.sha256(PHOTO).hexdigest()}__现场照片.jpg"

    def flip(members):
        data = bytearray(members[photo])
        data[40] ^= 0x01
        members[photo] = bytes(data)
    _rewrite(sealed, tmp_path / "t.zip", flip, fix_manifest=False)
    problems = verify_bundle(tmp_path / "t.zip")
    assert problems and {p.member for p in problems} == {photo}
    assert str(problems[0]).startswith(f"{photo}: SHA-256 mismatch")

    # even with the manifest recomputed, the file's own name (and the records) still hold the true hash
    _rewrite(sealed, tmp_path / "t2.zip", flip, fix_manifest=True)
    problems = verify_bundle(tmp_path / "t2.zip")
    assert {p.member for p in problems} == {photo} and all("SHA-256 mismatch" in str(p) for p in problems)


def test_a_removed_record_is_named_by_its_seq(sealed, tmp_path):
    from app.archive import verify_bundle

    def drop(members):
        rows = _records(members)
        victim = next(r for r in rows if r["seq"] > 3 and r["action"] == "task_claimed"
                      or r["seq"] > 3 and r["action"] == "status_changed")
        drop.seq = victim["seq"]
        _put_records(members, [r for r in rows if r is not victim])
    _rewrite(sealed, tmp_path / "t.zip", drop, fix_manifest=True)
    problems = [str(p) for p in verify_bundle(tmp_path / "t.zip")]
    assert problems == [f"records.jsonl: record #{drop.seq} missing (sequence jumps from {drop.seq - 1} "
                        f"to {drop.seq + 1})"]


def test_an_added_file_not_in_the_manifest_is_reported(sealed, tmp_path):
    from app.archive import verify_bundle
    _rewrite(sealed, tmp_path / "t.zip", lambda m: m.update({"extra.txt": b"slipped in later"}), fix_manifest=False)
    assert [str(p) for p in verify_bundle(tmp_path / "t.zip")] == ["unexpected member extra.txt not in manifest"]


def test_a_changed_payload_is_a_hash_mismatch_at_its_seq(sealed, tmp_path):
    from app.archive import verify_bundle

    def alter(members):
        rows = _records(members)
        decided = next(r for r in rows if r["action"] == "decision_made")
        assert '"grant"' in decided["payload"]
        decided["payload"] = decided["payload"].replace('"grant"', '"deny"')
        alter.seq = decided["seq"]
        _put_records(members, rows)
    _rewrite(sealed, tmp_path / "t.zip", alter, fix_manifest=True)
    problems = verify_bundle(tmp_path / "t.zip")
    assert [str(p) for p in problems] == [f"records.jsonl: record #{alter.seq} does not match its hash"]
    assert problems[0].seq == alter.seq and problems[0].member == "records.jsonl"


def test_a_removed_file_with_its_manifest_entry_is_caught_by_the_records(sealed, tmp_path):
    from app.archive import verify_bundle
    photo = f"files/{hashlib.sha256(PHOTO).hexdigest()}__现场照片.jpg"
    _rewrite(sealed, tmp_path / "t.zip", lambda m: m.pop(photo), fix_manifest=True)
    problems = [str(p) for p in verify_bundle(tmp_path / "t.zip")]
    assert any("现场照片.jpg" in p and "not in the bundle" in p for p in problems)
    assert any(p.startswith("records.jsonl: record #") and "现场照片.jpg" in p for p in problems)


def test_cut_off_records_and_the_expected_manifest_hash(sealed, archived, app, tmp_path):
    from app.archive.verify import report, verify_bundle
    _rewrite(sealed, tmp_path / "t.zip", lambda m: _put_records(m, _records(m)[:-1]), fix_manifest=True)
    problems = [str(p) for p in verify_bundle(tmp_path / "t.zip")]
    assert any("chain head mismatch" in p for p in problems)

    # a bundle rebuilt from scratch with a consistent manifest: only the hash kept on the case tells
    with app.app_context():
        expected = _case(archived).archive_sha256
    assert report(sealed, expected)[1] is True
    _rewrite(sealed, tmp_path / "t2.zip", lambda m: m.update({"summary.html": b"<p>rewritten</p>"}),
             fix_manifest=True)
    assert verify_bundle(tmp_path / "t2.zip") == []
    lines, ok = report(tmp_path / "t2.zip", expected)
    assert not ok and "not the expected" in lines[1]
    res = app.test_cli_runner().invoke(args=["archive", "verify", str(tmp_path / "t2.zip"),
                                             "--expect-manifest", expected])
    assert res.exit_code == 1 and "FAILED" in res.output


def test_cli_verify_prints_each_problem_and_exits_1(sealed, app, tmp_path):
    _rewrite(sealed, tmp_path / "t.zip", lambda m: m.update({"extra.txt": b"x"}), fix_manifest=False)
    res = app.test_cli_runner().invoke(args=["archive", "verify", str(tmp_path / "t.zip")])
    assert res.exit_code == 1
    assert res.output.splitlines()[1:] == ["  unexpected member extra.txt not in manifest"]
    proc = subprocess.run([sys.executable, "-m", "app.archive.verify", str(tmp_path / "t.zip")], cwd=PROJECT,
                          env={}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stdout == res.output
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert app.test_cli_runner().invoke(args=["archive", "verify", str(tmp_path / "junk.zip")]).exit_code == 1


# ------------------------------------------------------------------------------------------ read-only

def test_an_archived_case_is_read_only(archived, api, app):
    from app.core.errors import Conflict
    from app.evidence.service import Upload, supersede
    with app.app_context():
        head = _case(archived).records_count
        from app.cases.models import TaskItem
        archive_task = db.session.scalar(select(TaskItem).where(TaskItem.name == "archive",
                                                                TaskItem.case.has(case_no=archived)))
        task_id = archive_task.id
    for verb, body in (("claim", None), ("release", None), ("complete", {"data": f.ARCHIVE})):
        res = api.post(f"/api/tasks/{task_id}/{verb}", "clerk", json=body)
        assert res.status_code == 409 and res.get_json()["error"] == "case_archived_read_only", verb
        assert "归档封存" in res.get_json()["message"]
    res = api.post(f"/api/tasks/{task_id}/complete?lang=en", "clerk", json={"data": f.ARCHIVE})
    assert "read-only" in res.get_json()["message"]
    with app.app_context():
        from app.cases.service import save_draft
        with pytest.raises(Conflict) as err:
            save_draft(_user("clerk"), task_id, {"archive_no": "x"})
        assert err.value.status == 409
        db.session.rollback()
        with pytest.raises(Conflict) as err:
            _upload(archived, "补充材料.pdf", PDF_V1)
        assert err.value.status == 409 and err.value.code == "case_archived_read_only"
        db.session.rollback()
        from app.evidence.models import Evidence
        current = db.session.scalars(select(Evidence).where(Evidence.superseded.is_(False),
                                                            Evidence.case.has(case_no=archived))).first()
        with pytest.raises(Conflict) as err:
            supersede(_user("clerk"), current.id, Upload("x.pdf", io.BytesIO(PDF_V1), "internal"), "更正")
        assert err.value.status == 409
        db.session.rollback()
        assert _case(archived).records_count == head  # refusals of a sealed case add nothing to its file


# ------------------------------------------------------------------------------------------ seal by command

def test_seal_a_case_rejected_at_intake_by_command(api, app):
    from app.archive import archive_path, verify_bundle
    running = api.new_case()["case_no"]
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.REJECT)
    runner = app.test_cli_runner()
    res = runner.invoke(args=["archive", "seal", running, "--as", "clerk"])
    assert res.exit_code == 1 and "尚未办结" in res.output
    res = runner.invoke(args=["archive", "seal", case_no, "--as", "reviewer"])
    assert res.exit_code == 1 and "permission_denied" in res.output
    res = runner.invoke(args=["archive", "seal", case_no, "--as", "clerk"])
    assert res.exit_code == 0, res.output
    assert "sealed bundle" in res.output
    with app.app_context():
        case = _case(case_no)
        assert case.archived_at and case.archive_sha256 in res.output
        assert verify_bundle(archive_path(case_no)) == []
    res = runner.invoke(args=["archive", "seal", case_no, "--as", "clerk"])
    assert res.exit_code == 1 and "已归档封存" in res.output


def test_the_archive_step_is_refused_when_a_file_is_missing(api, app):
    """A case file that is not whole is not sealed: the step is refused (and that is recorded)."""
    from app.evidence.service import blob_path
    case_no = _drive_to_decision(api, app)
    unique = b"%PDF-1.4\n% " + uuid.uuid4().hex.encode() + b"\n%%EOF\n"
    with app.app_context():
        row = _upload(case_no, "送达回证.pdf", unique)
        os.unlink(blob_path(row.sha256))
        db.session.remove()
    api.complete(case_no, "deliver", "clerk", f.deliver())
    publication_action(app, case_no, "publish", "clerk")
    body = api.complete(case_no, "archive", "clerk", f.ARCHIVE, expect=409)
    assert body["error"] == "archive_failed" and "送达回证.pdf" in body["message"]
    case = api.case(case_no)
    assert [t["name"] for t in case["tasks"]] == ["archive"] and case["status"] == "archiving"
    records = api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"]
    assert records[-1]["action"] == "refused" and records[-1]["payload"]["reason"] == "archive_failed"
    with app.app_context():
        assert _case(case_no).archived_at is None


def test_the_sealed_summary_is_chinese_whatever_the_language_of_the_request(api, app):
    from app.archive import archive_path
    case_no = _drive_to_decision(api, app)
    api.complete(case_no, "deliver", "clerk", f.deliver())
    publication_action(app, case_no, "publish", "clerk")
    task = api.open_task(case_no, "archive")
    res = api.post(f"/api/tasks/{task['id']}/complete?lang=en", "clerk", json={"data": f.ARCHIVE})
    assert res.status_code == 200 and "Completed" in res.get_json()["message"]
    with app.app_context():
        summary = zipfile.ZipFile(archive_path(case_no)).read("summary.html").decode()
    assert "案件状态</th><td>已办结" in summary and "办理了“审查”" in summary and "窗口受理人员" in summary
    assert "Completed" not in summary

"""Export a case as a bundle (执法案卷, 一案一卷) and seal a case when it is archived.

A bundle is a ZIP file:

    case.json                       the case row, applicant, facts, major flag, dates, definition versions,
                                    evidence list, legal-review rounds, committee meetings, tasks
    records.jsonl                   every execution record, every column exactly as stored
    definitions/<key>_v<n>.<bpmn|dmn>  the definition versions the case ran on
    files/<sha256>__<name>          every evidence file, superseded versions too
    summary.html                    a printable summary in Chinese (app.archive.summary)
    verify.py                       the offline checker (standard library only), for convenience
    manifest.json                   SHA-256 and size of every other member, chain head, case_no, exporter

Sealing rule (see docs/archive.md): in ONE transaction, the ``case_archived`` record is appended first --
its payload names the number of records it seals (its own seq), the evidence files' and definitions'
SHA-256 -- then the bundle is written with that record as its last one and as the manifest's chain head;
the SHA-256 of manifest.json goes on the case row (``archive_sha256``), never into the records (the
manifest covers the records, so it cannot be inside them). The ZIP is written to a temporary name and moved
to ``ARCHIVE_DIR/<case_no>.zip`` (by default ``instance/archive/``) only after the commit.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.archive.signed import SIGNATURE, DocumentMissing, add_documents, checkpoint_after_archive, signature_for
from app.archive.summary import render_summary
from app.archive.verify import FORMAT, MANIFEST
from app.cases.access import may_view_case
from app.cases.actions import action, lock_case_by_no
from app.cases.models import Case, TaskItem
from app.cases.verify import verify_case_and_row
from app.core.access import require_roles
from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.i18n import in_language, t
from app.core.vocabulary import TERMINAL_STATUSES, status_label
from app.definitions.models import DefinitionVersion
from app.documents.service import archive_members
from app.evidence.models import Evidence
from app.evidence.service import blob_path
from app.extensions import db
from app.legal_review.models import CommitteeMeeting, LegalReviewRound
from app.records import RecordDraft, append_records
from app.records.chain import canonical_timestamp
from app.records.models import ExecutionRecord
from app.users.models import User

FORMAT_VERSION = 1
NOTE = "电子案卷，哈希校验见 manifest.json"
SEAL_RULE = ("The last record (case_archived) seals records 1..records_sealed and names the evidence files and "
             "definitions by SHA-256; the SHA-256 of this manifest.json is kept on the case (archive_sha256).")
CASE_EXCLUDED = {"state", "lock_version", "archive_sha256"}  # engine internals; the seal cannot hold itself


class ArchiveError(Exception):
    """The case cannot be exported as it stands (a file missing or altered, the chain broken)."""


@dataclass
class Manifest:
    data: dict
    sha256: str  # of manifest.json's bytes
    path: Path | None = None

    @property
    def members(self) -> list[dict]:
        return self.data["members"]

    def lines(self) -> list[str]:
        head = self.data["chain_head"]
        files = sum(1 for m in self.members if m["name"].startswith("files/"))
        defs = sum(1 for m in self.members if m["name"].startswith("definitions/"))
        return [f"{self.data['case_no']}: {'sealed ' if self.data['sealed'] else ''}bundle {self.path or ''}",
                f"  {head['records_count']} records, chain head {head['last_hash']}",
                f"  {files} evidence file(s), {defs} definition(s), {len(self.members)} members",
                f"  exported {self.data['exported_at']} by {self.data['exported_by']}",
                f"  manifest.json SHA-256 {self.sha256}"]


@dataclass
class PendingBundle:
    """A sealed bundle written under a temporary name; moved into place once the transaction committed.

    ``with pending: db.session.commit()`` publishes it on success and deletes it on failure."""
    tmp: Path
    final: Path
    manifest: Manifest = field(repr=False)

    def publish(self) -> Manifest:
        os.replace(self.tmp, self.final)
        self.manifest.path = self.final
        return self.manifest

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> "PendingBundle":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.publish()
        else:
            self.discard()


def archive_dir() -> Path:
    return Path(current_app.config["ARCHIVE_DIR"])


def archive_path(case_no: str) -> Path:
    return archive_dir() / f"{case_no}.zip"


# ------------------------------------------------------------------------------------------ public actions

def export_case(case_no: str, path, exporter: str = "system") -> Manifest:
    """Write the case's bundle to ``path`` (replaced atomically). Reads only: the case row is share-locked
    (PostgreSQL) so the records, files and head exported belong together."""
    case = db.session.scalars(select(Case).where(Case.case_no == case_no).with_for_update(read=True, of=Case)
                              .execution_options(populate_existing=True)).first()
    if case is None:
        raise NotFound.of("not_found", what=case_no)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        manifest = _write_bundle(case, tmp, exporter, sealed=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        db.session.rollback()  # nothing was written; releases the share lock
    manifest.path = path
    return manifest


def seal_case(case: Case, user: User, role: str | None = None, archive_no: str | None = None) -> PendingBundle:
    """In the caller's transaction (the case row locked): append the ``case_archived`` record, write the
    bundle to a temporary file, and set ``archived_at`` and ``archive_sha256``. The caller commits inside
    ``with pending:``. Raises ArchiveError when the case file is not whole (chain broken, file missing)."""
    if case.archived_at is not None:
        raise Conflict.of("case_already_archived", case_no=case.case_no)
    if case.status not in TERMINAL_STATUSES:
        raise Conflict.of("case_not_finished", status=case.status)
    check = verify_case_and_row(case)  # the chain, and the row against what its records give
    if not check.valid:
        raise ArchiveError(f"execution record #{check.first_invalid_seq}: {check.reason}")
    evidence = _evidence(case)
    definitions = _definitions(case)
    case.archived_at = utcnow()
    append_records(case, [RecordDraft(actor=user.username, role=role, action="case_archived", payload={
        "archive_no": archive_no, "bundle": f"{case.case_no}.zip", "records_sealed": (case.records_count or 0) + 1,
        "files": sorted({e.sha256 for e in evidence}), "definitions": [v.sha256 for v in definitions],
        "documents": sorted({d["sha256"] for d in archive_members(case)})})])
    final = archive_path(case.case_no)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        manifest = _write_bundle(case, tmp, user.username, sealed=True)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    case.archive_sha256 = manifest.sha256
    return PendingBundle(tmp, final, manifest)


def archive_case(case_no: str, user: User) -> Manifest:
    """Seal a finished case that was not sealed by its own archive step (e.g. rejected at intake, or a
    process without one). One transaction; the bundle lands in ARCHIVE_DIR/<case_no>.zip."""
    @action
    def run() -> Manifest:
        case = lock_case_by_no(case_no)
        require_roles(user, "clerk", "supervisor")
        if not may_view_case(user, case):
            raise Forbidden.of("permission_denied")
        try:
            pending = seal_case(case, user, role="clerk" if user.has_role("clerk") else "supervisor")
        except ArchiveError as exc:
            db.session.rollback()
            raise Conflict(t("archive_failed", detail=str(exc)), code="archive_failed")
        with pending:
            db.session.commit()
        return pending.manifest
    manifest = run()
    checkpoint_after_archive(case_no)
    return manifest


# ------------------------------------------------------------------------------------------ writing

def _write_bundle(case: Case, target: Path, exporter: str, sealed: bool) -> Manifest:
    records = list(db.session.scalars(select(ExecutionRecord).where(
        ExecutionRecord.case_id == case.id, ExecutionRecord.seq <= (case.records_count or 0))
        .order_by(ExecutionRecord.seq)))
    evidence = _evidence(case)
    definitions = _definitions(case)
    exported_at = utcnow()
    members: list[dict] = []
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as zf:
        def add(name: str, data: bytes) -> None:
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
            members.append({"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})

        def_members = {v.id: f"definitions/{v.key}_v{v.version}.{v.kind}" for v in definitions}
        file_members = {e.id: f"files/{e.sha256}__{safe_filename(e.filename)}" for e in evidence}
        add("case.json", _dumps(_case_json(case, definitions, def_members, evidence, file_members)))
        add("records.jsonl", "".join(json.dumps(_record_row(r), ensure_ascii=False) + "\n"
                                     for r in records).encode("utf-8"))
        for v in definitions:
            if hashlib.sha256(v.content).hexdigest() != v.sha256:
                raise ArchiveError(f"definition {v.key} v{v.version}: its content no longer matches the SHA-256 "
                                   f"recorded at deployment")
            add(def_members[v.id], v.content)
        for e in evidence:
            name = file_members[e.id]
            if any(m["name"] == name for m in members):
                continue  # the same bytes under the same name (uploaded twice): one member
            members.append(_add_blob(zf, name, e))
        try:  # the official documents, signed PDFs (issue 13)
            doc_members, documents = add_documents(zf, case)
        except DocumentMissing as exc:
            raise ArchiveError(str(exc)) from exc
        members.extend(doc_members)
        add("summary.html", render_summary(case, records, evidence, file_members, definitions, exported_at,
                                           exporter, sealed, NOTE).encode("utf-8"))
        add("verify.py", Path(__file__).with_name("verify.py").read_bytes())
        data = {"format": FORMAT, "format_version": FORMAT_VERSION, "case_no": case.case_no, "case_id": case.id,
                "sealed": sealed, "exported_at": _iso(exported_at), "exported_by": exporter,
                "chain_head": {"records_count": case.records_count or 0, "last_hash": case.records_head or "0" * 64},
                "members": members, "documents": documents, "note": NOTE, "signature": SIGNATURE,
                "verify": "python3 verify.py <bundle>.zip  (or: flask archive verify <bundle>.zip)"}
        if sealed:
            data["seal_rule"] = SEAL_RULE
        manifest_bytes = _dumps(data)
        zf.writestr(MANIFEST, manifest_bytes, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr(SIGNATURE, signature_for(manifest_bytes), compress_type=zipfile.ZIP_DEFLATED)  # bureau key
    return Manifest(data, hashlib.sha256(manifest_bytes).hexdigest())


def _add_blob(zf: zipfile.ZipFile, name: str, evidence: Evidence) -> dict:
    """Copy an evidence file into the bundle, checking on the way that its bytes still have their hash."""
    path = blob_path(evidence.sha256)
    if not path.is_file():
        raise ArchiveError(f"file #{evidence.id} {evidence.filename}: missing from the evidence store ({path})")
    info = zipfile.ZipInfo(name, date_time=(evidence.uploaded_at or utcnow()).timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED  # photos, audio, video, PDF: compressed already
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as src, zf.open(info, "w", force_zip64=path.stat().st_size > 0x7FFF0000) as out:
        while chunk := src.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if digest.hexdigest() != evidence.sha256:
        raise ArchiveError(f"file #{evidence.id} {evidence.filename}: the stored bytes no longer hash to "
                           f"{evidence.sha256} (the evidence store was altered)")
    return {"name": name, "sha256": evidence.sha256, "size": size}


def safe_filename(name: str) -> str:
    """The uploaded name, usable as a ZIP member on any system: Chinese kept, separators and controls not."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', "_", name).strip(" .") or "file"
    if len(name) > 120:
        stem, ext = os.path.splitext(name)
        name = stem[:120 - len(ext)] + ext
    return name


def _evidence(case: Case) -> list[Evidence]:
    return list(db.session.scalars(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id)))


def _definitions(case: Case) -> list[DefinitionVersion]:
    ids = [int(i) for i in (case.bundle or "").split(",") if i]
    return list(db.session.scalars(select(DefinitionVersion).where(DefinitionVersion.id.in_(ids))
                                   .order_by(DefinitionVersion.key, DefinitionVersion.version)))


def _iso(value) -> str:
    return value.isoformat(timespec="microseconds") if isinstance(value, dt.datetime) else value.isoformat()


def _jsonable(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return _iso(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj, exclude=()) -> dict:
    return {c.key: _jsonable(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in exclude}


def _dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def _record_row(rec: ExecutionRecord) -> dict:
    """Every column as stored; ``ts`` formatted exactly as the record hash formats it."""
    row = {c.key: getattr(rec, c.key) for c in ExecutionRecord.__table__.columns}
    row["ts"] = canonical_timestamp(rec.ts)
    return row


def _case_json(case: Case, definitions, def_members, evidence, file_members) -> dict:
    row = _row(case, CASE_EXCLUDED)
    with in_language("zh"):
        label = status_label(case.status)
    return {
        "format": FORMAT, "case_no": case.case_no, "id": case.id,
        "item": {"code": case.item.code, "name": case.item.name, "category": case.item.category,
                 "major": case.item.major},
        "applicant": {"name": case.applicant_name, "type": case.applicant_type, "code": case.applicant_code},
        "facts": case.facts, "is_major": case.is_major, "major_reason": case.major_reason,
        "status": case.status, "status_label": label,
        "records_count": case.records_count or 0, "records_head": case.records_head or "0" * 64,
        "archived_at": _jsonable(case.archived_at) if case.archived_at else None,
        "case": row,
        "definitions": [{"id": v.id, "kind": v.kind, "key": v.key, "name": v.name, "version": v.version,
                         "filename": v.filename, "sha256": v.sha256, "deployed_by": v.deployed_by,
                         "deployed_at": _iso(v.deployed_at), "member": def_members[v.id]} for v in definitions],
        "evidence": [{**_row(e), "member": file_members[e.id]} for e in evidence],
        "tasks": [_row(task, ("draft",)) for task in db.session.scalars(
            select(TaskItem).where(TaskItem.case_id == case.id).order_by(TaskItem.created_at, TaskItem.id))],
        "legal_review_rounds": [_row(r) for r in db.session.scalars(
            select(LegalReviewRound).where(LegalReviewRound.case_id == case.id).order_by(LegalReviewRound.round_no))],
        "committee_meetings": [_row(m) for m in db.session.scalars(
            select(CommitteeMeeting).where(CommitteeMeeting.case_id == case.id)
            .order_by(CommitteeMeeting.meeting_no))],
    }

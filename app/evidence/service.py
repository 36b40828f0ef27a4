"""Documents and audio/video evidence (全过程记录): content-addressed, never replaced, access-checked.

The bytes are stored once under ``EVIDENCE_DIR/ab/abcdef…`` (their SHA-256); the database row and an
execution record carry that hash, so a changed file is found by comparing hashes. A correction is a new
version that supersedes the old one, with a reason; the old one stays.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.cases.access import get_case, may_act_on_case, may_view_case
from app.cases.actions import action, lock_case, lock_case_by_no, refuse
from app.cases.confidentiality import CONFIDENTIALITY_CLASSES
from app.cases.models import Case, TaskItem
from app.core.errors import Conflict, Forbidden, InvalidData, NotFound
from app.core.i18n import t
from app.evidence.models import Evidence
from app.extensions import db
from app.records import RecordDraft, append_records
from app.users.models import User

# extension -> (kind, content type, leading magic bytes or None when the format has none to check)
ALLOWED_TYPES: dict[str, tuple[str, str, tuple[bytes, ...] | None]] = {
    "pdf": ("document", "application/pdf", (b"%PDF",)),
    "doc": ("document", "application/msword", (b"\xd0\xcf\x11\xe0",)),
    "docx": ("document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK",)),
    "xlsx": ("document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK",)),
    "ofd": ("document", "application/ofd", (b"PK",)),
    "txt": ("document", "text/plain", None),
    "jpg": ("photo", "image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("photo", "image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("photo", "image/png", (b"\x89PNG",)),
    "mp3": ("audio", "audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    "wav": ("audio", "audio/wav", (b"RIFF",)),
    "m4a": ("audio", "audio/mp4", None),
    "mp4": ("video", "video/mp4", None),
    "mov": ("video", "video/quicktime", None),
}
SIZE_LIMITS = {"document": 20 * 1024 * 1024, "photo": 20 * 1024 * 1024, "audio": 200 * 1024 * 1024,
               "video": 500 * 1024 * 1024}
AUDIO_VIDEO = ("audio", "video")
# The plan (全过程记录): no audio/video of matters of state secrets, business secrets or personal privacy — a
# written reason on the task instead.
AV_FORBIDDEN_CLASSES = frozenset({"state_secret", "business_secret", "privacy"})
# Who may open a file of each class (besides the person who uploaded it).
READERS = {
    "public": None,  # every signed-in user
    "internal": None,
    "business_secret": {"reviewer", "legal", "counsel", "secretary", "leader", "supervisor"},
    "privacy": {"reviewer", "legal", "counsel", "leader", "supervisor"},
    "state_secret": {"leader", "supervisor"},
}


@dataclass
class Upload:
    """A file as received, before it is stored."""
    filename: str
    stream: BinaryIO
    confidentiality: str
    description: str | None = None


def evidence_dir() -> Path:
    return Path(current_app.config["EVIDENCE_DIR"])


def blob_path(sha256: str) -> Path:
    return evidence_dir() / sha256[:2] / sha256


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


@dataclass
class Staged:
    """An upload written to a temporary file and checked, not yet in the store."""
    tmp: str
    sha256: str
    size: int


def _stage_blob(upload: "Upload", limit: int, magic: tuple[bytes, ...] | None) -> Staged:
    """Write the stream to a temporary file while hashing it, and check it there (size, empty, the format's
    leading bytes): a refused file never reaches the store, and its temporary file is removed."""
    directory = evidence_dir()
    directory.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.stream.read(1024 * 1024):
                if len(head) < 16:
                    head += chunk[:16 - len(head)]
                size += len(chunk)
                if size > limit:
                    raise InvalidData(t("file_too_large", limit=limit // (1024 * 1024)), code="file_too_large")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidData(t("file_empty"), fields={"files": [t("file_empty")]})
        if magic and not head.startswith(magic):
            raise InvalidData(t("file_content_mismatch", name=upload.filename),
                              fields={"files": [t("file_content_mismatch", name=upload.filename)]})
        return Staged(tmp, digest.hexdigest(), size)
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _place(staged: Staged) -> None:
    """Move a checked file under its hash. An existing blob with the same hash is the same content: kept as
    is. A blob this transaction added is removed again if the transaction rolls back (see _drop_new_blobs)."""
    target = blob_path(staged.sha256)
    if target.exists():
        _unlink(staged.tmp)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(staged.tmp, 0o440)  # read-only on disk as well
    os.replace(staged.tmp, target)
    db.session.info.setdefault(_NEW_BLOBS, []).append(staged.sha256)


_NEW_BLOBS = "evidence_new_blobs"


@event.listens_for(Session, "after_commit")
def _keep_new_blobs(session) -> None:
    session.info.pop(_NEW_BLOBS, None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_new_blobs(session, previous_transaction) -> None:
    """The rows of a rolled-back upload are gone: so are the blobs it added, unless a committed row of
    another upload (the same content, at the same moment) uses them."""
    new = session.info.pop(_NEW_BLOBS, None)
    if not new:
        return
    with db.engine.connect() as conn:
        used = set(conn.execute(select(Evidence.sha256).where(Evidence.sha256.in_(new))).scalars())
    for sha in set(new) - used:
        _unlink(str(blob_path(sha)))


def _check_upload(case: Case, upload: Upload) -> tuple[str, str, tuple | None]:
    ext = _extension(upload.filename)
    if ext not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise InvalidData(t("file_type_not_allowed", ext=ext or "?", allowed=allowed),
                          fields={"files": [t("file_type_not_allowed", ext=ext or "?", allowed=allowed)]})
    if upload.confidentiality not in CONFIDENTIALITY_CLASSES:
        raise InvalidData(t("bad_choice", value=upload.confidentiality),
                          fields={"confidentiality": [t("bad_choice", value=upload.confidentiality)]})
    kind = ALLOWED_TYPES[ext][0]
    if kind in AUDIO_VIDEO and {case.confidentiality, upload.confidentiality} & AV_FORBIDDEN_CLASSES:
        message = t("av_on_protected_case")
        raise InvalidData(message, fields={"files": [message]}, code="av_on_protected_case")
    return ALLOWED_TYPES[ext]


def add_evidence(case: Case, uploads: list[Upload], user: User, task_id: str | None = None,
                 supersedes: Evidence | None = None, reason: str | None = None) -> list[Evidence]:
    """Store files and their rows and records in the caller's transaction (the caller commits)."""
    rows, drafts = store_evidence(case, uploads, user, task_id, supersedes, reason)
    append_records(case, drafts)
    return rows


def store_evidence(case: Case, uploads: list[Upload], user: User, task_id: str | None = None,
                   supersedes: Evidence | None = None,
                   reason: str | None = None) -> tuple[list[Evidence], list[RecordDraft]]:
    """Store files and their rows; return the rows and the records the caller must write."""
    if case.archived_at is not None:  # sealed case file (app.archive): read-only
        raise Conflict.of("case_archived_read_only")
    staged: list[tuple[Upload, str, str, Staged]] = []
    try:
        for upload in uploads:  # every file checked before any is stored
            kind, content_type, magic = _check_upload(case, upload)
            staged.append((upload, kind, content_type, _stage_blob(upload, SIZE_LIMITS[kind], magic)))
    except BaseException:
        for *_ignored, done in staged:
            _unlink(done.tmp)
        raise
    rows, drafts = [], []
    for upload, kind, content_type, done in staged:
        _place(done)
        row = Evidence(case_id=case.id, task_id=task_id, sha256=done.sha256, filename=Path(upload.filename).name[:255],
                       content_type=content_type, size=done.size, kind=kind, confidentiality=upload.confidentiality,
                       description=(upload.description or "")[:2000] or None, uploaded_by=user.username,
                       supersedes_id=supersedes.id if supersedes else None, supersede_reason=reason)
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    for row in rows:
        drafts.append(RecordDraft(
            actor=user.username, action="evidence_superseded" if supersedes else "evidence_added",
            task_id=task_id, payload={"evidence_id": row.id, "sha256": row.sha256, "filename": row.filename,
                                      "kind": row.kind, "size": row.size, "confidentiality": row.confidentiality,
                                      **({"supersedes": supersedes.id, "reason": reason} if supersedes else {})}))
    return rows, drafts


@action
def attach(user: User, case_no: str, uploads: list[Upload], task_id: str | None = None) -> list[Evidence]:
    """A user action: add files to a case (or one of its tasks), in one transaction. Only someone who may act
    on the case attaches files, and a task named must be one of the case's."""
    case = lock_case_by_no(case_no)
    _require_actor(user, case, "attach")
    if task_id is not None:
        _check_task_of_case(user, case, task_id)
    rows = add_evidence(case, uploads, user, task_id=task_id)
    db.session.commit()
    return rows


@action
def supersede(user: User, evidence_id: int, upload: Upload, reason: str) -> Evidence:
    """Replace nothing: store a new version that supersedes the old one, with the reason."""
    old = db.session.get(Evidence, evidence_id)
    if old is None:
        raise NotFound.of("not_found", what=str(evidence_id))
    if not (reason or "").strip():
        raise InvalidData(t("required"), fields={"reason": [t("required")]})
    if old.superseded:
        raise InvalidData(t("already_superseded"), fields={"reason": [t("already_superseded")]})
    case = lock_case(old.case_id)
    _require_actor(user, case, "supersede")
    (new,) = add_evidence(case, [upload], user, task_id=old.task_id, supersedes=old, reason=reason.strip())
    old.superseded = True  # a flag for lists; the old row and its bytes stay
    db.session.commit()
    return new


def may_read(user: User, evidence: Evidence) -> bool:
    readers = READERS[evidence.confidentiality]
    return readers is None or evidence.uploaded_by == user.username or bool(readers & user.roles)


def open_for_download(user: User, evidence_id: int) -> tuple[Evidence, Path]:
    """Check the reader, record the download of anything not public, and return the file to send."""
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None:
        raise NotFound.of("not_found", what=str(evidence_id))
    _require_viewer(user, evidence.case)
    if not may_read(user, evidence):
        case = lock_case(evidence.case_id)
        append_records(case, [RecordDraft(actor=user.username, action="refused", payload={
            "attempted": "download", "evidence_id": evidence.id, "reason": "confidential",
            "confidentiality": evidence.confidentiality})])
        db.session.commit()
        raise Forbidden(t("confidential_file"), code="confidential_file")
    path = blob_path(evidence.sha256)
    if evidence.confidentiality != "public":
        case = lock_case(evidence.case_id)
        append_records(case, [RecordDraft(actor=user.username, action="evidence_downloaded", payload={
            "evidence_id": evidence.id, "sha256": evidence.sha256, "confidentiality": evidence.confidentiality})])
        db.session.commit()
    return evidence, path


def verify_blob(evidence: Evidence) -> bool:
    """Does the file on disk still have the hash that was recorded?"""
    path = blob_path(evidence.sha256)
    if not path.exists():
        return False
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest() == evidence.sha256


def case_evidence(case: Case) -> list[Evidence]:
    return list(db.session.scalars(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id)))


def _require_viewer(user: User, case: Case) -> None:
    if not may_view_case(user, case):
        raise Forbidden.of("permission_denied")


def require_actor(user: User, case_no: str) -> None:
    """Before reading an upload's form: may this user add files to this case at all (recorded if not)?"""
    case = get_case(case_no)
    _require_actor(user, case, "attach")


def require_supersede_actor(user: User, evidence_id: int) -> None:
    old = db.session.get(Evidence, evidence_id)
    if old is None:
        raise NotFound.of("not_found", what=str(evidence_id))
    _require_actor(user, old.case, "supersede")


def _require_actor(user: User, case: Case, attempted: str) -> None:
    """Files are added by those who work the case (app.cases.access.may_act_on_case); a refusal is recorded."""
    if not may_act_on_case(user, case):
        raise refuse(Forbidden, "permission_denied", user, case.id, attempted)


def _check_task_of_case(user: User, case: Case, task_id: str) -> None:
    task = db.session.get(TaskItem, task_id)
    if task is None or task.case_id != case.id:
        message = t("task_not_of_case", case_no=case.case_no)
        raise InvalidData(message, fields={"task_id": [message]}, code="task_not_of_case")

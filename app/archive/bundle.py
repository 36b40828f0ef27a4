"""Export a case as a bundle (执法案卷, 一案一卷) and seal a case when it is archived.

A bundle is a ZIP file:

    case.json                       the case row, applicant, facts, major flag, dates, definition versions,
                                    evidence list, legal-review rounds, committee meetings, tasks
    records.jsonl                   every execution record, every column exactly as stored
    definitions/<key>_v<n>.<bpmn|dmn>  the definition versions the case ran on
    files/<sha256>__<name>          every evidence file, superseded versions too
    summary.html                    a printable summary in Chinese
    verify.py                       the offline checker (standard library only), for convenience
    manifest.json                   SHA-256 and size of every other member, chain head, case_no, exporter

Sealing rule (see docs/archive.md): in ONE transaction, the ``case_archived`` record is appended first --
its payload names the number of records it seals (its own seq), the evidence files' and definitions'
SHA-256 -- then the bundle is written with that record as its last one and as the manifest's chain head;
the SHA-256 of manifest.json goes on the case row (``archive_sha256``), never into the records (the
manifest covers the records, so it cannot be inside them). The ZIP is written to a temporary name and moved
to ``instance/archive/<case_no>.zip`` only after the commit.
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

from app.archive.verify import FORMAT, MANIFEST
from app.cases.models import Case, TaskItem
from app.core.clock import china_time_text, utcnow
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.i18n import in_language, t
from app.core.vocabulary import TERMINAL_STATUSES
from app.definitions.models import DefinitionVersion
from app.evidence.models import Evidence
from app.extensions import db
from app.legal_review.models import CommitteeMeeting, LegalReviewRound
from app.records import RecordDraft, append_records, verify_case
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
    return Path(current_app.config.get("ARCHIVE_DIR") or os.environ.get("ARCHIVE_DIR")
                or Path(current_app.instance_path) / "archive")


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
    check = verify_case(case)
    if not check.valid:
        raise ArchiveError(f"execution record #{check.first_invalid_seq}: {check.reason}")
    evidence = _evidence(case)
    definitions = _definitions(case)
    case.archived_at = utcnow()
    append_records(case, [RecordDraft(actor=user.username, role=role, action="case_archived", payload={
        "archive_no": archive_no, "bundle": f"{case.case_no}.zip", "records_sealed": (case.records_count or 0) + 1,
        "files": sorted({e.sha256 for e in evidence}), "definitions": [v.sha256 for v in definitions]})])
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
    process without one). One transaction; the bundle lands in instance/archive/<case_no>.zip."""
    from app.cases.access import may_view_case
    from app.cases.actions import action, lock_case_by_no

    @action
    def run() -> Manifest:
        case = lock_case_by_no(case_no)
        if not (user.has_role("clerk") or user.has_role("supervisor")) or not may_view_case(user, case):
            raise Forbidden.of("permission_denied")
        try:
            pending = seal_case(case, user, role="clerk" if user.has_role("clerk") else "supervisor")
        except ArchiveError as exc:
            db.session.rollback()
            raise Conflict(t("archive_failed", detail=str(exc)), code="archive_failed")
        with pending:
            db.session.commit()
        return pending.manifest
    return run()


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
        add("summary.html", _summary_html(case, records, evidence, file_members, definitions, exported_at,
                                          exporter, sealed).encode("utf-8"))
        add("verify.py", Path(__file__).with_name("verify.py").read_bytes())
        data = {"format": FORMAT, "format_version": FORMAT_VERSION, "case_no": case.case_no, "case_id": case.id,
                "sealed": sealed, "exported_at": _iso(exported_at), "exported_by": exporter,
                "chain_head": {"records_count": case.records_count or 0, "last_hash": case.records_head or "0" * 64},
                "members": members, "note": NOTE,
                "verify": "python3 verify.py <bundle>.zip  (or: flask archive verify <bundle>.zip)"}
        if sealed:
            data["seal_rule"] = SEAL_RULE
        manifest_bytes = _dumps(data)
        zf.writestr(MANIFEST, manifest_bytes, compress_type=zipfile.ZIP_DEFLATED)
    return Manifest(data, hashlib.sha256(manifest_bytes).hexdigest())


def _add_blob(zf: zipfile.ZipFile, name: str, evidence: Evidence) -> dict:
    """Copy an evidence file into the bundle, checking on the way that its bytes still have their hash."""
    from app.evidence.service import blob_path
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
    from app.records.chain import canonical_timestamp
    row = {c.key: getattr(rec, c.key) for c in ExecutionRecord.__table__.columns}
    row["ts"] = canonical_timestamp(rec.ts)
    return row


def _case_json(case: Case, definitions, def_members, evidence, file_members) -> dict:
    from app.core.vocabulary import status_label
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


# ------------------------------------------------------------------------------------------ summary.html

def _china_time(value: dt.datetime | None) -> str:
    return china_time_text(value, seconds=True) or "—"


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _describe_all(case: Case, records: list[ExecutionRecord]) -> list[dict]:
    """Each record in plain words (app.web.timeline), falling back to its action name."""
    try:
        from app.cases.timeline import describe
        from app.definitions.service import get_bundle
        bundle = get_bundle(case.bundle)
    except Exception:  # noqa: BLE001  (an unreadable definition must not stop the export)
        describe = bundle = None
    rows = []
    for rec in records:
        text, details, engine = f"{rec.actor}: {rec.action}", [], False
        if rec.action == "case_archived":
            payload = json.loads(rec.payload)
            text = (f"{rec.actor} 封存了电子案卷（档案号 {payload.get('archive_no') or '—'}，封存记录 "
                    f"{payload.get('records_sealed')} 条，文件 {len(payload.get('files') or [])} 个）")
        elif describe is not None:
            try:
                entry = describe(rec, bundle)
                text, details, engine = entry.text, entry.details, entry.engine
            except Exception:  # noqa: BLE001
                pass
        rows.append({"seq": rec.seq, "ts": _china_time(rec.ts), "actor": rec.actor, "role": rec.role,
                     "text": text, "details": details, "engine": engine, "hash": rec.hash})
    return rows


def _summary_html(case: Case, records, evidence, file_members, definitions, exported_at, exporter,
                  sealed: bool) -> str:
    from jinja2 import Environment

    from app.cases.confidentiality import confidentiality_label
    from app.core.roles import role_label
    from app.core.vocabulary import status_label
    with in_language("zh"):
        try:
            from app.cases.timeline import facts_for_display
            from app.definitions.service import get_bundle
            facts = facts_for_display(case.facts or {}, get_bundle(case.bundle))
        except Exception:  # noqa: BLE001
            facts = [(k, str(v)) for k, v in (case.facts or {}).items()]
        context = {
            "case": case, "note": NOTE, "sealed": sealed, "facts": facts, "status": status_label(case.status),
            "records": _describe_all(case, records), "role_label": role_label,
            "applicant_type": {"legal_person": "法人", "natural_person": "自然人", "individual_business": "个体工商户",
                               "other_organization": "其他组织"}.get(case.applicant_type, case.applicant_type),
            "files": [{"e": e, "member": file_members[e.id], "size": _size(e.size),
                       "class": confidentiality_label(e.confidentiality)} for e in evidence],
            "definitions": definitions, "exported_at": _china_time(exported_at), "exporter": exporter,
            "china_time": _china_time, "head_count": case.records_count or 0,
            "head_hash": case.records_head or "0" * 64,
        }
        env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
        return env.from_string(SUMMARY_TEMPLATE).render(**context)


SUMMARY_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>电子案卷 {{ case.case_no }}</title>
<style>
  @page { size: A4; margin: 18mm 15mm; }
  body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", "Source Han Serif SC", serif;
         font-size: 10.5pt; color: #000; margin: 0 auto; max-width: 190mm; line-height: 1.5; }
  h1 { font-size: 18pt; text-align: center; margin: 0.4em 0 0.2em; letter-spacing: 0.2em; }
  h2 { font-size: 12.5pt; border-bottom: 1.5px solid #000; margin: 1.4em 0 0.5em; padding-bottom: 2px; }
  .sub { text-align: center; margin-bottom: 1em; }
  .note { border: 1px solid #000; padding: 6px 10px; margin: 0.8em 0; font-weight: bold; }
  table { border-collapse: collapse; width: 100%; margin: 0.3em 0; page-break-inside: auto; }
  tr { page-break-inside: avoid; }
  th, td { border: 1px solid #555; padding: 3px 5px; vertical-align: top; text-align: left; }
  th { background: #eee; font-weight: bold; white-space: nowrap; }
  table.kv th { width: 22%; }
  .hash, code { font-family: "Consolas", "DejaVu Sans Mono", monospace; font-size: 8pt; word-break: break-all; }
  .engine td { color: #666; font-size: 8.5pt; }
  .details { margin: 2px 0 0 1em; padding: 0; list-style: none; font-size: 9pt; }
  .num { text-align: right; white-space: nowrap; }
  .foot { margin-top: 2em; font-size: 9pt; }
  @media print { .engine { display: table-row; } a { color: #000; text-decoration: none; } }
</style>
</head>
<body>
<h1>行政许可执法案卷</h1>
<div class="sub">案件编号 {{ case.case_no }}{% if sealed %}　（已归档封存）{% endif %}</div>
<div class="note">{{ note }}。本文件仅供阅读打印；离线校验：python3 verify.py 本案卷.zip</div>

<h2>一、案件基本情况</h2>
<table class="kv">
  <tr><th>案件编号</th><td>{{ case.case_no }}</td></tr>
  <tr><th>许可事项</th><td>{{ case.item.name }}（{{ case.item.code }}）</td></tr>
  <tr><th>申请人</th><td>{{ case.applicant_name }}（{{ applicant_type }}{% if case.applicant_code %}，{{ case.applicant_code }}{% endif %}）</td></tr>
  {% for label, value in facts %}
  <tr><th>{{ label }}</th><td>{{ value }}</td></tr>
  {% endfor %}
  <tr><th>重大执法决定</th><td>{% if case.is_major %}是：{{ case.major_reason or "" }}{% else %}否{% endif %}</td></tr>
  <tr><th>案件状态</th><td>{{ status }}</td></tr>
  <tr><th>收件日期</th><td>{{ case.received_on or "—" }}</td></tr>
  <tr><th>受理日期</th><td>{{ case.accepted_on or "—" }}{% if case.deemed_accepted %}（视为受理）{% endif %}</td></tr>
  <tr><th>决定期限</th><td>{{ case.decision_due or "—" }}{% if case.extension_days %}（已延长 {{ case.extension_days }} 日）{% endif %}</td></tr>
  <tr><th>决定日期</th><td>{{ case.decided_on or "—" }}</td></tr>
  <tr><th>公示日期</th><td>{{ case.published_on or "—" }}</td></tr>
  <tr><th>登记时间</th><td>{{ china_time(case.created_at) }}（{{ case.created_by }}）</td></tr>
  <tr><th>办结时间</th><td>{{ china_time(case.completed_at) }}</td></tr>
  <tr><th>归档时间</th><td>{{ china_time(case.archived_at) }}</td></tr>
</table>

<h2>二、流程及规则版本</h2>
<table>
  <tr><th>类型</th><th>标识</th><th>名称</th><th>版本</th><th>SHA-256</th></tr>
  {% for v in definitions %}
  <tr><td>{{ v.kind | upper }}</td><td>{{ v.key }}</td><td>{{ v.name }}</td><td class="num">v{{ v.version }}</td><td class="hash">{{ v.sha256 }}</td></tr>
  {% endfor %}
</table>

<h2>三、办理过程记录（共 {{ records | length }} 条）</h2>
<table>
  <tr><th>序号</th><th>时间（北京时间）</th><th>操作人</th><th>内容</th><th>记录哈希</th></tr>
  {% for r in records %}
  <tr{% if r.engine %} class="engine"{% endif %}>
    <td class="num">{{ r.seq }}</td><td>{{ r.ts }}</td>
    <td>{{ r.actor }}{% if r.role %}<br>（{{ role_label(r.role) }}）{% endif %}</td>
    <td>{{ r.text }}{% if r.details %}<ul class="details">{% for label, value in r.details %}<li>{{ label }}：{{ value }}</li>{% endfor %}</ul>{% endif %}</td>
    <td class="hash">{{ r.hash[:16] }}…</td>
  </tr>
  {% endfor %}
</table>

<h2>四、证据材料（共 {{ files | length }} 个，含被替代的旧版本）</h2>
<table>
  <tr><th>编号</th><th>文件名</th><th>大小</th><th>密级</th><th>上传</th><th>SHA-256</th></tr>
  {% for f in files %}
  <tr><td class="num">{{ f.e.id }}</td>
    <td>{{ f.e.filename }}{% if f.e.superseded %}（已被新版本替代）{% endif %}{% if f.e.supersedes_id %}<br>替代 #{{ f.e.supersedes_id }}：{{ f.e.supersede_reason or "" }}{% endif %}<br><code>{{ f.member }}</code></td>
    <td class="num">{{ f.size }}</td><td>{{ f.class }}</td>
    <td>{{ f.e.uploaded_by }}<br>{{ china_time(f.e.uploaded_at) }}</td><td class="hash">{{ f.e.sha256 }}</td></tr>
  {% else %}
  <tr><td colspan="6">无</td></tr>
  {% endfor %}
</table>

<h2>五、记录链校验信息</h2>
<table class="kv">
  <tr><th>记录条数</th><td>{{ head_count }}</td></tr>
  <tr><th>末条记录哈希</th><td class="hash">{{ head_hash }}</td></tr>
  <tr><th>导出时间</th><td>{{ exported_at }}（{{ exporter }}）</td></tr>
</table>
<p class="foot">{{ note }}。每条记录的哈希覆盖其全部内容及前一条记录的哈希；各文件的 SHA-256 及大小列于 manifest.json。</p>
</body>
</html>
"""

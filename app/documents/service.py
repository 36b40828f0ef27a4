"""Issuing, voiding, listing and verifying documents.

The kernel's task-kind handlers call ``issue_document`` / ``void_document`` inside their own transaction:
these functions never commit. They add rows, take the number (the counter row stays locked until the
caller's commit or rollback) and append ``RecordDraft``s to the caller's ``drafts`` list; the caller
chains them with ``append_records(case, drafts)`` and commits engine state, records and documents at once.
The signed PDF is written to the content-addressed store before the commit: a rolled-back issue leaves an
unreferenced file behind (harmless, like an evidence upload that failed), never a number in use.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.clock import china_today, utcnow
from app.core.errors import Conflict, InvalidData
from app.core.vocabulary import task_kind_label
from app.documents import storage
from app.documents.models import (
    SUPERSEDED,
    VALID,
    VOIDED,
    DocumentTemplate,
    IssuedDocument,
)
from app.documents.numbering import next_serial
from app.documents.pdf import bureau_settings, frame, html_to_pdf, page_context
from app.documents.signing import check_pdf_signature, sign_pdf
from app.documents.templating import (
    as_date,
    current_template,
    render_body,
    sample_context,
    template_version,
)
from app.documents.types import DOC_TYPES, DocType
from app.extensions import db
from app.records import RecordDraft

# Documents whose printed date is the decision's date (the form's ``decision_date``), which must lie
# between the start of the procedure and today; every other document is dated the day it is issued.
DATED_BY_DECISION = {"grant_decision": "accepted_on", "denial_decision": "accepted_on",
                     "rejection_decision": "received_on", "revocation_decision": "received_on"}
PREVIEW_MARK = "（预览，未编号，不具法律效力 / PREVIEW — not a document）"


def case_context(case) -> dict:
    """What templates see of a case (``case.*``)."""
    item = case.item
    return {"case_no": case.case_no, "query_code": case.query_code, "item_code": item.code, "item_name": item.name,
            "item_legal_basis": item.legal_basis or "", "applicant_name": case.applicant_name,
            "applicant_type": case.applicant_type, "applicant_code": case.applicant_code or "",
            "received_on": case.received_on, "accepted_on": case.accepted_on, "decided_on": case.decided_on,
            "decision_due": case.decision_due, "is_major": bool(case.is_major),
            "statutory_days": item.statutory_days}


def _doc_type(code: str) -> DocType:
    if code not in DOC_TYPES:
        raise InvalidData(_("未知的文书类型：%(t)s", t=code), code="unknown_document_type")
    return DOC_TYPES[code]


def _check_required(dtype: DocType, data: dict) -> None:
    missing = [key for key in dtype.required if data.get(key) in (None, "", [], {})]
    if missing:
        raise InvalidData(_("出具%(title)s缺少必要内容：%(keys)s", title=dtype.title, keys=", ".join(missing)),
                          fields={key: [_("此项为必填项")] for key in missing}, code="document_data_missing")


def document_date(code: str, case, data: dict) -> dt.date:
    """The date printed on the document. A decision's date must not be in the future nor before the
    procedure started (acceptance for a decision on the merits, receipt for a refusal to accept)."""
    today = china_today()
    if code not in DATED_BY_DECISION or not data.get("decision_date"):
        return today
    try:
        date = as_date(data["decision_date"])
    except ValueError:
        raise InvalidData(_("决定日期格式不正确"), fields={"decision_date": [_("请输入日期（YYYY-MM-DD）")]},
                          code="document_date_invalid") from None
    start = getattr(case, DATED_BY_DECISION[code], None)
    if date > today:
        raise InvalidData(_("决定日期不能晚于今天（%(today)s）", today=today.isoformat()),
                          fields={"decision_date": [_("决定日期不能晚于今天")]}, code="document_date_invalid")
    if start and date < start:
        raise InvalidData(_("决定日期不能早于%(what)s日期（%(start)s）",
                            what=_("受理") if DATED_BY_DECISION[code] == "accepted_on" else _("收件"),
                            start=start.isoformat()),
                          fields={"decision_date": [_("决定日期早于程序开始日期")]}, code="document_date_invalid")
    return date


def _json_safe(data: dict) -> dict:
    return json.loads(json.dumps(data, ensure_ascii=False, default=lambda v: v.isoformat()
                                 if isinstance(v, (dt.date, dt.datetime)) else str(v)))


def _template(code: str, version: int | None) -> DocumentTemplate:
    template = template_version(code, version) if version else current_template(code)
    if template is None:
        raise Conflict(_("%(t)s 的文书模板尚未部署（flask documents deploy）", t=code)
                       + (f" v{version}" if version else ""), code="document_template_missing")
    return template


def render_pdf(template_source: str, code: str, case: dict, data: dict, *, number: str, public_id: str,
               issued_on: dt.date, mark: str | None = None) -> tuple[bytes, str]:
    """(unsigned PDF, title) for a template and its data."""
    context = page_context(code, case, data, number=number, public_id=public_id, issued_on=issued_on)
    body = render_body(template_source, context)
    if mark:
        body = f'<p class="noindent" style="color:#c00;text-align:center;font-size:10.5pt">{mark}</p>' + body
    title = context["doc"]["title"]
    html = frame(body, title=title, number=number, url=context["doc"]["verify_url"], qr=context["qr"])
    return html_to_pdf(html, title=title, number=number, author=bureau_settings()["name"]), title


# ---------------------------------------------------------------------------------------- issue and void

def issue_document(case, doc_type: str, context: dict, actor: str, *, drafts: list | None = None,
                   template_version: int | None = None, supersedes: IssuedDocument | None = None,
                   task_id: str | None = None, role: str | None = None,
                   step_kind: str | None = None, serial: int | None = None) -> tuple[IssuedDocument, list[RecordDraft]]:
    """Render ``doc_type`` for ``case`` with the step's data ``context`` (types.py: required keys), number
    it, sign it, store it and add its row. Returns the document and the record drafts (``document_issued``
    with type, number, SHA-256, template version, document id), which are also appended to ``drafts``.
    Does not commit: the caller's transaction holds the number until it commits. ``step_kind`` is the kind
    of the task issuing it: only the issuing step (``DocType.steps``) may take a number of this type.
    ``serial``: a serial the same transaction already drew for this type and year (the licence register
    numbers the licence at the grant; its certificate carries that number, not a second one)."""
    dtype = _doc_type(doc_type)
    if step_kind not in dtype.steps:
        raise Conflict(_("%(title)s只能在“%(steps)s”环节出具并编号",
                         title=dtype.title, steps="、".join(task_kind_label(k) for k in dtype.steps)),
                       code="document_outside_step")
    data = dict(context or {})
    _check_required(dtype, data)
    if getattr(case, "archived_at", None) is not None:
        raise Conflict.of("case_archived_read_only")
    if supersedes is not None:
        _check_supersedable(case, supersedes)
    template = _template(doc_type, template_version)
    issued_on = document_date(doc_type, case, data)
    serial = serial or next_serial(doc_type, issued_on.year)
    number, public_id = dtype.number(issued_on.year, serial), secrets.token_urlsafe(16)
    pdf, title = render_pdf(template.content, doc_type, case_context(case), data, number=number,
                            public_id=public_id, issued_on=issued_on)
    signed = sign_pdf(pdf, reason=f"{bureau_settings()['name']} {title} {number}")
    sha = storage.store_bytes(signed)
    doc = IssuedDocument(public_id=public_id, case_id=case.id, task_id=task_id, doc_type=doc_type,
                         year=issued_on.year, serial=serial, number=number, title=title, template_id=template.id,
                         data=_json_safe(data), sha256=sha, size=len(signed), issued_by=actor, issued_on=issued_on,
                         supersedes_id=supersedes.id if supersedes else None, status=VALID)
    db.session.add(doc)
    db.session.flush()
    if supersedes is not None:
        supersedes.superseded_by_id = doc.id
        if supersedes.status == VALID:
            supersedes.status = SUPERSEDED
    payload = {"document_id": doc.id, "type": doc_type, "title": title, "number": number, "sha256": sha,
               "template_version": template.version, "template_sha256": template.sha256,
               "issued_on": issued_on.isoformat(), "public_id": public_id}
    if supersedes is not None:
        payload.update(supersedes=supersedes.id, supersedes_number=supersedes.number)
    new = [RecordDraft(actor=actor, role=role, action="document_issued", task_id=task_id, payload=payload)]
    if drafts is not None:
        drafts.extend(new)
    return doc, new


def _check_supersedable(case, old: IssuedDocument) -> None:
    if old.case_id != case.id:
        raise InvalidData(_("只能替代本案的文书"), code="document_other_case")
    if old.superseded_by_id is not None:
        raise Conflict(_("该文书已被替代（%(n)s）", n=old.number), code="document_already_superseded")


def void_document(doc: IssuedDocument, reason: str, actor: str, drafts: list | None = None, *,
                  role: str | None = None, task_id: str | None = None) -> list[RecordDraft]:
    """Void a valid document: it keeps its number and its file, and says why. Does not commit; the
    ``document_voided`` draft goes into ``drafts`` (and is returned)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidData(_("作废文书须说明理由"), fields={"reason": [_("此项为必填项")]}, code="reason_required")
    if doc.status != VALID:
        raise Conflict(_("文书 %(n)s 当前状态为%(s)s，不能作废", n=doc.number, s=status_label(doc.status)),
                       code="document_not_valid")
    if doc.case is not None and doc.case.archived_at is not None:
        raise Conflict.of("case_archived_read_only")
    doc.status, doc.void_reason, doc.voided_by, doc.voided_at = VOIDED, reason, actor, utcnow()
    new = [RecordDraft(actor=actor, role=role, action="document_voided", task_id=task_id, payload={
        "document_id": doc.id, "type": doc.doc_type, "number": doc.number, "sha256": doc.sha256, "reason": reason})]
    if drafts is not None:
        drafts.extend(new)
    return new


def latest_data(case, doc_type: str) -> dict | None:
    """The step data the case's latest document of this type was issued with (for a designer's preview with
    the case's data); None when the case has none (the preview then uses the type's sample data)."""
    doc = db.session.scalars(select(IssuedDocument).where(IssuedDocument.case_id == case.id,
                                                          IssuedDocument.doc_type == doc_type)
                             .order_by(IssuedDocument.id.desc()).limit(1)).first()
    return dict(doc.data) if doc is not None else None


def case_documents(case) -> list[IssuedDocument]:
    return list(db.session.scalars(select(IssuedDocument).where(IssuedDocument.case_id == case.id)
                                   .order_by(IssuedDocument.issued_at, IssuedDocument.id)))


def archive_members(case) -> list[dict]:
    """The case's documents as members of its sealed bundle (app.archive adds them; one line each in the
    manifest): member name, the stored file's path, SHA-256, number and status — voided ones too."""
    return [{"name": f"documents/{doc.id:05d}_{doc.doc_type}_{doc.year}-{doc.serial:04d}.pdf",
             "path": storage.path_of(doc.sha256), "sha256": doc.sha256, "number": doc.number,
             "title": doc.title, "status": doc.status, "void_reason": doc.void_reason}
            for doc in case_documents(case)]


def document_pdf(doc: IssuedDocument) -> bytes:
    return storage.read_bytes(doc.sha256)


def by_public_id(public_id: str) -> IssuedDocument | None:
    return db.session.scalar(select(IssuedDocument).where(IssuedDocument.public_id == public_id))


# ---------------------------------------------------------------------------------------- preview

def preview(template_source: str, context: dict | None = None, *, doc_type: str) -> bytes:
    """An unsigned, unnumbered PDF of ``template_source`` — for a designer before deploying, or for staff
    before completing a step. ``context``: ``{"case": dict or Case, "data": dict}``; the type's sample
    data where either is missing."""
    _doc_type(doc_type)
    sample_case_, sample_data = sample_context(doc_type)
    context = context or {}
    case = context.get("case")
    case = case_context(case) if hasattr(case, "case_no") else (case or sample_case_)
    data = context.get("data") if context.get("data") is not None else sample_data
    pdf, _title = render_pdf(template_source, doc_type, case, data, number=DOC_TYPES[doc_type].number(
        china_today().year, 0), public_id="preview", issued_on=china_today(), mark=PREVIEW_MARK)
    return pdf


def preview_current(doc_type: str, context: dict | None = None) -> bytes:
    return preview(_template(doc_type, None).content, context, doc_type=doc_type)


# ---------------------------------------------------------------------------------------- verification

def status_label(status: str) -> str:
    return {VALID: _("有效"), VOIDED: _("已作废"), SUPERSEDED: _("已被替代")}.get(status, status)


def public_view(doc: IssuedDocument) -> dict:
    """What anyone may see of a document: no applicant, no content — enough to check a copy in hand."""
    replacement = doc.superseded_by
    return {"public_id": doc.public_id, "type": doc.doc_type, "title": doc.title, "number": doc.number,
            "issued_on": doc.issued_on, "issued_at": doc.issued_at, "issuer": bureau_settings()["name"],
            "sha256": doc.sha256, "status": doc.status, "status_label": status_label(doc.status),
            "void_reason": doc.void_reason, "voided_at": doc.voided_at,
            "superseded_by": {"number": replacement.number, "public_id": replacement.public_id}
            if replacement else None,
            "supersedes": {"number": doc.supersedes.number, "public_id": doc.supersedes.public_id}
            if doc.supersedes else None}


@dataclass
class FileCheck:
    ok: bool
    sha256: str
    problems: list[str] = field(default_factory=list)
    document: IssuedDocument | None = None


def verify_pdf_bytes(pdf: bytes) -> FileCheck:
    """Valid only when the PAdES signature is valid, trusted and covers the whole file, and the file's
    SHA-256 is in the register with status valid."""
    sha = hashlib.sha256(pdf).hexdigest()
    check = FileCheck(ok=False, sha256=sha)
    signature = check_pdf_signature(pdf)
    if not signature.ok:
        check.problems.append(f"signature: {signature.reason}")
    doc = db.session.scalar(select(IssuedDocument).where(IssuedDocument.sha256 == sha))
    check.document = doc
    if doc is None:
        check.problems.append("register: no issued document has this SHA-256 (not issued by the bureau, or changed)")
    elif doc.status == VOIDED:
        check.problems.append(f"register: {doc.number} was voided on {doc.voided_at:%Y-%m-%d}: {doc.void_reason}")
    elif doc.status == SUPERSEDED:
        by = doc.superseded_by
        check.problems.append(f"register: {doc.number} was superseded by {by.number if by else '?'}")
    check.ok = not check.problems
    return check

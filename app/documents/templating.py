"""Document templates: deployed and versioned like diagrams, rendered in a Jinja sandbox.

Templates are written by designers and deployed at run time, so they are untrusted code: they run in
``ImmutableSandboxedEnvironment`` (no attribute starting with ``_``, no Python internals, no changing the
data they are given), with a size limit on the source and on the output, and the PDF renderer fetches no
URL but ``data:`` (see pdf.py) — a template cannot read files or reach the network.

A template is the document's body as an HTML fragment (it may carry a ``<style>``). The page frame —
A4 and the GB/T 9704 margins, fonts, the verification footer with the QR code and the page numbers — is
added by pdf.py. What a template can use (docs/documents.md lists it):

    doc      type, title, number, date, public_id, verify_url
    bureau   name, uscc, reconsideration_body, court, address, phone
    case     case_no, query_code, item_code, item_name, item_legal_basis, applicant_name, applicant_type,
             applicant_code, received_on, accepted_on, decided_on, decision_due, is_major, statutory_days
    data     the step's data (see types.py for the keys each type requires)
    labels   code → Chinese label for outcomes, results, conclusions, delivery methods, applicant types
    seal, qr, signoff   ready-made markup: the red seal, the QR code, the bureau's name and date under the seal
filters: cn_date (2026年3月5日, GB/T 9704-2012), cn_date_upper (二〇二六年三月五日), lines (text → list of
lines), label(group).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from jinja2 import StrictUndefined
from jinja2 import TemplateError as JinjaError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from sqlalchemy import select

from app.core.errors import InvalidData
from app.documents.models import DocumentTemplate
from app.documents.types import DOC_TYPES, SAMPLE_DATA, sample_case
from app.extensions import db

SOURCE_LIMIT = 256 * 1024
OUTPUT_LIMIT = 2 * 1024 * 1024
SUFFIX = ".html"
UPPER_DIGITS = "〇一二三四五六七八九"

LABELS = {
    "outcome": {"approve": "同意", "revise": "提出修改意见", "return": "退回补充材料"},
    "result": {"pass": "通过", "fail": "不通过", "na": "不适用"},
    "conclusion": {"pass": "审议通过", "fail": "审议不通过", "resubmit": "暂缓，下次会议再议"},
    "delivery_method": {"direct": "直接送达", "mail": "邮寄送达", "electronic": "电子送达", "left": "留置送达",
                        "notice": "公告送达"},
    "applicant_type": {"legal_person": "法人", "natural_person": "自然人", "other_org": "其他组织",
                       "individual_business": "个体工商户"},
}


class TemplateProblem(InvalidData):
    """A template that does not compile, breaks the sandbox or does not render with its data."""
    code = "document_template_invalid"


# ---------------------------------------------------------------------------------------- the sandbox

def as_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def cn_date(value) -> str:
    """GB/T 9704-2012 §7.3.5.1: Arabic numerals, the year in full, no leading zeros: 2026年3月5日."""
    d = as_date(value)
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _upper_number(n: int) -> str:
    tens, ones = divmod(n, 10)
    if n < 10:
        return UPPER_DIGITS[n]
    return ("" if tens == 1 else UPPER_DIGITS[tens]) + "十" + (UPPER_DIGITS[ones] if ones else "")


def cn_date_upper(value) -> str:
    """The older style some 执法文书 keep: 二〇二六年三月五日."""
    d = as_date(value)
    if not d:
        return ""
    return "".join(UPPER_DIGITS[int(c)] for c in str(d.year)) + f"年{_upper_number(d.month)}月{_upper_number(d.day)}日"


def lines(value) -> list[str]:
    """A list stays a list; text becomes its non-empty lines (a longtext form field)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [line.strip() for line in str(value).splitlines() if line.strip()]


def label(value, group: str) -> str:
    return LABELS.get(group, {}).get(value, "" if value is None else str(value))


_ENV: ImmutableSandboxedEnvironment | None = None


def environment() -> ImmutableSandboxedEnvironment:
    global _ENV
    if _ENV is None:
        env = ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined, auto_reload=False)
        env.filters.update(cn_date=cn_date, cn_date_upper=cn_date_upper, lines=lines, label=label)
        env.globals.update(labels=LABELS)
        _ENV = env
    return _ENV


def render_body(source: str, context: dict) -> str:
    """The template's HTML for ``context``; any failure is a TemplateProblem naming the cause."""
    if len(source.encode("utf-8")) > SOURCE_LIMIT:
        raise TemplateProblem(f"模板过大（上限 {SOURCE_LIMIT // 1024} KB） / template larger than the limit")
    try:
        template = environment().from_string(source)
        out, size = [], 0
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > OUTPUT_LIMIT:
                raise TemplateProblem("模板输出过大 / template output larger than the limit")
            out.append(chunk)
        return "".join(out)
    except TemplateProblem:
        raise
    except SecurityError as exc:
        raise TemplateProblem(f"模板访问了不允许的内容 / the template broke the sandbox: {exc}") from exc
    except JinjaError as exc:
        where = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise TemplateProblem(f"模板错误 / template error{where}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 — untrusted code: whatever it raises is the template's problem
        raise TemplateProblem(f"模板渲染失败 / template failed with its data: {type(exc).__name__}: {exc}") from exc


def sample_context(doc_type: str) -> tuple[dict, dict]:
    """(case, data) to preview a template without a case."""
    return sample_case(), dict(SAMPLE_DATA[doc_type])


# ---------------------------------------------------------------------------------------- versions

@dataclass
class DeployResult:
    created: list[DocumentTemplate] = field(default_factory=list)
    unchanged: list[DocumentTemplate] = field(default_factory=list)


def type_of_file(filename: str) -> str:
    name = Path(filename).name
    if not name.endswith(SUFFIX) or name[:-len(SUFFIX)] not in DOC_TYPES:
        raise TemplateProblem(f"文件名须为 <文书类型>.html / the file name must be <document type>.html "
                              f"({', '.join(DOC_TYPES)}): {name}")
    return name[:-len(SUFFIX)]


def current_template(doc_type: str) -> DocumentTemplate | None:
    return db.session.scalar(select(DocumentTemplate).where(DocumentTemplate.doc_type == doc_type)
                             .order_by(DocumentTemplate.version.desc()).limit(1))


def template_version(doc_type: str, version: int) -> DocumentTemplate | None:
    return db.session.scalar(select(DocumentTemplate).where(DocumentTemplate.doc_type == doc_type,
                                                            DocumentTemplate.version == version))


def check_template(doc_type: str, source: str) -> None:
    """Compile and render the template with the type's sample data (HTML only: cheap, and catches
    syntax errors, sandbox violations and missing keys before anything is deployed)."""
    from app.documents.pdf import page_context
    case, data = sample_context(doc_type)
    render_body(source, page_context(doc_type, case, data, number=DOC_TYPES[doc_type].number(2026, 1),
                                     public_id="preview", issued_on=dt.date(2026, 3, 20)))


def deploy_templates(files: list[tuple[str, str]], actor: str, note: str | None = None) -> DeployResult:
    """Deploy (filename, source) pairs in one transaction: a new version where the content changed, none
    where it did not. Each new version is also a record in the hash-chained deployment log (key
    ``document:<type>``), so checkpoints anchor template versions too. Commits."""
    from app.designer.records import append_deployments
    result, logged = DeployResult(), []
    for filename, source in files:
        doc_type = type_of_file(filename)
        check_template(doc_type, source)
        sha = hashlib.sha256(source.encode("utf-8")).hexdigest()
        latest = current_template(doc_type)
        if latest is not None and latest.sha256 == sha:
            result.unchanged.append(latest)
            continue
        row = DocumentTemplate(doc_type=doc_type, version=(latest.version if latest else 0) + 1,
                               filename=Path(filename).name, content=source, sha256=sha, deployed_by=actor,
                               note=note)
        db.session.add(row)
        db.session.flush()
        result.created.append(row)
        logged.append(SimpleNamespace(key=f"document:{doc_type}", version=row.version, sha256=sha))
    append_deployments(logged, actor, note)
    db.session.commit()
    return result


def deploy_directory(directory, actor: str, note: str | None = None) -> DeployResult:
    paths = sorted(Path(directory).glob(f"*{SUFFIX}"))
    return deploy_templates([(p.name, p.read_text(encoding="utf-8")) for p in paths], actor, note)


def template_versions() -> list[DocumentTemplate]:
    return list(db.session.scalars(select(DocumentTemplate).order_by(DocumentTemplate.doc_type,
                                                                      DocumentTemplate.version)))


def verify_templates() -> list[str]:
    """Every stored template version must still hash to its SHA-256 and have its deployment record."""
    from app.designer.records import DeploymentRecord
    logged = {(r.key, r.version): r.sha256 for r in db.session.scalars(
        select(DeploymentRecord).where(DeploymentRecord.key.like("document:%")))}
    problems = []
    for row in template_versions():
        if hashlib.sha256(row.content.encode("utf-8")).hexdigest() != row.sha256:
            problems.append(f"{row.doc_type} v{row.version}: content does not match its SHA-256")
        elif logged.get((f"document:{row.doc_type}", row.version)) != row.sha256:
            problems.append(f"{row.doc_type} v{row.version}: no matching record in the deployment log")
    return problems

"""Official documents: every type rendered with its content, numbers from the register (gap-free, also
under concurrent issuing on PostgreSQL, a rollback gives the number back), PAdES signatures validated by
pyHanko, one changed byte refused, voided and superseded documents shown as such, template versions kept,
the sandbox holding."""
from __future__ import annotations

import datetime as dt
import io
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from app.cases.models import Case
from app.core.clock import china_today
from app.core.errors import InvalidData
from app.documents import service
from app.documents.models import IssuedDocument
from app.documents.templating import TemplateProblem, deploy_templates, render_body
from app.documents.types import DOC_TYPES, SAMPLE_DATA
from app.extensions import db
from app.records import append_records, verify_case
from app.records.models import ExecutionRecord
from tests.support import forms as f

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def case_no(api):
    """An accepted case (received and accepted today)."""
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    return case_no


def _case(case_no) -> Case:
    return db.session.scalar(select(Case).where(Case.case_no == case_no))


def _data(doc_type: str) -> dict:
    """The sample data, dated today (a decision's date lies between acceptance and today)."""
    data = dict(SAMPLE_DATA[doc_type])
    if "decision_date" in data:
        data["decision_date"] = china_today()
    return data


def issue(case_no, doc_type, data=None, commit=True, **kwargs) -> IssuedDocument:
    """What a kernel handler does: issue in its transaction, chain the records, commit."""
    case = _case(case_no)
    drafts = []
    kwargs.setdefault("step_kind", DOC_TYPES[doc_type].steps[0])  # as the issuing step's handler does
    doc, _ = service.issue_document(case, doc_type, _data(doc_type) if data is None else data, "leader",
                                    drafts=drafts, **kwargs)
    append_records(case, drafts)
    if commit:
        db.session.commit()
    return doc


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def _fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded?) for every font on every page."""
    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font).get(
                "/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            out.append((str(font["/BaseFont"]), any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))))
    return out


# ------------------------------------------------------------------------------------------ each type

EXPECTED = {
    "acceptance_notice": ["受理通知书", "决定予以受理", "查询码", "第三十二条"],
    "correction_notice": ["行政许可申请材料补正告知书", "一次性告知", "食品安全管理制度：未加盖申请人公章",
                          "经营场所平面图：未标明设备布局和操作流程"],
    "rejection_decision": ["不予受理决定书", "决定不予受理", "辽宁省市场监督管理局", "六十日内", "鞍山市人民政府",
                           "六个月内"],
    "grant_decision": ["准予行政许可决定书", "决定准予行政许可", "第三十八条第一款", "预包装食品销售", "鞍审证〔2026〕第0001号"],
    "denial_decision": ["不予行政许可决定书", "决定不予行政许可", "第三十八条第二款", "未配备与经营的食品品种相适应的冷藏设施",
                        "六十日内向鞍山市人民政府申请行政复议", "六个月内直接向鞍山市铁东区人民法院提起行政诉讼"],
    "licence": ["食品经营许可证", "持证主体", "预包装食品销售（含冷藏冷冻食品）", "有效期限", "2031年3月19日"],
    "legal_review_opinion": ["法制审核意见书", "审核要点", "执法主体是否合法", "审核结论：同意", "法制审核人员：张法制"],
    "committee_minutes": ["专业审查委员会审议纪要", "刘局长、李审查、张法制、赵律师、孙审查", "其中法制机构人员",
                          "审议通过：同意准予行政许可", "签发：刘局长"],
    "service_receipt": ["送达回证", "准予行政许可决定书（鞍行审许字〔2026〕第0001号）", "直接送达", "受送达人签名或盖章",
                        "王窗口、李审查"],
    "hearing_rights_notice": ["行政许可听证告知书", "第四十七条第一款", "要求听证的权利", "2026年3月11日前",
                              "利害关系人张某（相邻住户）", "不承担行政机关组织听证的费用"],
    "hearing_notice": ["听证通知书", "第四十八条", "2026年3月23日", "鞍山市行政审批局三楼听证室", "赵听证", "申请回避",
                       "张某（利害关系人）"],
    "revocation_notice": ["撤销行政许可告知书", "鞍审证〔2026〕第0001号", "第六十九条第二款", "拟撤销该行政许可",
                          "第三十六条、第四十七条", "陈述、申辩和要求听证的权利", "五日内"],
    "revocation_decision": ["撤销行政许可决定书", "决定撤销", "鞍行审撤告字〔2026〕第0001号", "第六十九条第二款",
                            "第七十条第（四）项", "六十日内向鞍山市人民政府申请行政复议",
                            "六个月内直接向鞍山市铁东区人民法院提起行政诉讼"],
}


@pytest.mark.parametrize("doc_type", list(DOC_TYPES))
def test_each_type_is_rendered_with_its_content_numbered_signed_and_stored(api, ctx, case_no, doc_type):
    doc = issue(case_no, doc_type)
    year = china_today().year
    serial = 2 if doc_type == "acceptance_notice" else 1  # the acceptance step issued the first notice
    assert doc.number == f"{DOC_TYPES[doc_type].prefix}〔{year}〕第{serial:04d}号" and doc.status == "valid"
    pdf = service.document_pdf(doc)
    words = pdf_text(pdf)
    for expected in EXPECTED[doc_type] + [doc.number, "鞍山市行政审批局", "鞍山示例食品有限公司"]:
        assert expected in words, f"{expected!r} not in the text of {doc_type}"
    assert f"{dt.date.today().year}年" in words  # the date in Chinese
    fonts = _fonts(pdf)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert any("NotoSerifCJKSC" in name.replace("-", "") for name, _ in fonts), fonts
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    size = sorted((round(float(box.width)), round(float(box.height))))
    assert size == [595, 842]  # A4 (the licence in landscape)
    assert doc.public_id in words.replace(" ", "") or doc.public_id in pdf_text(pdf).replace(" ", "")


def test_the_qr_code_carries_the_verification_address(api, ctx, case_no):
    import segno
    doc = issue(case_no, "licence")
    (image,) = [img for img in PdfReader(io.BytesIO(service.document_pdf(doc))).pages[0].images]
    pixels = image.image.convert("1")
    matrix = segno.make(f"http://127.0.0.1:5000/api/public/documents/{doc.public_id}", error="m").matrix
    assert pixels.size == (len(matrix), len(matrix))
    assert all((pixels.getpixel((x, y)) == 0) == bool(matrix[y][x])
               for y in range(len(matrix)) for x in range(len(matrix)))


def test_issuing_writes_the_execution_record_and_the_chain_stays_valid(api, ctx, case_no):
    doc = issue(case_no, "grant_decision")
    rec = db.session.scalar(select(ExecutionRecord).where(ExecutionRecord.action == "document_issued")
                            .order_by(ExecutionRecord.id.desc()).limit(1))
    import json
    payload = json.loads(rec.payload)
    assert payload["number"] == doc.number and payload["sha256"] == doc.sha256
    assert payload["document_id"] == doc.id and payload["type"] == "grant_decision"
    assert payload["template_version"] == doc.template.version
    assert verify_case(_case(case_no)).valid


# ------------------------------------------------------------------------------------------ numbers

def test_numbers_are_sequential_and_a_rolled_back_issue_gives_its_number_back(api, ctx, case_no):
    first = issue(case_no, "legal_review_opinion")
    assert first.serial == 1
    rolled = issue(case_no, "legal_review_opinion", commit=False)
    assert rolled.serial == 2
    db.session.rollback()
    again = issue(case_no, "legal_review_opinion")
    assert again.serial == 2 and again.number.endswith("第0002号")
    other_type = issue(case_no, "correction_notice")
    assert other_type.serial == 1  # one sequence per type
    serials = db.session.scalars(select(IssuedDocument.serial).where(IssuedDocument.doc_type == "legal_review_opinion")
                                 .order_by(IssuedDocument.serial)).all()
    assert serials == [1, 2]


def test_concurrent_issuing_gives_unique_gap_free_numbers(app, api):
    """Several threads, each issuing on its own case in its own transactions (one rolls back once).
    PostgreSQL: truly concurrent, the counter row queues them; SQLite: one writer at a time, same outcome."""
    workers, per_worker, errors = 4, 3, []
    barrier = threading.Barrier(workers)
    cases = []
    for _ in range(workers):
        cases.append(api.new_case()["case_no"])
        api.complete(cases[-1], "receive", "clerk", f.ACCEPT)

    def work(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait(30)
                for i in range(per_worker):
                    issue(cases[n], "grant_decision", commit=not (n == 0 and i == 0))
                    if n == 0 and i == 0:
                        db.session.rollback()  # this number goes back to the register
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 — reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    with app.app_context():
        serials = db.session.scalars(select(IssuedDocument.serial).where(IssuedDocument.doc_type == "grant_decision")
                                     .order_by(IssuedDocument.serial)).all()
        numbers = db.session.scalars(select(IssuedDocument.number)).all()
        counter = db.session.scalar(text("SELECT last_serial FROM document_counter WHERE doc_type = 'grant_decision'"))
        assert all(verify_case(_case(no)).valid for no in cases)
    expected = workers * per_worker - 1
    assert serials == list(range(1, expected + 1)), serials
    assert len(set(numbers)) == len(numbers) and counter == expected


@pytest.mark.postgres_only
def test_concurrent_issuers_block_on_the_counter_row_not_fail(app, api, case_no):
    """PostgreSQL: the second issuer waits for the first transaction and then takes the next number."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: row locks on the counter (SQLite serialises writers itself)")
    holding, released = threading.Event(), threading.Event()
    result = {}
    other = api.new_case()["case_no"]  # two cases: the kernel's case lock is not what is tested here

    def first():
        with app.app_context():
            result["first"] = issue(case_no, "licence", commit=False).serial
            holding.set()
            released.wait(30)
            db.session.commit()
            db.session.remove()

    def second():
        with app.app_context():
            holding.wait(30)
            result["second"] = issue(other, "licence").serial
            db.session.remove()

    t1, t2 = threading.Thread(target=first), threading.Thread(target=second)
    t1.start(), t2.start()
    holding.wait(30)
    t2.join(1.5)
    assert t2.is_alive(), "the second issuer must wait for the first one's transaction"
    released.set()
    t1.join(30), t2.join(30)
    assert result == {"first": 1, "second": 2}


def test_unique_constraints_are_the_last_line(api, ctx, case_no):
    doc = issue(case_no, "licence")
    from sqlalchemy.exc import IntegrityError
    db.session.execute(text("UPDATE document_counter SET last_serial = 0 WHERE doc_type = 'licence'"))
    with pytest.raises(IntegrityError):
        issue(case_no, "licence", commit=False)
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(IssuedDocument.number).where(IssuedDocument.id == doc.id)) == doc.number


# ------------------------------------------------------------------------------------------ signature and verify

def test_the_signature_is_pades_and_validated_by_pyhanko(api, ctx, case_no):
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    doc = issue(case_no, "grant_decision")
    pdf = service.document_pdf(doc)
    ca_pem = api.get("/api/signing/ca").get_data()
    _, _, der = pem.unarmor(ca_pem)
    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)],
                                                           allow_fetching=False))
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert "鞍山市行政审批局" in status.signing_cert.subject.human_friendly


def test_cli_verify_accepts_the_file_and_refuses_one_changed_byte(app, api, ctx, case_no, tmp_path):
    doc = issue(case_no, "grant_decision")
    good = tmp_path / "decision.pdf"
    good.write_bytes(service.document_pdf(doc))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["documents", "verify", str(good)])
    assert ok.exit_code == 0, ok.output
    assert doc.number in ok.output and "OK" in ok.output

    data = bytearray(good.read_bytes())
    data[len(data) // 3] ^= 0x01  # one byte inside the signed range
    bad = tmp_path / "changed.pdf"
    bad.write_bytes(bytes(data))
    result = runner.invoke(args=["documents", "verify", str(bad)])
    assert result.exit_code == 1 and "FAILED" in result.output, result.output
    assert "no issued document has this SHA-256" in result.output


def test_an_unsigned_or_foreign_pdf_is_refused(app, api, ctx, case_no, tmp_path):
    pdf = service.preview_current("grant_decision")
    path = tmp_path / "preview.pdf"
    path.write_bytes(pdf)
    result = app.test_cli_runner().invoke(args=["documents", "verify", str(path)])
    assert result.exit_code == 1 and "expected one signature, found 0" in result.output


def test_production_key_from_a_pkcs12_file(app, api, ctx, case_no, tmp_path, monkeypatch):
    """SIGNING_PKCS12_FILE with its password in a file: documents are signed with that key and verify."""
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        pkcs12,
    )

    from app.documents.signing import load_key
    demo = load_key()
    p12 = tmp_path / "bureau.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"bureau", demo.private_key, demo.certificate, list(demo.chain), BestAvailableEncryption(b"s3cret")))
    (tmp_path / "pass").write_text("s3cret\n")
    monkeypatch.setitem(app.config, "SIGNING_PKCS12_FILE", str(p12))
    monkeypatch.setitem(app.config, "SIGNING_PKCS12_PASSWORD_FILE", str(tmp_path / "pass"))
    key = load_key()
    assert key.source.startswith("PKCS#12") and key.fingerprint == demo.fingerprint
    assert key.trust_roots == demo.chain  # the self-signed CA inside the PKCS#12
    doc = issue(case_no, "acceptance_notice")
    assert service.verify_pdf_bytes(service.document_pdf(doc)).ok
    monkeypatch.setitem(app.config, "SIGNING_PKCS12_FILE", str(tmp_path / "missing.p12"))
    from app.documents.signing import SigningKeyMissing
    with pytest.raises(SigningKeyMissing):
        load_key()


def test_archive_members_name_every_document(api, ctx, case_no):
    doc = issue(case_no, "legal_review_opinion")
    notice, member = service.archive_members(_case(case_no))  # the acceptance step's notice, then this one
    assert "acceptance_notice" in notice["name"]
    assert member["sha256"] == doc.sha256 and member["path"].exists() and member["name"].endswith(".pdf")


def test_signing_certificate_is_published(api):
    res = api.get("/api/signing/certificate")
    assert res.status_code == 200 and res.get_data(as_text=True).startswith("-----BEGIN CERTIFICATE-----")
    info = api.get("/api/signing/certificate?format=json").get_json()
    assert "鞍山市行政审批局" in info["subject"] and len(info["sha256"]) == 64


# ------------------------------------------------------------------------------------------ void and supersede

def test_a_voided_document_keeps_its_number_and_is_shown_as_voided(app, api, client, ctx, case_no, tmp_path):
    doc = issue(case_no, "grant_decision")
    case = _case(case_no)
    drafts = []
    service.void_document(doc, "许可内容表述有误", "leader", drafts)
    append_records(case, drafts)
    db.session.commit()
    assert doc.status == "voided" and doc.number.endswith("第0001号")

    body = client.get(f"/api/public/documents/{doc.public_id}").get_json()
    assert body["status"] == "voided" and body["void_reason"] == "许可内容表述有误"
    assert body["number"] == doc.number and body["sha256"] == doc.sha256
    assert "applicant" not in str(body) and "鞍山示例食品" not in str(body)
    page = client.get(f"/public/documents/{doc.public_id}").get_data(as_text=True)
    assert "已作废" in page and "许可内容表述有误" in page and doc.number in page

    path = tmp_path / "voided.pdf"
    path.write_bytes(service.document_pdf(doc))
    result = app.test_cli_runner().invoke(args=["documents", "verify", str(path)])
    assert result.exit_code == 1 and "voided" in result.output and "许可内容表述有误" in result.output

    replacement = issue(case_no, "grant_decision", supersedes=doc)
    assert replacement.number.endswith("第0002号") and doc.superseded_by_id == replacement.id
    page = client.get(f"/public/documents/{doc.public_id}").get_data(as_text=True)
    assert replacement.number in page
    with pytest.raises(Exception, match="作废|voided|状态"):
        service.void_document(doc, "again", "leader", [])


def test_the_public_page_speaks_english_on_request(app, api, client, case_no):
    with app.app_context():
        doc = issue(case_no, "denial_decision")
        drafts = service.void_document(doc, "送达地址错误<script>", "leader")
        append_records(_case(case_no), drafts)
        db.session.commit()
        public_id = doc.public_id
    page = client.get(f"/public/documents/{public_id}?lang=en").get_data(as_text=True)
    assert "Voided" in page and "Verify an official document" in page and "送达地址错误&lt;script&gt;" in page


def test_superseding_a_valid_document_marks_it_superseded(api, client, ctx, case_no):
    old = issue(case_no, "licence")
    new = issue(case_no, "licence", supersedes=old)
    body = client.get(f"/api/public/documents/{old.public_id}").get_json()
    assert body["status"] == "superseded" and body["superseded_by"]["number"] == new.number
    assert client.get(f"/api/public/documents/{new.public_id}").get_json()["supersedes"]["number"] == old.number
    records = db.session.scalars(select(ExecutionRecord.payload).where(ExecutionRecord.action == "document_issued")).all()
    assert any(f'"supersedes_number":"{old.number}"' in r for r in records)


def test_the_qr_target_sends_browsers_to_the_page_and_programs_get_json(client, ctx, api, case_no):
    doc = issue(case_no, "acceptance_notice")
    browser = client.get(f"/api/public/documents/{doc.public_id}",
                         headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 303 and browser.headers["Location"].endswith(f"/public/documents/{doc.public_id}")
    assert client.get(f"/api/public/documents/{doc.public_id}").get_json()["status"] == "valid"
    missing = client.get("/api/public/documents/nope")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    assert client.get("/public/documents/nope").status_code == 404


# ------------------------------------------------------------------------------------------ staff API

def test_staff_api_lists_documents_and_serves_the_pdf(api, ctx, case_no):
    (doc,) = service.case_documents(_case(case_no))  # the acceptance notice, issued by the acceptance step
    body = api.get(f"/api/cases/{case_no}/documents", "reviewer").get_json()
    (item,) = body["documents"]
    assert {"id", "type", "number", "title", "sha256", "issued_at", "status"} <= set(item)
    assert item["type"] == "acceptance_notice" and item["number"] == doc.number and item["issued_at"].endswith("+08:00")
    pdf = api.get(f"/api/documents/{doc.id}/pdf", "reviewer")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    import hashlib
    assert hashlib.sha256(pdf.get_data()).hexdigest() == doc.sha256
    denied = api.get(f"/api/cases/{case_no}/documents", "designer")  # designers see no case data
    assert denied.status_code == 403 and denied.get_json()["error"] == "permission_denied"
    assert api.get(f"/api/documents/{doc.id}/pdf", "designer").status_code == 403
    assert api.get(f"/api/documents/{doc.id}/pdf").status_code == 401
    assert api.get("/api/documents/999999/pdf", "reviewer").get_json()["error"] == "not_found"
    assert api.get("/api/cases/NOPE/documents", "reviewer").status_code == 404


def test_openapi_lists_the_documents_endpoints(api):
    paths = api.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/cases/{case_no}/documents", "/api/public/documents/{public_id}", "/api/public/checkpoints",
            "/api/signing/certificate"} <= set(paths)


# ------------------------------------------------------------------------------------------ decision dates

def test_a_decision_dated_in_the_future_or_before_acceptance_is_refused(api, ctx, case_no):
    case = _case(case_no)
    for when in (china_today() + dt.timedelta(days=1), case.accepted_on - dt.timedelta(days=1)):
        data = {**SAMPLE_DATA["grant_decision"], "decision_date": when.isoformat()}
        with pytest.raises(InvalidData) as info:
            service.issue_document(case, "grant_decision", data, "leader", drafts=[], step_kind="decide")
        assert info.value.code == "document_date_invalid"
        db.session.rollback()
    assert db.session.scalar(text("SELECT count(*) FROM issued_document WHERE doc_type = 'grant_decision'")) == 0
    assert db.session.scalar(text("SELECT coalesce(max(last_serial), 0) FROM document_counter "
                                  "WHERE doc_type = 'grant_decision'")) == 0


def test_missing_required_data_is_refused_with_the_fields(api, ctx, case_no):
    with pytest.raises(InvalidData) as info:
        service.issue_document(_case(case_no), "denial_decision", {"legal_basis": "x"}, "leader", drafts=[],
                               step_kind="decide")
    assert "reasons" in info.value.fields


# ------------------------------------------------------------------------------------------ templates

def test_a_case_keeps_the_template_version_it_was_issued_with(app, api, ctx, case_no):
    first = issue(case_no, "grant_decision")
    v1 = first.template.version
    source = (ROOT / "documents" / "grant_decision.html").read_text(encoding="utf-8")
    changed = source.replace("本决定将依法予以公开", "本决定将依法予以公开（第二版模板）")
    result = deploy_templates([("grant_decision.html", changed)], "designer", "wording")
    assert [t.version for t in result.created] == [v1 + 1]
    assert deploy_templates([("grant_decision.html", changed)], "designer", None).created == []  # unchanged
    second = issue(case_no, "grant_decision")
    assert second.template.version == v1 + 1 and "第二版模板" in pdf_text(service.document_pdf(second))
    db.session.refresh(first)
    assert first.template.version == v1 and "第二版模板" not in pdf_text(service.document_pdf(first))
    pinned = issue(case_no, "grant_decision", template_version=v1)
    assert pinned.template.version == v1
    from app.designer.records import DeploymentRecord
    assert db.session.scalar(select(DeploymentRecord).where(DeploymentRecord.key == "document:grant_decision",
                                                            DeploymentRecord.version == v1 + 1)) is not None
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["documents", "list"])
    assert f"grant_decision         v{v1 + 1}" in listed.output
    assert runner.invoke(args=["documents", "verify-templates"]).exit_code == 0


def test_template_rows_are_append_only(ctx):
    from sqlalchemy.exc import DatabaseError
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE document_template SET content = 'x'"))


@pytest.mark.parametrize("source", [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ data.__class__.__init__.__globals__ }}",
    "{{ cn_date.__globals__ }}",
    "{{ data.update({'x': 1}) }}",
    "{% for x in range(10**9) %}{% endfor %}",
])
def test_the_sandbox_refuses_python_internals(source):
    with pytest.raises(TemplateProblem):
        render_body(source, {"data": {"a": 1}, "cn_date": lambda v: v})


def test_a_broken_or_unsafe_template_is_not_deployed(ctx):
    before = db.session.scalar(text("SELECT count(*) FROM document_template"))
    for bad in ("{{ ''.__class__ }}", "{% if %}", "{{ data.no_such_key }}"):
        with pytest.raises(TemplateProblem):
            deploy_templates([("licence.html", bad)], "designer", None)
        db.session.rollback()
    with pytest.raises(TemplateProblem):
        deploy_templates([("unknown_type.html", "<p>x</p>")], "designer", None)
    db.session.rollback()
    assert db.session.scalar(text("SELECT count(*) FROM document_template")) == before


def test_templates_cannot_fetch_files_or_urls(ctx):
    source = ('<img src="file:///etc/passwd"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
              '<p>正文</p>')
    pdf = service.preview(source, doc_type="licence")
    reader = PdfReader(io.BytesIO(pdf))
    assert "/XObject" not in str(reader.pages[0]["/Resources"].get("/XObject", {}).keys()) or not any(
        str(x.get_object().get("/Subtype")) == "/Image" for x in reader.pages[0]["/Resources"]["/XObject"].values()
        if "/QR" not in str(x))
    assert "root:" not in pdf_text(pdf)


def test_designer_previews_a_template_before_deploying(api, case_no):
    source = (ROOT / "documents" / "denial_decision.html").read_text(encoding="utf-8") + "<p>新增段落</p>"
    res = api.post("/api/documents/preview", "designer", json={"doc_type": "denial_decision", "source": source})
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    words = pdf_text(res.get_data())
    assert "新增段落" in words and "预览" in words and "第0000号" in words
    assert PdfReader(io.BytesIO(res.get_data())).trailer["/Root"].get("/AcroForm") is None  # not signed
    with_case = api.post("/api/documents/preview", "reviewer", json={"doc_type": "acceptance_notice",
                                                                     "case_no": case_no})
    assert with_case.status_code == 200 and case_no in pdf_text(with_case.get_data())
    assert api.post("/api/documents/preview", "reviewer", json={"doc_type": "licence", "source": "x"}).status_code == 403
    bad = api.post("/api/documents/preview", "designer", json={"doc_type": "licence", "source": "{{ ''.__class__ }}"})
    assert bad.status_code == 422 and bad.get_json()["error"] == "document_template_invalid"
    assert api.post("/api/documents/preview", "designer", json={"doc_type": "nope"}).status_code == 422


def test_cli_preview_writes_a_pdf(app, tmp_path):
    out = tmp_path / "p.pdf"
    result = app.test_cli_runner().invoke(args=["documents", "preview", "licence", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "食品经营许可证" in pdf_text(out.read_bytes())

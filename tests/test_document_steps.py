"""Documents issued at their steps (issue 13): each 执法文书 is issued by its step's handler in the step's own
transaction, with the content of the case and the form (checked in the text extracted from the signed PDF);
the task page previews them, the case page lists them."""
from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.cases.models import Case
from app.core.errors import Conflict
from app.documents import service
from app.documents.models import DocumentCounter, IssuedDocument
from app.extensions import db
from app.records import verify_case
from app.records.models import ExecutionRecord
from tests.support import forms as f
from tests.support.documents import docs_of, text, text_of
from tests.support.web import html


def major_case(api) -> str:
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review(category="resource_allocation"))
    api.complete(case_no, "legal_review", "legal", f.legal_review("approve"))
    api.complete(case_no, "committee", "secretary", f.committee("pass"))
    api.complete(case_no, "sign_conclusion", "leader", f.SIGN)
    return case_no


def test_the_standard_path_issues_notice_licence_decision_and_proof_of_service(api, ctx):
    case = api.new_case()
    case_no = case["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    notice = docs_of(case_no)["acceptance_notice"]
    row = db.session.scalar(select(Case).where(Case.case_no == case_no))
    words = text(notice)
    assert notice.number in words and row.query_code in words and "鞍山示例食品有限公司" in words
    assert notice.task_id is not None and notice.status == "valid"

    api.complete(case_no, "review", "reviewer", f.review())
    api.complete(case_no, "decide", "leader", {**f.DECIDE_GRANT, "licence_scope": "预包装食品销售；散装食品销售"})
    docs = docs_of(case_no)
    licence, grant = docs["licence"], docs["grant_decision"]
    assert "denial_decision" not in docs
    licence_text, grant_text = text(licence), text(grant)
    assert "预包装食品销售；散装食品销售" in licence_text and licence.number in licence_text
    assert grant.number in grant_text and licence.number in grant_text  # the decision names the licence
    assert "准予行政许可" in grant_text and "第三十八条第一款" in grant_text

    api.complete(case_no, "deliver", "clerk", f.deliver())
    receipt = docs_of(case_no)["service_receipt"]
    receipt_text = text(receipt)
    assert grant.number in receipt_text and "电子送达" in receipt_text and "王窗口" in receipt_text

    # Each document is an execution record of the chain (type, number, SHA-256 of the signed PDF).
    records = db.session.scalars(select(ExecutionRecord).where(ExecutionRecord.action == "document_issued")
                                 .order_by(ExecutionRecord.id)).all()
    issued = [json.loads(r.payload) for r in records]
    assert [(p["type"], p["number"], p["sha256"]) for p in issued] == [
        (d.doc_type, d.number, d.sha256) for d in (notice, licence, grant, receipt)]
    assert verify_case(row).valid
    # The publication draft carries the register's number, not a typed one.
    from app.publicity.models import Publication
    pub = db.session.scalar(select(Publication).where(Publication.case_id == row.id))
    assert pub.document_no == grant.number


def test_numbers_are_never_typed_two_cases_get_two_numbers(api, ctx):
    numbers = []
    for _ in range(2):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
        api.complete(case_no, "review", "reviewer", f.review())
        typed = {**f.DECIDE_GRANT, "document_no": "鞍行审许字〔2026〕1号"}  # the old field: no longer on the form
        res = api.post(f"/api/tasks/{api.open_task(case_no, 'decide')['id']}/complete", "leader", json={"data": typed})
        if res.status_code == 200:  # ignored …
            assert docs_of(case_no)["grant_decision"].number != "鞍行审许字〔2026〕1号"
        else:  # … or refused as an unknown field; either way the register numbers it
            assert res.status_code == 422
            api.complete(case_no, "decide", "leader", f.DECIDE_GRANT)
        numbers.append(docs_of(case_no)["grant_decision"].number)
    assert len(set(numbers)) == 2 and all(n.startswith("鞍行审许字〔") for n in numbers)


def test_correction_lists_every_item_and_rejection_gives_the_reason(api, ctx):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", {**f.CORRECT, "correction_items": "经营场所平面图未标明布局\n营业执照复印件不清晰"})
    words = text(docs_of(case_no)["correction_notice"])
    assert "经营场所平面图未标明布局" in words and "营业执照复印件不清晰" in words
    api.complete(case_no, "receive", "clerk", {**f.REJECT, "referral_agency": "鞍山市市场监督管理局"})
    rejection = docs_of(case_no)["rejection_decision"]
    words = text(rejection)
    assert "不属于本机关职权范围" in words and "鞍山市市场监督管理局" in words and rejection.number in words
    assert "六十日" in words or "60日" in words


def test_a_denial_names_the_reasons_and_the_rights_with_time_limits_and_bodies(api, ctx):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review(proposal="deny"))
    api.complete(case_no, "decide", "leader", {**f.DECIDE_DENY, "reasons": "经营场所与污染源距离不符合要求"})
    docs = docs_of(case_no)
    assert "licence" not in docs and "grant_decision" not in docs
    words = text(docs["denial_decision"])
    assert "经营场所与污染源距离不符合要求" in words
    assert "鞍山市人民政府" in words and "行政复议" in words and "行政诉讼" in words
    assert ("六十日" in words or "60日" in words) and ("六个月" in words or "6个月" in words)
    assert "人民法院" in words


def test_the_major_path_issues_the_legal_review_opinion_and_the_signed_minutes(api, ctx):
    case_no = major_case(api)
    docs = docs_of(case_no)
    opinion = text(docs["legal_review_opinion"])
    assert "张法制" in opinion and "事实是否清楚" in opinion and "拟准予行政许可" in opinion
    minutes = text(docs["committee_minutes"])
    for name in ("刘局长", "张法制", "孙审查"):  # the attendees by name, never their usernames
        assert name in minutes
    assert "审议通过" in minutes and "同意委员会结论" in minutes
    api.complete(case_no, "decide", "leader", f.DECIDE_GRANT)
    assert "grant_decision" in docs_of(case_no)


def test_a_failure_while_issuing_rolls_back_the_whole_step(api, ctx, monkeypatch):
    case_no = api.new_case()["case_no"]
    import app.documents.service as issuing

    def broken(*args, **kwargs):
        raise RuntimeError("signing device unavailable")
    monkeypatch.setattr(issuing, "sign_pdf", broken)
    task = api.open_task(case_no, "receive")
    with pytest.raises(RuntimeError):
        api.post(f"/api/tasks/{task['id']}/complete", "clerk", json={"data": f.ACCEPT})
    db.session.rollback()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(IssuedDocument)) == 0
    assert db.session.scalar(select(func.coalesce(func.max(DocumentCounter.last_serial), 0))) == 0
    assert api.open_task(case_no, "receive")["id"] == task["id"]  # the step did not happen
    monkeypatch.undo()
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    assert docs_of(case_no)["acceptance_notice"].serial == 1  # no gap


def test_only_the_issuing_step_takes_a_number(api, ctx):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    case = db.session.scalar(select(Case).where(Case.case_no == case_no))
    for kind in (None, "review", "deliver"):
        with pytest.raises(Conflict) as info:
            service.issue_document(case, "grant_decision", {"content": "x"}, "leader", drafts=[], step_kind=kind)
        assert info.value.code == "document_outside_step" and "作出决定" in info.value.message


def test_the_task_page_previews_the_documents_from_the_form_as_filled_in(api, browser):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review(proposal="deny"))
    task = api.open_task(case_no, "decide")
    leader = browser("leader")
    page = html(leader.get(f"/tasks/{task['id']}"))
    assert "本环节出具的文书" in page and "documents-preview.js" in page
    url = f"/tasks/{task['id']}/documents/denial_decision/preview"
    form = {"decision": "deny", "reasons": "预览里的理由文字", "decision_date": f.TODAY, "opinion": "不同意"}
    res = leader.post(url, form)
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    words = text_of(res.get_data())
    assert "预览里的理由文字" in words and "预览" in words and "不予行政许可决定书" in words
    # Nothing was issued or numbered by looking.
    with leader.client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(IssuedDocument)
                                 .where(IssuedDocument.doc_type == "denial_decision")) == 0
    # A document the form as filled in would not issue is a clear refusal, not a PDF.
    assert leader.post(f"/tasks/{task['id']}/documents/grant_decision/preview", form).status_code == 422


def test_the_case_page_lists_every_document_to_view_print_and_download(api, browser):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    page = html(browser("reviewer").get(f"/cases/{case_no}"))
    assert "执法文书" in page and "受理通知书" in page and "鞍行审受字〔" in page and "打印" in page
    with browser("reviewer").client.application.app_context():
        (doc,) = service.case_documents(db.session.scalar(select(Case).where(Case.case_no == case_no)))
        doc_id, sha = doc.id, doc.sha256
    res = browser("reviewer").get(f"/cases/{case_no}/documents/{doc_id}?download=1")
    assert res.status_code == 200 and res.headers["Content-Disposition"].startswith("attachment")
    import hashlib
    assert hashlib.sha256(res.get_data()).hexdigest() == sha
    assert browser("designer").get(f"/cases/{case_no}/documents/{doc_id}").status_code == 403

"""The hearing's and the revocation's documents issued at their steps, numbered by the register (never typed):
the 行政许可听证告知书 at 告知听证权利, the 听证通知书 (host, time, place) at 听证安排, the 撤销（撤回）行政许可告知书
at the revocation's notice and the 撤销（撤回）行政许可决定书 at its decision (none for 不予撤销) — checked in the
text extracted from the signed PDFs."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.support import forms as f
from tests.support.flows import accepted_case, at, case_row
from tests.support.documents import docs_of, text
from tests.support.hearing import hearing_of, noticed_case, requested_case
from tests.support.licences import INQUIRY, NOTICE, NUMBER, REVOKE, decided_case, revocation_case, through_legal_review

pytestmark = pytest.mark.usefixtures("ctx")


def test_the_notice_of_hearing_rights_is_issued_with_the_registers_number(api):
    case_no = noticed_case(api)
    notice = docs_of(case_no)["hearing_rights_notice"]
    words = text(notice)
    assert notice.number.startswith("鞍行审听告字〔2026〕第") and notice.number in words
    assert "行政许可听证告知书" in words and "第四十七条" in words and "五日内" in words
    assert "2026年3月11日" in words  # the last day of the window (5 working days from 3/4)
    assert "利害关系人张某" in words and "鞍山示例食品有限公司" in words
    assert notice.task_id is not None and notice.status == "valid"
    assert hearing_of(case_no).notice_ref == notice.number  # the hearing record keeps the register's number


def test_the_hearing_notice_names_the_host_the_time_and_the_place(api):
    case_no = requested_case(api)
    with at("2026-03-12"):
        api.complete(case_no, "hearing_arrange", "reviewer", f.hearing_arrange())
    notice = docs_of(case_no)["hearing_notice"]
    words = text(notice)
    assert notice.number.startswith("鞍行审听通字〔2026〕第") and notice.number in words
    assert "听证通知书" in words and "第四十八条" in words
    assert "2026年3月23日09:30" in words and "市行政审批局三楼听证室" in words  # the day and the time (第48条)
    assert "孙审查" in words and "reviewer2" not in words  # the host by full name, never the sign-in name
    assert "张某（利害关系人）" in words and "回避" in words


def test_a_typed_number_is_no_field_any_more_and_two_cases_get_two_numbers(api):
    numbers = []
    for day in ("2026-03-02", "2026-03-03"):
        case_no = accepted_case(api, day)
        with at("2026-03-03"):
            api.complete(case_no, "review", "reviewer", f.review(hearing_needed="major_interests"))
        typed = {**f.HEARING_NOTICE, "notice_ref": "鞍行审听告字〔2026〕1号"}  # the old field
        task = api.open_task(case_no, "hearing_notice")
        with at("2026-03-04"):
            res = api.post(f"/api/tasks/{task['id']}/complete", "reviewer", json={"data": typed})
            if res.status_code != 200:  # refused as an unknown field, or ignored: the register numbers it
                assert res.status_code == 422
                api.complete(case_no, "hearing_notice", "reviewer", f.HEARING_NOTICE)
        notice = docs_of(case_no)["hearing_rights_notice"]
        assert notice.number != "鞍行审听告字〔2026〕1号" and hearing_of(case_no).notice_ref == notice.number
        numbers.append(notice.number)
    assert len(set(numbers)) == 2


def test_the_revocation_issues_the_notice_and_the_decision_with_rights_and_bodies(api):
    decided_case(api)
    case_no = revocation_case(api)
    through_legal_review(api, case_no)
    notice = docs_of(case_no)["revocation_notice"]
    words = text(notice)
    assert notice.title == "撤销行政许可告知书" and "撤销行政许可告知书" in words
    assert notice.number.startswith("鞍行审撤告字〔2026〕第") and notice.number in words
    assert NUMBER in words and "经调查核实：被许可人以虚假材料取得许可。" in words  # the inquiry's findings, once
    assert "第六十九条第二款" in words and "第三十六条" in words and "第四十七条" in words
    assert "陈述" in words and "申辩" in words and "听证" in words

    with at("2026-06-20"):
        typed = {**REVOKE, "document_no": "鞍行审撤字〔2026〕1号"}  # the old field: no longer on the form
        task = api.open_task(case_no, "decide")
        res = api.post(f"/api/tasks/{task['id']}/complete", "leader", json={"data": typed})
        if res.status_code != 200:
            assert res.status_code == 422
            api.complete(case_no, "decide", "leader", REVOKE)
    decision = docs_of(case_no)["revocation_decision"]
    words = text(decision)
    assert decision.number.startswith("鞍行审撤字〔2026〕第") and decision.number != "鞍行审撤字〔2026〕1号"
    assert decision.number in words and decision.title == "撤销行政许可决定书"
    assert notice.number in words  # names the notice served before it
    assert NUMBER in words and "以欺骗手段取得许可" in words and "第六十九条第二款" in words
    assert f"食品经营许可证（证号：{NUMBER}）" in words  # the licence by the name its certificate carries
    assert "第七十条" in words and "陈述、申辩意见：无异议。" in words  # the licence cancelled; what the holder said
    assert "第六十九条第二款撤销。" in words  # the leader's reasons as a sentence
    assert "鞍山市人民政府" in words and "行政复议" in words and "行政诉讼" in words and "人民法院" in words
    assert ("六十日" in words or "60日" in words) and ("六个月" in words or "6个月" in words)
    assert decision.issued_on.isoformat() == "2026-06-20"

    # 送达 as in the permit process: the 送达回证 names the revocation decision; no typed receipt number
    with at("2026-06-22"):
        api.complete(case_no, "deliver", "clerk", f.deliver("2026-06-22"))
    receipt = docs_of(case_no)["service_receipt"]
    assert decision.number in text(receipt) and "撤销行政许可决定书" in text(receipt)


def test_a_withdrawal_says_so_in_notice_and_decision_and_offers_compensation(api):
    decided_case(api)
    case_no = revocation_case(api)
    with at("2026-06-02"):
        api.complete(case_no, "inquiry", "reviewer", {**INQUIRY, "ground": "art8", "proposal": "withdraw_permit",
                                                       "opinion": "准予许可所依据的客观情况发生重大变化"})
    with at("2026-06-03"):
        api.complete(case_no, "hearing_notice", "clerk", NOTICE)
    notice = docs_of(case_no)["revocation_notice"]
    assert notice.title == "撤回行政许可告知书" and "第八条第二款" in text(notice)
    with at("2026-06-10"):
        api.complete(case_no, "legal_review", "legal", f.legal_review("approve"))
        assert "拟撤回行政许可" in text(docs_of(case_no)["legal_review_opinion"])  # the proposal in words
        api.complete(case_no, "committee", "secretary", f.committee("pass"))
        api.complete(case_no, "sign_conclusion", "leader", f.SIGN)
    with at("2026-06-20"):
        # the guard holds the decision to the reviewed proposal: 撤销 where 撤回 was proposed goes back
        refused = api.complete(case_no, "decide", "leader", {**REVOKE, "reasons": "客观情况发生重大变化"}, expect=422)
        assert refused["error"] == "decision_differs_from_reviewed"
        api.complete(case_no, "decide", "leader", {**REVOKE, "decision": "withdraw_permit",
                                                   "reasons": "准予许可所依据的客观情况发生重大变化"})
    decision = docs_of(case_no)["revocation_decision"]
    words = text(decision)
    assert decision.title == "撤回行政许可决定书" and "撤回" in words and "第八条第二款" in words and "补偿" in words


def test_a_dismissal_issues_no_decision_document(api):
    """不予撤销: the licence stays; no decision is issued to the holder (nor a 送达回证 for one)."""
    from types import SimpleNamespace

    from app.documents.steps import planned_documents
    case = SimpleNamespace(item=SimpleNamespace(name="食品经营许可", licence_procedure="revocation"), facts={})
    step = SimpleNamespace(kind="decide", data={**REVOKE, "decision": "dismiss"}, case=case, outputs={})
    assert planned_documents(step) == []

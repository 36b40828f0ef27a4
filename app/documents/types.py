"""The document types (执法文书), their number prefixes (机关代字) and the data each one needs.

A document number is ``<机关代字>〔<year>〕第<serial, 4 digits>号``, e.g. 鞍行审许字〔2026〕第0001号: one sequence per
type and calendar year (China time), from the register in ``numbering.py``. The prefixes follow the usual
pattern of a municipal bureau's 发文字号 (鞍 = 鞍山, 行审 = 行政审批局, then one character for the kind of
document, 字); the licence uses the short certificate prefix 鞍审证. Change them here (and in docs/documents.md)
before the first document of a year is issued: a prefix is part of every number already issued.

``required`` lists the keys the step's data must carry (the kernel's handler passes them as ``context``);
templates may use more, optional keys with ``data.get(...)``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class DocType:
    code: str
    title: str  # the model format's title, printed on the document
    title_en: str
    prefix: str  # 机关代字
    required: tuple[str, ...]
    internal: bool = False  # an internal document (法制审核意见书, 审议纪要): not delivered to the applicant
    steps: tuple[str, ...] = ()  # the task kinds that issue it: only they may take a number of this type

    def number(self, year: int, serial: int) -> str:
        return f"{self.prefix}〔{year}〕第{serial:04d}号"


DOC_TYPES: dict[str, DocType] = {t.code: t for t in (
    DocType("acceptance_notice", "受理通知书", "Notice of acceptance", "鞍行审受字", (), steps=("receive",)),
    DocType("correction_notice", "行政许可申请材料补正告知书", "Notice to supplement application materials",
            "鞍行审补字", ("correction_items",), steps=("receive",)),
    DocType("rejection_decision", "不予受理决定书", "Decision not to accept an application", "鞍行审不受字",
            ("reject_reason",), steps=("receive",)),
    DocType("grant_decision", "准予行政许可决定书", "Decision to grant an administrative licence", "鞍行审许字",
            ("content",), steps=("decide",)),
    DocType("denial_decision", "不予行政许可决定书", "Decision to refuse an administrative licence", "鞍行审不许字",
            ("reasons",), steps=("decide",)),
    DocType("licence", "行政许可证", "Licence", "鞍审证", ("scope", "valid_from", "valid_until"), steps=("decide",)),
    DocType("legal_review_opinion", "法制审核意见书", "Legal review opinion", "鞍行审法审字",
            ("outcome", "opinion", "reviewer"), internal=True,
            steps=("legal_review",)),
    DocType("committee_minutes", "专业审查委员会审议纪要", "Minutes of the professional review committee",
            "鞍行审会纪字", ("meeting_date", "attendees", "conclusion", "minutes"), internal=True,
            steps=("sign_conclusion",)),
    DocType("service_receipt", "送达回证", "Proof of service", "鞍行审送字", ("served_document", "recipient"), steps=("deliver",)),
    # The hearing (行政许可法 第46–48条): the notice of the right to request a hearing, then the notice of its
    # time and place; the revocation of a licence (第69条, 第8条): the notice of the intended revocation with
    # the rights to state one's case, to defend it and to request a hearing (第36、47条), then the decision.
    DocType("hearing_rights_notice", "行政许可听证告知书", "Notice of the right to a hearing", "鞍行审听告字",
            ("parties", "window_until"), steps=("hearing_notice",)),
    DocType("hearing_notice", "听证通知书", "Notice of hearing", "鞍行审听通字", ("host", "scheduled_on", "place"),
            steps=("hearing_arrange",)),
    DocType("revocation_notice", "撤销（撤回）行政许可告知书", "Notice of the intended revocation of a licence",
            "鞍行审撤告字", ("verb", "licence_number", "findings", "article"), steps=("hearing_rights_notice",)),
    DocType("revocation_decision", "撤销（撤回）行政许可决定书", "Decision to revoke a licence", "鞍行审撤字",
            ("verb", "licence_number", "reasons", "article"), steps=("decide",)),
)}


def doc_type(code: str) -> DocType:
    try:
        return DOC_TYPES[code]
    except KeyError:
        raise KeyError(f"unknown document type: {code!r} (known: {', '.join(DOC_TYPES)})") from None


def title_for(code: str, data: dict) -> str:
    """The printed title: the type's, except a licence, which carries the certificate's own name."""
    if code == "licence" and data.get("licence_name"):
        return str(data["licence_name"])
    if code in ("revocation_notice", "revocation_decision") and data.get("verb") in ("撤销", "撤回"):
        return DOC_TYPES[code].title.replace("撤销（撤回）", data["verb"])  # 撤销行政许可决定书 or 撤回…
    return DOC_TYPES[code].title


# ---------------------------------------------------------------------------------------- sample data

_SAMPLE_CASE = {
    "case_no": "XK-2026-000001", "query_code": "7K3Q9M2P", "item_code": "XK-002", "item_name": "食品经营许可",
    "item_legal_basis": "《中华人民共和国食品安全法》第三十五条", "applicant_name": "鞍山示例食品有限公司",
    "applicant_type": "legal_person", "applicant_code": "91210300MA0QC4XB9B", "received_on": dt.date(2026, 3, 2),
    "accepted_on": dt.date(2026, 3, 3), "decided_on": dt.date(2026, 3, 20), "decision_due": dt.date(2026, 3, 31),
    "is_major": False, "statutory_days": 20,
}

SAMPLE_DATA: dict[str, dict] = {
    "acceptance_notice": {"materials": ["食品经营许可申请书", "营业执照复印件", "食品安全管理制度"]},
    "correction_notice": {"correction_items": [
        {"name": "食品安全管理制度", "reason": "未加盖申请人公章"},
        {"name": "经营场所平面图", "reason": "未标明设备布局和操作流程"}], "within_days": 30},
    "rejection_decision": {"reject_reason": "你单位申请的事项依法不属于本机关职权范围",
                           "referral_agency": "辽宁省市场监督管理局", "decision_date": dt.date(2026, 3, 2)},
    "grant_decision": {"content": "准予你单位从事预包装食品销售、散装食品销售的食品经营活动",
                       "legal_basis": "《中华人民共和国食品安全法》第三十五条",
                       "licence_number": "鞍审证〔2026〕第0001号", "valid_from": dt.date(2026, 3, 20),
                       "valid_until": dt.date(2031, 3, 19), "decision_date": dt.date(2026, 3, 20)},
    "denial_decision": {"reasons": ["经营场所与有毒、有害场所的距离不符合《食品经营许可审查通则》的要求",
                                    "未配备与经营的食品品种相适应的冷藏设施"],
                        "legal_basis": "《中华人民共和国食品安全法》第三十五条", "decision_date": dt.date(2026, 3, 20)},
    "licence": {"licence_name": "食品经营许可证", "scope": "预包装食品销售（含冷藏冷冻食品）；散装食品销售",
                "address": "辽宁省鞍山市铁东区示例路1号", "legal_representative": "王示例",
                "valid_from": dt.date(2026, 3, 20), "valid_until": dt.date(2031, 3, 19)},
    "legal_review_opinion": {"round_no": 1, "reviewer": "张法制", "outcome": "approve", "proposal": "拟准予行政许可",
                             "checklist": [
                                 {"item": "执法主体是否合法，执法人员是否具备执法资格", "result": "pass", "comment": ""},
                                 {"item": "是否超越本机关法定权限", "result": "pass", "comment": ""},
                                 {"item": "事实是否清楚", "result": "pass", "comment": ""},
                                 {"item": "证据是否确凿、合法、充分", "result": "pass", "comment": ""},
                                 {"item": "适用法律、法规、规章是否准确，定性是否准确", "result": "pass", "comment": ""},
                                 {"item": "程序是否合法（补正告知、听证权利、告知、时限）", "result": "pass", "comment": ""},
                                 {"item": "裁量是否适当，裁量基准运用是否适当", "result": "pass", "comment": ""},
                                 {"item": "文书是否规范、齐全，法律用语是否准确", "result": "pass", "comment": ""},
                                 {"item": "是否涉嫌犯罪需移送司法机关", "result": "na", "comment": "不涉及"},
                                 {"item": "法律法规规定的其他审核内容", "result": "na", "comment": ""}],
                             "opinion": "经审核，该案执法主体合法，事实清楚，证据充分，适用依据正确，程序合法，"
                                        "同意拟作出的准予行政许可决定。"},
    "committee_minutes": {"meeting_no": 1, "meeting_date": dt.date(2026, 3, 16), "place": "鞍山市行政审批局第一会议室",
                          "chair": "刘局长", "recorder": "陈秘书",
                          "attendees": ["刘局长", "李审查", "张法制", "赵律师", "孙审查"],
                          "legal_attendees": ["张法制", "赵律师"], "quorum_met": True,
                          "minutes": "审查人员汇报了案件事实、证据和拟处理意见；法制审核人员汇报了法制审核意见；"
                                     "与会人员进行了讨论。",
                          "conclusion": "pass", "conclusion_text": "同意准予行政许可。",
                          "signed_by": "刘局长", "sign_opinion": "同意审议结论。", "signed_on": dt.date(2026, 3, 17)},
    "hearing_rights_notice": {"basis": "major_interests", "notified_on": dt.date(2026, 3, 4),
                              "window_until": dt.date(2026, 3, 11),
                              "parties": "申请人鞍山示例食品有限公司；利害关系人张某（相邻住户）"},
    "hearing_notice": {"requested_by": "张某（利害关系人）", "requested_on": dt.date(2026, 3, 11),
                       "host": "赵听证", "scheduled_on": dt.date(2026, 3, 23), "place": "鞍山市行政审批局三楼听证室",
                       "parties": "申请人鞍山示例食品有限公司；利害关系人张某（相邻住户）"},
    "revocation_notice": {"verb": "撤销", "ground": "art69_2", "article": "第六十九条第二款",
                          "licence_name": "食品经营许可证", "licence_number": "鞍审证〔2026〕第0001号",
                          "findings": "被许可人在申请时提交的经营场所使用证明系伪造，以欺骗手段取得行政许可。"},
    "revocation_decision": {"verb": "撤销", "ground": "art69_2", "article": "第六十九条第二款",
                            "licence_name": "食品经营许可证", "licence_number": "鞍审证〔2026〕第0001号",
                            "notice_number": "鞍行审撤告字〔2026〕第0001号", "notice_title": "撤销行政许可告知书",
                            "notified_on": dt.date(2026, 6, 3), "hearing_requested": False, "statement": "",
                            "reasons": "被许可人以欺骗手段取得行政许可，事实清楚，证据确凿。",
                            "decision_date": dt.date(2026, 6, 20)},
    "service_receipt": {"served_document": "准予行政许可决定书（鞍行审许字〔2026〕第0001号）",
                        "delivery_method": "direct", "recipient": "鞍山示例食品有限公司",
                        "address": "辽宁省鞍山市铁东区示例路1号", "servers": ["王窗口", "李审查"]},
}


def sample_case() -> dict:
    return dict(_SAMPLE_CASE)

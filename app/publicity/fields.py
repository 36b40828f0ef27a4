"""The 行政许可 双公示 record (domain.md §4B): its fields in the standard's order, their labels, the draft
filled from a case, the masking of ID numbers for the public, and the checks before publication."""
from __future__ import annotations

import datetime as dt
from typing import Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.cases.models import Case
from app.core.errors import InvalidData
from app.core.i18n import t
from app.core.schemas import uscc_is_valid

BUREAU_NAME = "鞍山市行政审批局"
BUREAU_USCC = "11210300MB1713027F"  # demo value; set BUREAU_USCC in the configuration

# The standard's field names, in its order, with their labels (the name itself; English in the catalogue).
FIELD_LABELS = {
    "行政相对人名称": _l("行政相对人名称"),
    "行政相对人类别": _l("行政相对人类别"),
    "行政相对人代码_1(统一社会信用代码)": _l("行政相对人代码_1(统一社会信用代码)"),
    "行政相对人代码_2(工商注册号)": _l("行政相对人代码_2(工商注册号)"),
    "行政相对人代码_3(组织机构代码)": _l("行政相对人代码_3(组织机构代码)"),
    "行政相对人代码_4(税务登记号)": _l("行政相对人代码_4(税务登记号)"),
    "行政相对人代码_5(事业单位证书号)": _l("行政相对人代码_5(事业单位证书号)"),
    "行政相对人代码_6(社会组织登记证号)": _l("行政相对人代码_6(社会组织登记证号)"),
    "法定代表人": _l("法定代表人"),
    "法定代表人证件类型": _l("法定代表人证件类型"),
    "法定代表人证件号码": _l("法定代表人证件号码"),
    "证件类型": _l("证件类型"),
    "证件号码": _l("证件号码"),
    "行政许可决定文书名称": _l("行政许可决定文书名称"),
    "行政许可决定文书号": _l("行政许可决定文书号"),
    "许可类别": _l("许可类别"),
    "许可证书名称": _l("许可证书名称"),
    "许可编号": _l("许可编号"),
    "许可内容": _l("许可内容"),
    "许可决定日期": _l("许可决定日期"),
    "有效期自": _l("有效期自"),
    "有效期至": _l("有效期至"),
    "许可机关": _l("许可机关"),
    "许可机关统一社会信用代码": _l("许可机关统一社会信用代码"),
    "当前状态": _l("当前状态"),
    "数据来源单位": _l("数据来源单位"),
    "数据来源单位统一社会信用代码": _l("数据来源单位统一社会信用代码"),
    "备注": _l("备注"),
}
FIELD_NAMES = tuple(FIELD_LABELS)
NAME, SUBJECT_TYPE, USCC = "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)"
CODES = FIELD_NAMES[2:8]
REP, REP_ID_TYPE, REP_ID = "法定代表人", "法定代表人证件类型", "法定代表人证件号码"
ID_TYPE, ID_NO = "证件类型", "证件号码"
DOC_TITLE, DOC_NO, CATEGORY, CONTENT = "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可内容"
DECISION_DATE, VALID_FROM, VALID_TO = "许可决定日期", "有效期自", "有效期至"
CERT_NAME, LICENCE_NO = "许可证书名称", "许可编号"
AUTHORITY, AUTHORITY_USCC, STATUS = "许可机关", "许可机关统一社会信用代码", "当前状态"
SOURCE, SOURCE_USCC, REMARKS = "数据来源单位", "数据来源单位统一社会信用代码", "备注"

VALID, INVALID = "有效", "无效"
SUBJECT_TYPES = ("法人及非法人组织", "自然人", "个体工商户")
NATURAL_PERSON, INDIVIDUAL_BUSINESS = "自然人", "个体工商户"
ID_TYPES = ("身份证", "护照号", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证")
PERMIT_CATEGORIES = ("普通", "特许", "认可", "核准", "登记")
APPLICANT_TYPES = {"legal_person": "法人及非法人组织", "other_organization": "法人及非法人组织",
                   "individual_business": INDIVIDUAL_BUSINESS, "natural_person": NATURAL_PERSON}
# 许可类别 by the catalogue's item category: allocating a limited resource is a 特许 (行政许可法 第12条第二项).
CATEGORY_BY_ITEM = {"resource_allocation": "特许"}
REQUIRED = (NAME, SUBJECT_TYPE, DOC_TITLE, DOC_NO, CATEGORY, CONTENT, DECISION_DATE, AUTHORITY, AUTHORITY_USCC,
            SOURCE)
DATES = (DECISION_DATE, VALID_FROM, VALID_TO)
MASKED = (ID_NO, REP_ID)  # natural persons' ID numbers: stored in full, masked whenever shown publicly
EDITABLE = tuple(name for name in FIELD_NAMES if name != STATUS)  # 当前状态 follows the record's state
MAX_VALUE = 2000


def bureau() -> tuple[str, str]:
    """The bureau's name and unified social credit code (许可机关 and 数据来源单位)."""
    return current_app.config.get("BUREAU_NAME", BUREAU_NAME), current_app.config.get("BUREAU_USCC", BUREAU_USCC)


def field_label(name: str) -> str:
    """A field's label in the user's language (the standard's name in Chinese)."""
    return str(FIELD_LABELS.get(name, name))


def mask_id(value: str | None) -> str:
    """An ID number for the public: the first 6 and last 4 characters of an 18-digit number stay
    (210302********1234); shorter numbers keep less."""
    value = (value or "").strip()
    n = len(value)
    if n >= 15:
        return value[:6] + "*" * (n - 10) + value[-4:]
    if n >= 8:
        return value[:2] + "*" * (n - 4) + value[-2:]
    return "*" * n


def parse_date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _iso(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def build_fields(case: Case, data: Mapping) -> dict[str, str]:
    """The draft record, filled from the case and the decision form."""
    kind = APPLICANT_TYPES.get(case.applicant_type, SUBJECT_TYPES[0])
    natural = kind == NATURAL_PERSON
    grant = data.get("decision") != "deny"
    name, uscc = bureau()
    decided = case.decided_on.isoformat() if case.decided_on else ""
    project = str((case.facts or {}).get("project_name") or "").strip()
    fields = dict.fromkeys(FIELD_NAMES, "")
    fields.update({
        NAME: case.applicant_name, SUBJECT_TYPE: kind,
        USCC: "" if natural else (case.applicant_code or ""),
        ID_TYPE: "身份证" if natural and case.applicant_code else "",
        ID_NO: (case.applicant_code or "") if natural else "",
        DOC_TITLE: "准予行政许可决定书" if grant else "不予行政许可决定书",
        DOC_NO: str(data.get("document_no") or ""),
        CATEGORY: CATEGORY_BY_ITEM.get(case.item.category, "普通"),
        CONTENT: ("准予" if grant else "不予") + case.item.name + (f"（{project}）" if project else ""),
        DECISION_DATE: decided, VALID_FROM: decided if grant else "",
        AUTHORITY: name, AUTHORITY_USCC: uscc, STATUS: VALID, SOURCE: name, SOURCE_USCC: uscc,
    })
    if data.get("publication_title"):  # a decision on a licence, e.g. its revocation (app.licences)
        fields.update({DOC_TITLE: str(data["publication_title"]), CONTENT: str(data.get("publication_content") or ""),
                       VALID_FROM: ""})
    if grant and data.get("licence_no"):  # the licence the register created (app.licences)
        fields.update({CERT_NAME: str(data.get("licence_name") or ""), LICENCE_NO: str(data["licence_no"]),
                       VALID_FROM: _iso(data.get("valid_from")) or decided, VALID_TO: _iso(data.get("valid_until"))})
    return fields


def validate_fields(fields: Mapping[str, str]) -> dict[str, list[str]]:
    """Errors by field name; empty when the record may be published (domain.md §4B, scenario 16)."""
    errors: dict[str, list[str]] = {}

    def err(name: str, key: str, **params) -> None:
        errors.setdefault(name, []).append(t(key, **params))

    value = {name: (fields.get(name) or "").strip() for name in FIELD_NAMES}
    for name in REQUIRED:
        if not value[name]:
            err(name, "required")
    for name in DATES:
        if value[name] and parse_date(value[name]) is None:
            err(name, "not_a_date")
    start, end = parse_date(value[VALID_FROM]), parse_date(value[VALID_TO])
    if start and end and end < start:
        err(VALID_TO, "valid_until_before_from")
    kind = value[SUBJECT_TYPE]
    if kind and kind not in SUBJECT_TYPES:
        err(SUBJECT_TYPE, "bad_choice", value=kind)
    if kind == NATURAL_PERSON:
        for name in CODES:
            if value[name]:
                err(name, "natural_person_no_code")
        for name in (ID_TYPE, ID_NO):
            if not value[name]:
                err(name, "natural_person_id_required")
    elif kind:
        code = value[USCC]
        if not uscc_is_valid(code):
            err(USCC, "uscc_invalid")
        elif kind == INDIVIDUAL_BUSINESS and not code.startswith("92"):
            err(USCC, "uscc_individual_92")
        elif kind != INDIVIDUAL_BUSINESS and code.startswith("92"):
            err(USCC, "uscc_not_individual")
    for name in (ID_TYPE, REP_ID_TYPE):
        if value[name] and value[name] not in ID_TYPES and not value[name].startswith("其他"):
            err(name, "bad_choice", value=value[name])
    if value[REP_ID] and not value[REP_ID_TYPE]:
        err(REP_ID_TYPE, "required")
    if value[CATEGORY] and value[CATEGORY] not in PERMIT_CATEGORIES and not value[CATEGORY].startswith("其他"):
        err(CATEGORY, "bad_choice", value=value[CATEGORY])
    for name in (AUTHORITY_USCC, SOURCE_USCC):
        if value[name] and not uscc_is_valid(value[name]):
            err(name, "uscc_invalid")
    return errors


def clean_values(values: Mapping) -> dict[str, str]:
    """Submitted values of editable fields, trimmed; an unknown field or an overlong value is refused."""
    unknown = [k for k in values if k not in EDITABLE]
    if unknown:
        raise InvalidData(t("unknown_field"), fields={k: [t("unknown_field")] for k in unknown})
    cleaned = {}
    for name, raw in values.items():
        text = "" if raw is None else str(raw).strip()
        if len(text) > MAX_VALUE:
            raise InvalidData(t("too_long", max=MAX_VALUE), fields={name: [t("too_long", max=MAX_VALUE)]})
        cleaned[name] = text
    return cleaned

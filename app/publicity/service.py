"""Publicity (行政执法公示, domain.md §1.1 and §4).

- Publication of licensing decisions (双公示): a decision creates a draft in the decision's own
  transaction; clerks and leaders review it (edit, redact), then publish it, or withhold it with a reason
  and a leader's approval; a published record is later updated or withdrawn (当前状态 → 无效). Every step
  is an execution record on the case.
- The public side: masked publication fields, the progress query by case number and query code (neutral
  on failure, rate-limited per client), and the enforcement staff list with certificate validity.
"""
from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Mapping

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.cases.actions import action
from app.cases.models import Case
from app.catalogue.models import ServiceItem
from app.core.clock import china_today, utcnow
from app.core.errors import Conflict, Forbidden, InvalidData, NotFound
from app.core.i18n import t
from app.definitions.models import DefinitionVersion
from app.extensions import db
from app.publicity.models import (
    LIVE_STATES,
    PENDING_REVIEW,
    PUBLIC_STATES,
    PUBLISHED,
    STATES,
    UPDATED,
    WITHDRAWN,
    WITHHELD,
    WITHHOLD_CLASSES,
    Publication,
)
from app.records import RecordDraft, append_records
from app.users.models import User

BUREAU_NAME = "鞍山市行政审批局"
BUREAU_USCC = "11210300MB1713027F"  # demo value; set BUREAU_USCC in the configuration
STAFF_ROLES = frozenset({"clerk", "leader"})
ENGINE = "engine"

# ------------------------------------------------------------------------------------------ the fields

# The 行政许可 双公示 record (domain.md §4B), in the standard's order, with English labels for the pages.
FIELDS: tuple[tuple[str, str], ...] = (
    ("行政相对人名称", "Name of the party"),
    ("行政相对人类别", "Type of party"),
    ("行政相对人代码_1(统一社会信用代码)", "Code 1: unified social credit code"),
    ("行政相对人代码_2(工商注册号)", "Code 2: business registration number"),
    ("行政相对人代码_3(组织机构代码)", "Code 3: organisation code"),
    ("行政相对人代码_4(税务登记号)", "Code 4: tax registration number"),
    ("行政相对人代码_5(事业单位证书号)", "Code 5: public institution certificate number"),
    ("行政相对人代码_6(社会组织登记证号)", "Code 6: social organisation registration number"),
    ("法定代表人", "Legal representative"),
    ("法定代表人证件类型", "Legal representative's ID type"),
    ("法定代表人证件号码", "Legal representative's ID number"),
    ("证件类型", "ID type"),
    ("证件号码", "ID number"),
    ("行政许可决定文书名称", "Title of the decision document"),
    ("行政许可决定文书号", "Decision document number"),
    ("许可类别", "Licence category"),
    ("许可证书名称", "Licence certificate"),
    ("许可编号", "Licence number"),
    ("许可内容", "What is licensed"),
    ("许可决定日期", "Decision date"),
    ("有效期自", "Valid from"),
    ("有效期至", "Valid until"),
    ("许可机关", "Licensing authority"),
    ("许可机关统一社会信用代码", "Authority's unified social credit code"),
    ("当前状态", "Current status"),
    ("数据来源单位", "Data source"),
    ("数据来源单位统一社会信用代码", "Data source's unified social credit code"),
    ("备注", "Remarks"),
)
FIELD_NAMES = tuple(name for name, _ in FIELDS)
FIELD_LABELS_EN = dict(FIELDS)
NAME, SUBJECT_TYPE, USCC = "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)"
CODES = FIELD_NAMES[2:8]
REP, REP_ID_TYPE, REP_ID = "法定代表人", "法定代表人证件类型", "法定代表人证件号码"
ID_TYPE, ID_NO = "证件类型", "证件号码"
DOC_TITLE, DOC_NO, CATEGORY, CONTENT = "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可内容"
DECISION_DATE, VALID_FROM, VALID_TO = "许可决定日期", "有效期自", "有效期至"
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

STATE_LABELS = {PENDING_REVIEW: ("待审核", "Pending review"), PUBLISHED: ("已公示", "Published"),
                UPDATED: ("已更新", "Updated"), WITHDRAWN: ("已撤回", "Withdrawn"),
                WITHHELD: ("不予公开", "Withheld")}
WITHHOLD_LABELS = {"business_secret": ("商业秘密", "Business secret"), "privacy": ("个人隐私", "Privacy"),
                   "state_secret": ("国家秘密", "State secret")}


def bureau() -> tuple[str, str]:
    """The bureau's name and unified social credit code (许可机关 and 数据来源单位)."""
    return current_app.config.get("BUREAU_NAME", BUREAU_NAME), current_app.config.get("BUREAU_USCC", BUREAU_USCC)


def field_label(name: str, lang: str) -> str:
    return FIELD_LABELS_EN.get(name, name) if lang == "en" else name


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
    return fields


def _sync_search(pub: Publication) -> None:
    fields = pub.fields or {}
    pub.subject_name = (fields.get(NAME) or "")[:200]
    pub.document_no = (fields.get(DOC_NO) or "")[:100]
    pub.decision_date = _parse_date(fields.get(DECISION_DATE))


def _parse_date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _history(pub: Publication, by: str, action: str, **details) -> None:
    pub.history = [*(pub.history or []), {"at": utcnow().isoformat(timespec="seconds"), "by": by, "action": action,
                                          **{k: v for k, v in details.items() if v not in (None, "", [], {})}}]


# ------------------------------------------------------------------------------------------ validation

def validate_fields(fields: Mapping[str, str]) -> dict[str, list[str]]:
    """Errors by field name; empty when the record may be published (domain.md §4B, scenario 16)."""
    from app.core.schemas import uscc_is_valid
    errors: dict[str, list[str]] = {}

    def err(name: str, key: str, **params) -> None:
        errors.setdefault(name, []).append(t(key, **params))

    value = {name: (fields.get(name) or "").strip() for name in FIELD_NAMES}
    for name in REQUIRED:
        if not value[name]:
            err(name, "required")
    for name in DATES:
        if value[name] and _parse_date(value[name]) is None:
            err(name, "not_a_date")
    start, end = _parse_date(value[VALID_FROM]), _parse_date(value[VALID_TO])
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


def _clean_values(values: Mapping) -> dict[str, str]:
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


# ------------------------------------------------------------------------------------------ the draft

def create_draft(case: Case, data: Mapping, drafts: list) -> Publication | None:
    """Called when a decide task completes, inside its transaction (case.decided_on and publication_due
    are already set). A second decision on the same case refreshes a draft still under review; a record
    already public is left alone, with a warning (it needs an update or a withdrawal)."""
    pub = db.session.scalar(select(Publication).where(Publication.case_id == case.id))
    fields = build_fields(case, data)
    due = case.publication_due.isoformat() if case.publication_due else None
    if pub is None:
        pub = Publication(case_id=case.id, item_id=case.item_id, state=PENDING_REVIEW, fields=fields,
                          due_on=case.publication_due, redactions=[], history=[])
        _sync_search(pub)
        _history(pub, ENGINE, "drafted", due=due)
        db.session.add(pub)
        drafts.append(RecordDraft(actor=ENGINE, action="publication_drafted", to_state=PENDING_REVIEW,
                                  payload={"due": due, "document_no": fields[DOC_NO]}))
    elif pub.state == PENDING_REVIEW:
        pub.fields, pub.due_on, pub.updated_at = fields, case.publication_due, utcnow()
        _sync_search(pub)
        _history(pub, ENGINE, "redrafted", due=due)
        drafts.append(RecordDraft(actor=ENGINE, action="publication_drafted", to_state=PENDING_REVIEW,
                                  payload={"due": due, "document_no": fields[DOC_NO], "redrafted": True}))
    else:
        drafts.append(RecordDraft(actor=ENGINE, action="warning", payload={
            "warning": "publication_exists", "message": t("publication_exists", lang="zh",
                                                          state=STATE_LABELS[pub.state][0])}))
    return pub


# ------------------------------------------------------------------------------------------ staff actions

def _for_action(user: User, pub_id: int, attempted: str, expected_version: int | None) -> tuple[Publication, Case]:
    """The publication with its case row locked; the user must be a clerk or leader who may see the case."""
    from app.cases.access import may_view_case
    from app.cases.actions import lock_case, refuse
    from app.core.roles import role_label
    case_id = db.session.scalar(select(Publication.case_id).where(Publication.id == pub_id))
    if case_id is None:
        raise NotFound.of("not_found", what=f"publication {pub_id}")
    case = lock_case(case_id)
    pub = db.session.scalars(select(Publication).where(Publication.id == pub_id)
                             .execution_options(populate_existing=True)).one()
    if not STAFF_ROLES & user.roles:
        raise refuse(Forbidden, "role_required", user, case_id, attempted,
                      role=f"{role_label('clerk')}/{role_label('leader')}")
    if not may_view_case(user, case):
        raise Forbidden.of("permission_denied")
    if expected_version is not None and expected_version != pub.lock_version:
        raise Conflict.of("concurrent_change")
    return pub, case


def _wrong_state(pub: Publication) -> Conflict:
    return Conflict(t("publication_wrong_state", state=state_label(pub.state)), code="publication_wrong_state")


def state_label(state: str) -> str:
    from app.core.i18n import current_language
    zh, en = STATE_LABELS.get(state, (state, state))
    return en if current_language() == "en" else zh


def _changes(pub: Publication, values: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if (pub.fields or {}).get(k, "") != v}


@action
def save_fields(user: User, pub_id: int, values: Mapping, *, reason: str = "", redaction_class: str | None = None,
                expected_version: int | None = None) -> Publication:
    """Edit a draft under review. With a ``redaction_class`` the change is a redaction (text replaced to
    keep a secret or private detail out), recorded with its class and reason but not the removed text."""
    pub, case = _for_action(user, pub_id, "publication_edit", expected_version)
    if pub.state != PENDING_REVIEW:
        raise _wrong_state(pub)
    values = _clean_values(values)
    reason = (reason or "").strip()
    if redaction_class and redaction_class not in WITHHOLD_CLASSES:
        raise InvalidData(t("bad_choice", value=redaction_class),
                          fields={"redaction_class": [t("bad_choice", value=redaction_class)]})
    if redaction_class and not reason:
        raise InvalidData(t("reason_required"), fields={"reason": [t("reason_required")]})
    changes = _changes(pub, values)
    if not changes:
        raise InvalidData(t("nothing_changed"), code="nothing_changed")
    now = utcnow()
    pub.fields = {**pub.fields, **changes}
    _sync_search(pub)
    pub.updated_at = now
    if redaction_class:
        pub.redactions = [*(pub.redactions or []), *({"field": k, "class": redaction_class, "reason": reason,
                                                      "by": user.username, "at": now.isoformat(timespec="seconds")}
                                                     for k in changes)]
        _history(pub, user.username, "redacted", fields=sorted(changes), **{"class": redaction_class},
                 reason=reason)
        record = RecordDraft(actor=user.username, action="publication_redacted", payload={
            "publication": pub.id, "fields": sorted(changes), "class": redaction_class, "reason": reason})
    else:
        _history(pub, user.username, "edited", changes=changes, reason=reason)
        record = RecordDraft(actor=user.username, action="publication_edited", payload={
            "publication": pub.id, "changes": changes, "reason": reason or None})
    append_records(case, [record])
    db.session.commit()
    return pub


@action
def publish(user: User, pub_id: int, *, expected_version: int | None = None) -> Publication:
    """Put the reviewed record on the portal; the case's published_on becomes today (the 7-wd clock)."""
    from app.deadlines.service import on_published
    pub, case = _for_action(user, pub_id, "publication_publish", expected_version)
    if pub.state != PENDING_REVIEW:
        raise _wrong_state(pub)
    if case.confidentiality == "state_secret":
        raise Conflict(t("publication_state_secret"), code="publication_state_secret")
    fields = {**pub.fields, STATUS: VALID}
    errors = validate_fields(fields)
    if errors:
        raise InvalidData(t("publication_invalid"), fields=errors)
    today, now = china_today(), utcnow()
    pub.fields, pub.state, pub.published_at, pub.published_by, pub.updated_at = fields, PUBLISHED, now, \
        user.username, now
    on_published(case, {"published_on": today})
    on_time = pub.due_on is None or today <= pub.due_on
    _history(pub, user.username, "published", published_on=today.isoformat())
    append_records(case, [RecordDraft(actor=user.username, action="publication_published",
                                      from_state=PENDING_REVIEW, to_state=PUBLISHED, payload={
                                          "publication": pub.id, "published_on": today.isoformat(),
                                          "due": pub.due_on.isoformat() if pub.due_on else None,
                                          "on_time": on_time, "document_no": fields[DOC_NO]})])
    db.session.commit()
    return pub


@action
def withhold(user: User, pub_id: int, *, withhold_class: str, reason: str, approver: str,
             expected_version: int | None = None) -> Publication:
    """Keep a decision off the portal (国家秘密; 商业秘密 or 个人隐私 without consent), with the reason and
    the approving leader. A withheld decision is not overdue."""
    pub, case = _for_action(user, pub_id, "publication_withhold", expected_version)
    if pub.state != PENDING_REVIEW:
        raise _wrong_state(pub)
    errors: dict[str, list[str]] = {}
    if withhold_class not in WITHHOLD_CLASSES:
        errors["withhold_class"] = [t("withhold_class_required")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [t("reason_required")]
    approver_user = db.session.scalar(select(User).where(User.username == (approver or "").strip(),
                                                         User.active.is_(True)))
    if approver_user is None or not approver_user.has_role("leader"):
        errors["approver"] = [t("approver_must_be_leader")]
    if errors:
        raise InvalidData(next(iter(errors.values()))[0], fields=errors)
    now = utcnow()
    pub.state, pub.withheld_class, pub.withheld_reason, pub.withheld_approver = WITHHELD, withhold_class, reason, \
        approver_user.username
    pub.updated_at = now
    _history(pub, user.username, "withheld", **{"class": withhold_class}, reason=reason,
             approver=approver_user.username)
    append_records(case, [RecordDraft(actor=user.username, action="publication_withheld", from_state=PENDING_REVIEW,
                                      to_state=WITHHELD, payload={
                                          "publication": pub.id, "class": withhold_class, "reason": reason,
                                          "approver": approver_user.username})])
    db.session.commit()
    return pub


@action
def update_published(user: User, pub_id: int, values: Mapping, *, reason: str,
                     expected_version: int | None = None) -> Publication:
    """A changed decision (变更, or 复议 ordering a new decision): the public record changes, with a reason."""
    pub, case = _for_action(user, pub_id, "publication_update", expected_version)
    if pub.state not in LIVE_STATES:
        raise _wrong_state(pub)
    values = _clean_values(values)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidData(t("reason_required"), fields={"reason": [t("reason_required")]})
    changes = _changes(pub, values)
    if not changes:
        raise InvalidData(t("nothing_changed"), code="nothing_changed")
    fields = {**pub.fields, **changes, STATUS: VALID}
    errors = validate_fields(fields)
    if errors:
        raise InvalidData(t("publication_invalid"), fields=errors)
    before = pub.state
    pub.fields, pub.state, pub.public_note, pub.updated_at = fields, UPDATED, reason, utcnow()
    _sync_search(pub)
    _history(pub, user.username, "updated", changes=changes, reason=reason)
    append_records(case, [RecordDraft(actor=user.username, action="publication_updated", from_state=before,
                                      to_state=UPDATED, payload={"publication": pub.id, "changes": changes,
                                                                 "reason": reason})])
    db.session.commit()
    return pub


@action
def withdraw(user: User, pub_id: int, *, reason: str, expected_version: int | None = None) -> Publication:
    """The decision was revoked (撤销 by 复议 or a court, 确认违法, 注销…): 当前状态 becomes 无效 at once,
    with the reason shown publicly."""
    pub, case = _for_action(user, pub_id, "publication_withdraw", expected_version)
    if pub.state not in LIVE_STATES:
        raise _wrong_state(pub)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidData(t("reason_required"), fields={"reason": [t("reason_required")]})
    before, now = pub.state, utcnow()
    pub.fields = {**pub.fields, STATUS: INVALID}
    pub.state, pub.withdrawn_at, pub.public_note, pub.updated_at = WITHDRAWN, now, reason, now
    _history(pub, user.username, "withdrawn", reason=reason)
    append_records(case, [RecordDraft(actor=user.username, action="publication_withdrawn", from_state=before,
                                      to_state=WITHDRAWN, payload={"publication": pub.id, "reason": reason})])
    db.session.commit()
    return pub


# ------------------------------------------------------------------------------------------ staff look-ups

def staff_publication(user: User, pub_id: int) -> Publication:
    from app.cases.access import may_view_case
    pub = db.session.get(Publication, pub_id)
    if pub is None:
        raise NotFound.of("not_found", what=f"publication {pub_id}")
    if not STAFF_ROLES & user.roles or not may_view_case(user, pub.case):
        raise Forbidden.of("permission_denied")
    return pub


def staff_list(user: User, state: str | None, limit: int = 500) -> list[Publication]:
    """Drafts by due date first (the oldest due on top); other states most recently changed first."""
    from app.cases.access import may_view_case
    query = select(Publication).options(joinedload(Publication.case).defer(Case.state))
    if state in STATES:
        query = query.where(Publication.state == state)
    if state == PENDING_REVIEW:
        query = query.order_by(Publication.due_on.is_(None), Publication.due_on, Publication.id)
    else:
        query = query.order_by(Publication.updated_at.desc(), Publication.id.desc())
    return [p for p in db.session.scalars(query.limit(limit)).unique() if may_view_case(user, p.case)]


def state_counts() -> dict[str, int]:
    rows = db.session.execute(select(Publication.state, func.count(Publication.id)).group_by(Publication.state))
    return {state: n for state, n in rows}


def is_overdue(pub: Publication, today: dt.date) -> bool:
    return pub.state == PENDING_REVIEW and pub.due_on is not None and pub.due_on < today


# ------------------------------------------------------------------------------------------ the public side

@dataclass
class DecisionFilters:
    name: str = ""
    document_no: str = ""
    item: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_args(cls, args) -> "DecisionFilters":
        return cls(name=(args.get("name") or "").strip()[:100],
                   document_no=(args.get("document_no") or "").strip()[:100],
                   item=(args.get("item") or "").strip()[:64], date_from=_parse_date(args.get("date_from")),
                   date_to=_parse_date(args.get("date_to")))

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in {"name": self.name, "document_no": self.document_no, "item": self.item,
                                  "date_from": self.date_from.isoformat() if self.date_from else "",
                                  "date_to": self.date_to.isoformat() if self.date_to else ""}.items() if v}


def public_decisions(filters: DecisionFilters, limit: int | None = None, offset: int = 0
                     ) -> tuple[list[Publication], int]:
    """Published, updated and withdrawn records (never drafts or withheld ones), newest decision first."""
    query = select(Publication).where(Publication.state.in_(PUBLIC_STATES))
    if filters.name:
        query = query.where(Publication.subject_name.contains(filters.name, autoescape=True))
    if filters.document_no:
        query = query.where(Publication.document_no.contains(filters.document_no, autoescape=True))
    if filters.item:
        query = query.where(Publication.item_id == select(ServiceItem.id).where(ServiceItem.code == filters.item)
                            .scalar_subquery())
    if filters.date_from:
        query = query.where(Publication.decision_date >= filters.date_from)
    if filters.date_to:
        query = query.where(Publication.decision_date <= filters.date_to)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    query = query.order_by(Publication.decision_date.desc().nulls_last(), Publication.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query)), total


def public_decision(pub_id: int) -> Publication | None:
    return db.session.scalar(select(Publication).where(Publication.id == pub_id,
                                                       Publication.state.in_(PUBLIC_STATES)))


def public_published_on(pub: Publication) -> dt.date | None:
    from app.core.clock import china_date
    return china_date(pub.published_at) if pub.published_at else None


def public_fields(pub: Publication) -> dict[str, str]:
    """The record as the public sees it: every standard field, in order, ID numbers masked."""
    fields = pub.fields or {}
    natural = fields.get(SUBJECT_TYPE) == NATURAL_PERSON
    out = {}
    for name in FIELD_NAMES:
        value = str(fields.get(name) or "")
        if value and (name in MASKED or (natural and name in CODES)):
            value = mask_id(value)
        out[name] = value
    out[STATUS] = INVALID if pub.state == WITHDRAWN else VALID
    return out


# ------------------------------------------------------------------------------------------ progress query

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off a paper receipt
QUERY_CODE_LENGTH = 8
_NO_CODE = b"\x00" * QUERY_CODE_LENGTH  # compared against when there is no case: same work either way


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


@dataclass
class Progress:
    case_no: str
    item: str
    item_en: str | None
    status: str
    received_on: dt.date | None
    accepted_on: dt.date | None
    decision_due: dt.date | None
    decision_due_confirmed: bool
    decided_on: dt.date | None


def pick_item_name(progress: Progress) -> str:
    from app.core.i18n import pick
    return pick(progress.item, progress.item_en) if progress.item else ""


def find_progress(case_no: str | None, code: str | None) -> Progress | None:
    """The case's progress when the code matches; None for a wrong code and an unknown case alike (one
    query and one constant-time comparison either way)."""
    case_no = (case_no or "").strip().upper()[:32]
    given = "".join((code or "").split()).upper()[:32].encode()
    row = db.session.execute(
        select(Case.case_no, Case.query_code, Case.status, Case.received_on, Case.accepted_on, Case.decision_due,
               Case.decision_due_confirmed, Case.decided_on, Case.confidentiality, ServiceItem.name,
               ServiceItem.name_en)
        .join(ServiceItem, ServiceItem.id == Case.item_id).where(Case.case_no == case_no)).first()
    stored = row.query_code.encode() if row is not None and row.query_code else _NO_CODE
    matches = hmac.compare_digest(stored, given)
    if row is None or not row.query_code or not matches:
        return None
    secret = row.confidentiality == "state_secret"
    return Progress(case_no=row.case_no, item="" if secret else row.name, item_en=None if secret else row.name_en,
                    status=row.status, received_on=row.received_on, accepted_on=row.accepted_on,
                    decision_due=row.decision_due, decision_due_confirmed=row.decision_due_confirmed,
                    decided_on=row.decided_on)


class RateLimiter:
    """At most ``limit`` hits per ``window`` seconds per key, in memory; the least recently seen keys are
    forgotten beyond ``max_keys`` (per process: with several workers each counts its own)."""

    def __init__(self, limit: int, window: float, max_keys: int = 4096):
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._hits: OrderedDict[str, deque] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> tuple[bool, int]:
        """(allowed, seconds to wait when refused)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
            else:
                self._hits.move_to_end(key)
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False, max(int(hits[0] + self.window - now) + 1, 1)
            hits.append(now)
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
            return True, 0

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


def query_limiter() -> RateLimiter:
    ext = current_app.extensions
    if "publicity_query_limiter" not in ext:
        ext["publicity_query_limiter"] = RateLimiter(current_app.config.get("PUBLIC_QUERY_LIMIT", 10),
                                                     current_app.config.get("PUBLIC_QUERY_WINDOW", 60))
    return ext["publicity_query_limiter"]


# ------------------------------------------------------------------------------------------ service guide

def guide_items() -> list[ServiceItem]:
    return list(db.session.scalars(select(ServiceItem).where(ServiceItem.active.is_(True)).order_by(ServiceItem.code)))


def _latest_process(item: ServiceItem) -> DefinitionVersion | None:
    return db.session.scalar(select(DefinitionVersion).where(DefinitionVersion.key == item.process_key)
                             .order_by(DefinitionVersion.id.desc()).limit(1))


def process_diagram(item: ServiceItem) -> tuple[str | None, list[tuple[str, str, bool]]]:
    """The item's process from the latest deployed version of its diagram: the SVG, and its steps in
    document order as (step, lane, is a called sub-process) — the words the public needs."""
    from app.bpmn.svg import BPMN_NS, _parse, render_svg
    version = _latest_process(item)
    if version is None:
        return None, []
    try:
        svg = render_svg(version.content, title=f"{item.name}办理流程")
        root = _parse(version.content)
    except ValueError:
        return None, []
    lanes = {ref.text.strip(): lane.get("name", "") for lane in root.iter(f"{{{BPMN_NS}}}lane")
             for ref in lane.iter(f"{{{BPMN_NS}}}flowNodeRef") if ref.text}
    process = root.find(f"{{{BPMN_NS}}}process[@id='{item.process_key}']")
    if process is None:
        process = root.find(f"{{{BPMN_NS}}}process")
    steps = [(el.get("name") or el.get("id"), lanes.get(el.get("id"), ""), el.tag == f"{{{BPMN_NS}}}callActivity")
             for el in process if el.tag in (f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}callActivity")] \
        if process is not None else []
    return svg, steps

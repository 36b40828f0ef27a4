"""The publication of licensing decisions (双公示, domain.md §1.1 and §4): a decision creates a draft in the
decision's own transaction; clerks and leaders review it (edit, redact), then publish it, or withhold it with
a reason and a leader's approval; a published record is later updated or withdrawn (当前状态 → 无效). Every
step is an execution record on the case.
"""
from __future__ import annotations

import datetime as dt
from typing import Mapping

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.cases.access import may_view_case
from app.cases.actions import action, lock_case, refuse
from app.cases.models import Case
from app.cases.service import complete_by_record
from app.core.clock import china_today, utcnow
from app.core.errors import Conflict, Forbidden, InvalidData, NotFound
from app.core.i18n import in_language, t
from app.core.roles import role_label
from app.deadlines.service import on_published
from app.extensions import db
from app.publicity.fields import (
    DECISION_DATE,
    DOC_NO,
    INVALID,
    NAME,
    STATUS,
    VALID,
    build_fields,
    clean_values,
    parse_date,
    validate_fields,
)
from app.publicity.models import (
    LIVE_STATES,
    PENDING_REVIEW,
    PUBLISHED,
    STATES,
    UPDATED,
    WITHDRAWN,
    WITHHELD,
    LEGAL_EXCEPTION,
    WITHHOLD_CLASSES,
    WITHHOLD_GROUNDS,
    Publication,
)
from app.records import RecordDraft, append_records
from app.users.models import User

STAFF_ROLES = frozenset({"clerk", "leader"})
ENGINE = "engine"

STATE_LABELS = {PENDING_REVIEW: _l("待审核"), PUBLISHED: _l("已公示"), UPDATED: _l("已更新"),
                WITHDRAWN: _l("已撤回"), WITHHELD: lazy_pgettext("publication state", "不予公开")}
WITHHOLD_LABELS = {"business_secret": _l("商业秘密"), "privacy": _l("个人隐私"), "state_secret": _l("国家秘密"),
                   LEGAL_EXCEPTION: _l("法律法规、部门规章另有规定")}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def withhold_label(withhold_class: str) -> str:
    return str(WITHHOLD_LABELS.get(withhold_class, withhold_class))


def _sync_search(pub: Publication) -> None:
    fields = pub.fields or {}
    pub.subject_name = (fields.get(NAME) or "")[:200]
    pub.document_no = (fields.get(DOC_NO) or "")[:100]
    pub.decision_date = parse_date(fields.get(DECISION_DATE))


def _history(pub: Publication, by: str, action: str, **details) -> None:
    pub.history = [*(pub.history or []), {"at": utcnow().isoformat(timespec="seconds"), "by": by, "action": action,
                                          **{k: v for k, v in details.items() if v not in (None, "", [], {})}}]


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
        with in_language("zh"):  # records are kept in Chinese
            message = t("publication_exists", state=state_label(pub.state))
        drafts.append(RecordDraft(actor=ENGINE, action="warning", payload={
            "warning": "publication_exists", "message": message}))
    return pub


# ------------------------------------------------------------------------------------------ staff actions

def _for_action(user: User, pub_id: int, attempted: str, expected_version: int | None) -> tuple[Publication, Case]:
    """The publication with its case row locked; the user must be a clerk or leader who may see the case."""
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
    values = clean_values(values)
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
    complete_by_record(user, case, "publish", {}, source="publication_published")  # the 公示 step, if open
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
    if withhold_class not in WITHHOLD_GROUNDS:
        errors["withhold_class"] = [t("withhold_class_required")]
    elif withhold_class == LEGAL_EXCEPTION and not (case.item.publication_exception or "").strip():
        errors["withhold_class"] = [t("no_publication_exception")]
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
    complete_by_record(user, case, "publish", {}, source="publication_withheld")  # the 公示 step, if open
    db.session.commit()
    return pub


@action
def update_published(user: User, pub_id: int, values: Mapping, *, reason: str,
                     expected_version: int | None = None) -> Publication:
    """A changed decision (变更, or 复议 ordering a new decision): the public record changes, with a reason."""
    pub, case = _for_action(user, pub_id, "publication_update", expected_version)
    if pub.state not in LIVE_STATES:
        raise _wrong_state(pub)
    values = clean_values(values)
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
    pub = db.session.get(Publication, pub_id)
    if pub is None:
        raise NotFound.of("not_found", what=f"publication {pub_id}")
    if not STAFF_ROLES & user.roles or not may_view_case(user, pub.case):
        raise Forbidden.of("permission_denied")
    return pub


def staff_list(user: User, state: str | None, limit: int = 500) -> list[Publication]:
    """Drafts by due date first (the oldest due on top); other states most recently changed first."""
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

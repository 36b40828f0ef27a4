"""Applications on an existing licence — change (变更, 行政许可法 第四十九条), renewal (延续, 第五十条) and
cancellation (注销, 第七十条) — and what their decisions do to the licence.

- At registration the case names the licence (fact ``licence_no``): it must exist, belong to the item the
  catalogue names (``licence_item``), be in force and be the applicant's; a renewal must come at least
  ``renewal_lead_days`` (30 unless the item's law says otherwise, 第五十条第一款) before expiry; one open
  application per licence. A refusal is a 422 on ``licence_no`` and nothing is registered.
- A grant changes the scope, extends the term by the item's term, or cancels the licence.
- A renewal still undecided when the licence expires is deemed granted (第五十条第二款): the scheduler's
  scan extends the term and records it (``scans.scan_licences``).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.cases.models import Case
from app.catalogue.models import ServiceItem
from app.core.clock import china_today
from app.core.errors import InvalidData
from app.core.i18n import t
from app.core.vocabulary import TERMINAL_STATUSES
from app.extensions import db
from app.licences.models import CANCELLED, CHANGED, RENEWED, REVOKED, Licence, LicenceEvent
from app.licences.register import event, licence_by_number, term_end
from app.records import RecordDraft

CHANGE, RENEWAL, CANCELLATION, REVOCATION = "change", "renewal", "cancellation", "revocation"
ON_A_LICENCE = (CHANGE, RENEWAL, CANCELLATION, REVOCATION)
DEFAULT_RENEWAL_LEAD_DAYS = 30  # 行政许可法 第五十条第一款
APPLIED = "applied"
# The status a granted procedure leaves the licence in.
RESULT = {CHANGE: CHANGED, RENEWAL: RENEWED, CANCELLATION: CANCELLED, REVOCATION: REVOKED}
# The decisions that act on the licence: a grant of the application; a revocation (撤销, 第六十九条) or a
# withdrawal (撤回, 第八条) of the licence.
EFFECTIVE_DECISIONS = {CHANGE: ("grant",), RENEWAL: ("grant",), CANCELLATION: ("grant",),
                       REVOCATION: ("revoke", "withdraw_permit")}


def _invalid(key: str, **params) -> InvalidData:
    message = t(key, **params)
    return InvalidData(message, fields={"licence_no": [message]}, code=key)


def renewal_lead_days(item: ServiceItem) -> int:
    return item.renewal_lead_days if item.renewal_lead_days is not None else DEFAULT_RENEWAL_LEAD_DAYS


def last_renewal_day(licence: Licence, item: ServiceItem) -> dt.date | None:
    """The last day a renewal may be applied for (valid until 2031-03-19, 30 days: 2031-02-17)."""
    if licence.valid_until is None:
        return None
    return licence.valid_until - dt.timedelta(days=renewal_lead_days(item))


def pending_case(licence: Licence) -> Case | None:
    """An application on this licence registered and not yet decided or ended."""
    case_ids = db.session.scalars(select(LicenceEvent.case_id).where(
        LicenceEvent.licence_id == licence.id, LicenceEvent.action == APPLIED)).all()
    if not case_ids:
        return None
    return db.session.scalar(select(Case).where(Case.id.in_(case_ids), Case.decided_on.is_(None),
                                                Case.status.not_in(TERMINAL_STATUSES)).order_by(Case.id))


def _same_holder(case: Case, licence: Licence) -> bool:
    if licence.holder_code:
        return (case.applicant_code or "").strip().upper() == licence.holder_code.upper()
    return case.applicant_name.strip() == licence.holder_name.strip()


def check_application(case: Case, user, context: dict, drafts: list[RecordDraft]) -> None:
    """``on_case_created``: an application on a licence must name a licence it may act on."""
    item = case.item
    procedure = item.licence_procedure
    if procedure not in ON_A_LICENCE:
        return
    number = str((case.facts or {}).get("licence_no") or "").strip()
    if not number:
        raise _invalid("licence_no_required")
    licence = licence_by_number(number, lock=True)
    if licence is None:
        raise _invalid("licence_unknown", number=number)
    if item.licence_item and licence.item.code != item.licence_item:
        raise _invalid("licence_wrong_item", number=number, item=licence.item.name)
    if not licence.in_force:
        from app.licences.service import status_label
        raise _invalid("licence_not_in_force", number=number, status=status_label(licence.status))
    if not _same_holder(case, licence):
        raise _invalid("licence_other_holder", number=number)
    if procedure == RENEWAL:
        last_day = last_renewal_day(licence, item)
        if last_day is None:
            raise _invalid("licence_has_no_term", number=number)
        if china_today() > last_day:
            raise _invalid("renewal_too_late", until=licence.valid_until.isoformat(), days=renewal_lead_days(item),
                           last=last_day.isoformat())
    if procedure == CHANGE and not str((case.facts or {}).get("licence_scope") or "").strip():
        message = t("change_scope_required")
        raise InvalidData(message, fields={"licence_scope": [message]}, code="change_scope_required")
    pending = pending_case(licence)
    if pending is not None:
        raise _invalid("licence_case_pending", number=number, case_no=pending.case_no)
    event(licence, APPLIED, licence.status, actor=user.username, case=case, drafts=drafts, procedure=procedure,
          item=item.code)


def licence_of_application(case: Case) -> Licence | None:
    number = (case.facts or {}).get("licence_no")
    return licence_by_number(str(number), lock=True) if number else None


def apply_decision(case: Case, data: dict, actor: str, drafts: list[RecordDraft], outputs: dict) -> None:
    """The decision on an application on a licence: a grant changes, renews or cancels it."""
    procedure = case.item.licence_procedure
    if procedure not in ON_A_LICENCE:
        return
    licence = licence_of_application(case)
    if licence is None:
        return
    if procedure == REVOCATION:  # what the 双公示 record of this decision is called and says
        verb = {"revoke": "撤销", "withdraw_permit": "撤回"}.get(data.get("decision"), "不予撤销")
        outputs.update(publication_title=f"{verb}行政许可决定书",
                       publication_content=f"{verb}{licence.licence_name}（{licence.number}）")
    if data.get("decision") not in EFFECTIVE_DECISIONS[procedure]:
        return
    details: dict = {"document_no": data.get("document_no"), "procedure": procedure}
    if procedure == CHANGE:
        old_scope = licence.scope
        licence.scope = str(case.facts.get("licence_scope")).strip()
        details.update(old_scope=old_scope, scope=licence.scope)
    elif procedure == RENEWAL:
        if _deemed(licence, case):  # already renewed by law at expiry: the decision confirms it
            details["confirms_deemed_renewal"] = True
        else:
            licence.valid_until = term_end(licence.valid_until + dt.timedelta(days=1), case.item.licence_valid_years
                                           or licence.item.licence_valid_years)
        details["valid_until"] = licence.valid_until.isoformat() if licence.valid_until else None
    elif procedure == CANCELLATION:
        details["reason"] = str(data.get("opinion") or "")
    else:
        details.update(reason=str(data.get("reasons") or ""), ground=case.facts.get("ground"),
                       decision=data.get("decision"))
    event(licence, RESULT[procedure], RESULT[procedure], actor=actor, case=case, drafts=drafts, **details)
    if procedure == REVOCATION:
        return  # the revocation's own record names no new term
    outputs.update({"licence_no": licence.number, "licence_name": licence.licence_name,
                    "valid_from": licence.valid_from, "valid_until": licence.valid_until})


def record_ground(case: Case, data: dict) -> None:
    """A revocation's inquiry settles its legal ground (第六十九条第一款/第二款, 第八条): kept with the facts."""
    if case.item.licence_procedure == REVOCATION and data.get("ground") and case.facts.get("ground") != data["ground"]:
        case.facts = {**case.facts, "ground": data["ground"]}


def _deemed(licence: Licence, case: Case) -> bool:
    return db.session.scalar(select(LicenceEvent.id).where(
        LicenceEvent.licence_id == licence.id, LicenceEvent.case_id == case.id,
        LicenceEvent.action == "deemed_renewed")) is not None

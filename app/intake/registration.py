"""Registration's own rows, written by the case-created hook in the registration's transaction: the
applicant's contact details and the spent form token. A token already spent refuses the registration (the
whole action rolls back: Back and resubmit registers nothing twice)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.cases.models import Case
from app.core.clock import CHINA, china_today
from app.core.errors import Conflict
from app.core.i18n import t
from app.extensions import db
from app.intake.models import ApplicantContact, RegistrationToken

CONTACT_FIELDS = ("phone", "address", "id_number", "legal_representative")


def store_registration(case: Case, user, context: dict, drafts) -> None:
    token = context.get("form_token")
    if token:
        spent = db.session.get(RegistrationToken, token)
        if spent is not None:
            earlier = db.session.get(Case, spent.case_id)
            raise DuplicateForm(t("duplicate_form", case_no=earlier.case_no if earlier else "?"),
                                case_no=earlier.case_no if earlier else None)
        db.session.add(RegistrationToken(token=token, case_id=case.id))
    contact = {k: v for k, v in (context.get("contact") or {}).items() if k in CONTACT_FIELDS and v}
    if contact:
        db.session.add(ApplicantContact(case_id=case.id, **contact))


class DuplicateForm(Conflict):
    def __init__(self, message: str, case_no: str | None):
        super().__init__(message, code="duplicate_form")
        self.case_no = case_no


def token_case_no(token: str | None) -> str | None:
    """The case a spent token registered (None when it is unspent)."""
    if not token:
        return None
    spent = db.session.get(RegistrationToken, token)
    case = db.session.get(Case, spent.case_id) if spent else None
    return case.case_no if case else None


def same_applicant_today(item_id: int, name: str, code: str | None) -> list[str]:
    """Cases registered today (China date) for the same item and applicant (by credit code, else by name)."""
    today = china_today()
    start = dt.datetime.combine(today, dt.time(), CHINA).astimezone(dt.timezone.utc).replace(tzinfo=None)
    same = Case.applicant_code == code if code else Case.applicant_name == name
    return list(db.session.scalars(select(Case.case_no).where(Case.item_id == item_id, same,
                                                              Case.created_at >= start).order_by(Case.id)))


def contact_of(case: Case) -> ApplicantContact | None:
    return db.session.get(ApplicantContact, case.id)

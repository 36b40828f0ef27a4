"""Supervisors' access to state-secret cases: a leader grants it for one case with a reason, and may revoke
it; each is one action, written to the case's records. ``app.cases.access.may_view_case`` reads the grants."""
from __future__ import annotations

from sqlalchemy import select

from app.cases.access import may_view_case
from app.cases.actions import action, lock_case_by_no, refuse
from app.cases.models import Case, CaseAccessGrant
from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden, InvalidData
from app.core.i18n import t
from app.extensions import db
from app.records import RecordDraft, append_records
from app.users.models import User


def active_grants(case: Case) -> list[CaseAccessGrant]:
    return list(db.session.scalars(select(CaseAccessGrant).where(
        CaseAccessGrant.case_id == case.id, CaseAccessGrant.revoked_at.is_(None)).order_by(CaseAccessGrant.id)))


def _case_for_grants(user: User, case_no: str, attempted: str) -> Case:
    case = lock_case_by_no(case_no)
    if not user.has_role("leader") or not may_view_case(user, case):
        raise refuse(Forbidden, "grant_needs_leader", user, case.id, attempted)
    if case.confidentiality != "state_secret":
        raise Conflict.of("grant_not_state_secret")
    return case


def _clean_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidData(t("reason_required"), fields={"reason": [t("reason_required")]}, code="reason_required")
    return text[:2000]


@action
def grant_access(user: User, case_no: str, username: str, reason: str) -> CaseAccessGrant:
    """A leader lets one supervisor see one state-secret case."""
    case = _case_for_grants(user, case_no, "grant_access")
    reason = _clean_reason(reason)
    target = db.session.scalar(select(User).where(User.username == (username or "").strip(), User.active.is_(True)))
    if target is None or not target.has_role("supervisor"):
        message = t("grant_only_supervisors", value=username)
        raise InvalidData(message, fields={"username": [message]}, code="grant_only_supervisors")
    if any(g.username == target.username for g in active_grants(case)):
        raise Conflict.of("grant_exists", value=target.full_name)
    grant = CaseAccessGrant(case_id=case.id, username=target.username, reason=reason, granted_by=user.username)
    db.session.add(grant)
    append_records(case, [RecordDraft(actor=user.username, role="leader", action="access_granted",
                                      payload={"to": target.username, "reason": reason})])
    db.session.commit()
    return grant


@action
def revoke_access(user: User, case_no: str, username: str, reason: str) -> CaseAccessGrant:
    case = _case_for_grants(user, case_no, "revoke_access")
    reason = _clean_reason(reason)
    grant = next((g for g in active_grants(case) if g.username == username), None)
    if grant is None:
        raise Conflict.of("grant_not_found", value=username)
    grant.revoked_at, grant.revoked_by = utcnow(), user.username
    append_records(case, [RecordDraft(actor=user.username, role="leader", action="access_revoked",
                                      payload={"from": username, "reason": reason})])
    db.session.commit()
    return grant

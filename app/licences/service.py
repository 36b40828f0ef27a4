"""Reading the licence register: search, one licence with its history, the labels people read."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app.cases.access import may_view_case
from app.cases.models import Case
from app.core.errors import NotFound
from app.extensions import db
from app.licences.models import IN_FORCE, STATUSES, Licence
from app.users.models import User

STATUS_LABELS = {"valid": _l("有效"), "changed": _l("已变更"), "renewed": _l("已延续"), "cancelled": _l("已注销"),
                 "revoked": _l("已撤销"), "expired": _l("已过期")}
EVENT_LABELS = {"granted": _l("准予许可，登记许可证"), "redecided": _l("重新作出决定，更新许可证"), "applied": _l("申请变更、延续或注销"),
                "changed": _l("变更"), "renewed": _l("延续"), "deemed_renewed": _l("逾期未决定，视为准予延续"),
                "cancelled": _l("注销"), "revoked": _l("撤销"), "expired": _l("有效期届满")}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


APPLIED_LABELS = {"change": _l("受理变更申请"), "renewal": _l("受理延续申请"), "cancellation": _l("受理注销申请"),
                  "revocation": _l("立案调查是否撤销")}


def event_label(action: str, details: dict | None = None) -> str:
    if action == "applied" and (details or {}).get("procedure") in APPLIED_LABELS:
        return str(APPLIED_LABELS[details["procedure"]])
    return str(EVENT_LABELS.get(action, action))


@dataclass
class Filters:
    holder_code: str = ""
    q: str = ""  # number, holder name or scope
    status: str = ""
    item: str = ""


def _visible(user: User, licence: Licence) -> bool:
    """A licence shows to whoever may see the case that granted it (a state-secret case's licence only to
    that case's 知悉范围)."""
    return licence.case.confidentiality != "state_secret" or may_view_case(user, licence.case)


def search(user: User, filters: Filters, limit: int = 50, offset: int = 0) -> tuple[int, list[Licence]]:
    conditions = []
    if filters.holder_code:
        conditions.append(Licence.holder_code == filters.holder_code.strip().upper())
    if filters.status:
        conditions.append(Licence.status == filters.status)
    if filters.item:
        conditions.append(Licence.item.has(code=filters.item))
    if filters.q:
        like = f"%{filters.q.strip()}%"
        conditions.append(or_(Licence.number.like(like), Licence.holder_name.like(like), Licence.scope.like(like),
                              Licence.holder_code.like(like)))
    hidden = Licence.case.has(Case.confidentiality == "state_secret")
    total = db.session.scalar(select(func.count(Licence.id)).where(*conditions, ~hidden))
    rows = db.session.scalars(select(Licence).where(*conditions).order_by(Licence.id.desc())
                              .limit(limit).offset(offset)).all()
    return total, [r for r in rows if _visible(user, r)]


def get_licence(user: User, number: str) -> Licence:
    licence = db.session.scalar(select(Licence).where(Licence.number == number))
    if licence is None or not _visible(user, licence):
        raise NotFound.of("not_found", what=number)
    return licence


def licence_ended(case_id: int) -> bool:
    """The licence the case granted exists and is no longer in force (revoked, cancelled or expired)."""
    status = db.session.scalar(select(Licence.status).where(Licence.case_id == case_id))
    return status is not None and status not in IN_FORCE


def valid_statuses() -> tuple[str, ...]:
    return STATUSES

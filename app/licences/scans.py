"""The licence job (daily, catch-up, idempotent): licences past their term.

A licence whose term ended (``valid_until`` before today) with a renewal application pending is deemed
renewed (行政许可法 第五十条第二款: "行政机关应当根据被许可人的申请，在该行政许可有效期届满前作出是否准予延续的
决定；逾期未作决定的，视为准予延续"): its term is extended by the renewal item's term, the licence event and
a record on the renewal case say so. Any other licence past its term expires.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.cases.actions import lock_case
from app.core.errors import ServiceError
from app.core.vocabulary import TERMINAL_STATUSES
from app.extensions import db
from app.licences.lifecycle import pending_case
from app.licences.models import EXPIRED, IN_FORCE, RENEWED, Licence
from app.licences.register import event, term_end
from app.records import append_records

SCHEDULER = "scheduler"


def _lock(licence_id: int) -> Licence:
    return db.session.scalars(select(Licence).where(Licence.id == licence_id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _one(licence_id: int, today: dt.date) -> str | None:
    # The case first, then the licence: the order a decision on the case takes them in (no deadlock).
    renewal = pending_case(db.session.get(Licence, licence_id))
    case = lock_case(renewal.id) if renewal is not None and renewal.item.licence_procedure == "renewal" else None
    licence = _lock(licence_id)
    if licence.status not in IN_FORCE or licence.valid_until is None or licence.valid_until >= today:
        return None  # changed meanwhile
    if case is not None and case.decided_on is None and case.status not in TERMINAL_STATUSES:
        drafts: list = []
        expired_on = licence.valid_until
        licence.valid_until = term_end(expired_on + dt.timedelta(days=1),
                                       case.item.licence_valid_years or licence.item.licence_valid_years)
        event(licence, "deemed_renewed", RENEWED, actor=SCHEDULER, case=case, drafts=drafts,
              expired_on=expired_on.isoformat(),
              valid_until=licence.valid_until.isoformat() if licence.valid_until else None,
              reason="延续申请在有效期届满前未作决定，依《行政许可法》第五十条第二款视为准予延续")
        append_records(case, drafts)
        return "deemed_renewed"
    event(licence, "expired", EXPIRED, actor=SCHEDULER, case=None, drafts=None,
          valid_until=licence.valid_until.isoformat())
    return "expired"


def scan_licences(today: dt.date) -> dict:
    due = db.session.scalars(select(Licence.id).where(Licence.status.in_(IN_FORCE), Licence.valid_until < today)
                             .order_by(Licence.id)).all()
    counts = {"deemed_renewed": 0, "expired": 0}
    for licence_id in due:
        try:
            outcome = _one(licence_id, today)
            db.session.commit()
        except ServiceError:
            db.session.rollback()
            continue
        if outcome:
            counts[outcome] += 1
    return counts

"""The licence register: a grant registers a licence; later decisions change its status; every change is a
``LicenceEvent`` and a record in the deciding case's hash chain.

The number comes from the gap-free number register of the documents (``app.documents.numbering``): the
sequence of the 行政许可证 document type, so the certificate the documents issue carries this same number.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.cases.models import Case
from app.core.clock import china_today, utcnow
from app.documents.numbering import next_serial
from app.documents.types import doc_type
from app.extensions import db
from app.licences.models import VALID, Licence, LicenceEvent
from app.records import RecordDraft

NUMBER_TYPE = "licence"  # the document type whose sequence numbers the licences (鞍审证〔2026〕第0001号)


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus ``years`` (29 February → 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def term_end(start: dt.date, years: int | None) -> dt.date | None:
    """The last day of a term of ``years`` from ``start`` (5 years from 2026-03-20: 2031-03-19)."""
    return add_years(start, years) - dt.timedelta(days=1) if years else None


def allocate_number(day: dt.date) -> tuple[int, str]:
    """(serial, number): the licence document issued with the grant (app.documents) carries the same number."""
    serial = next_serial(NUMBER_TYPE, day.year)
    return serial, doc_type(NUMBER_TYPE).number(day.year, serial)


def licence_by_number(number: str, *, lock: bool = False) -> Licence | None:
    stmt = select(Licence).where(Licence.number == (number or "").strip())
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def licence_of_case(case: Case) -> Licence | None:
    return db.session.scalar(select(Licence).where(Licence.case_id == case.id))


def event(licence: Licence, action: str, to_status: str, *, actor: str, case: Case | None,
          drafts: list[RecordDraft] | None, **details) -> LicenceEvent:
    """Record one event of the licence's life (and, when a case caused it, in the case's records)."""
    from_status = licence.status if licence.id is not None else None
    row = LicenceEvent(licence=licence, case_id=case.id if case is not None else None, at=utcnow(), actor=actor,
                       action=action, from_status=from_status, to_status=to_status,
                       details={k: v for k, v in details.items() if v not in (None, "")})
    db.session.add(row)
    if to_status != licence.status:
        licence.status = to_status
        licence.status_changed_on = china_today()
    licence.updated_at = utcnow()
    if drafts is not None:
        drafts.append(RecordDraft(actor=actor, action=f"licence_{action}", from_state=from_status,
                                  to_state=to_status, payload={"licence_no": licence.number, **row.details}))
    return row


def register_grant(case: Case, data: dict, actor: str, drafts: list[RecordDraft]) -> tuple[Licence, int | None]:
    """The licence a grant registers (or updates, when the case is decided again) and the serial drawn for
    its number (None when no new number was drawn: once per case, a second decision updates its row)."""
    item = case.item
    decided = case.decided_on or china_today()
    start = decided
    scope = str(data.get("licence_scope") or (case.facts or {}).get("licence_scope") or (case.facts or {}).get("scope")
                or item.name).strip()  # the scope the decision states, else the applied-for one
    existing = licence_of_case(case)
    values = dict(licence_name=item.licence_name or item.name, holder_name=case.applicant_name,
                  holder_type=case.applicant_type, holder_code=case.applicant_code, scope=scope,
                  document_no=str(data.get("document_no") or "") or None, decided_on=decided, valid_from=start,
                  # the item's term (catalogue); else the term the decision states (作出决定's 有效期至)
                  valid_until=term_end(start, item.licence_valid_years) or _as_date(data.get("valid_until")))
    if existing is not None:
        for key, value in values.items():
            setattr(existing, key, value)
        event(existing, "redecided", existing.status, actor=actor, case=case, drafts=drafts)
        return existing, None
    serial, number = allocate_number(decided)
    licence = Licence(number=number, item_id=item.id, case_id=case.id, status=VALID,
                      created_at=utcnow(), **values)
    db.session.add(licence)
    until = values["valid_until"]
    event(licence, "granted", VALID, actor=actor, case=case, drafts=drafts, scope=scope,
          valid_from=start.isoformat(), valid_until=until.isoformat() if until else None)
    return licence, serial


def _as_date(value) -> dt.date | None:
    if not value:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))

"""What the public portal shows: the published decisions (searched, masked, as the standard's records) and
the service guide (the active items and their process as deployed)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, select

from app.bpmn.model import read_process_steps
from app.bpmn.svg import render_svg
from app.catalogue.models import ServiceItem
from app.core.clock import china_date
from app.definitions.models import DefinitionVersion
from app.extensions import db
from app.publicity.fields import (
    CODES,
    FIELD_NAMES,
    INVALID,
    MASKED,
    NATURAL_PERSON,
    STATUS,
    SUBJECT_TYPE,
    VALID,
    mask_id,
    parse_date,
)
from app.publicity.models import PUBLIC_STATES, WITHDRAWN, Publication
from app.publicity.schemas import DECISION_ATTRS, PublicDecisionSchema

# ------------------------------------------------------------------------------------------ decisions


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
                   item=(args.get("item") or "").strip()[:64], date_from=parse_date(args.get("date_from")),
                   date_to=parse_date(args.get("date_to")))

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
    out[STATUS] = INVALID if pub.state == WITHDRAWN or no_longer_in_force(pub.case_id) else VALID
    return out


_ENDED_CHECKS: list[Callable[[int], bool]] = []


def register_ended_check(check: Callable[[int], bool]) -> None:
    """``check(case_id)``: whether what the case's decision granted is no longer in force (the licence
    register: revoked, cancelled, expired), so that the record's 当前状态 is 无效 while it stays public."""
    if check not in _ENDED_CHECKS:
        _ENDED_CHECKS.append(check)


def no_longer_in_force(case_id: int) -> bool:
    return any(check(case_id) for check in _ENDED_CHECKS)


def decision_records(rows, with_id: bool = True) -> list[dict]:
    """Published records as the public sees them (masked), keyed by the standard's Chinese field names
    (the download has exactly the standard's fields; the API adds the record's number on the portal)."""
    schema = PublicDecisionSchema(many=True, exclude=() if with_id else ("id",))
    return schema.dump([{"id": pub.id, **dict(zip(DECISION_ATTRS, public_fields(pub).values()))} for pub in rows])


# ------------------------------------------------------------------------------------------ service guide

def guide_items() -> list[ServiceItem]:
    """The items one applies for: a revocation (撤销/撤回许可, app.licences) is opened by the bureau itself."""
    return list(db.session.scalars(select(ServiceItem).where(
        ServiceItem.active.is_(True), ServiceItem.licence_procedure.is_distinct_from("revocation"))
        .order_by(ServiceItem.code)))


def _latest_process(item: ServiceItem) -> DefinitionVersion | None:
    return db.session.scalar(select(DefinitionVersion).where(DefinitionVersion.key == item.process_key)
                             .order_by(DefinitionVersion.id.desc()).limit(1))


def process_diagram(item: ServiceItem) -> tuple[str | None, list[tuple[str, str, bool]]]:
    """The item's process from the latest deployed version of its diagram: the SVG, and its steps in
    document order as (step, lane, is a called sub-process) — the words the public needs."""
    version = _latest_process(item)
    if version is None:
        return None, []
    try:
        return (render_svg(version.content, title=f"{item.name}办理流程"),
                read_process_steps(version.content, item.process_key))
    except ValueError:  # a refused file (app.bpmn.xml): no diagram in the guide
        return None, []

"""Case numbers: ``<prefix>-<year>-<six digits>``. Licence cases (XK) keep the row id as their number; other
kinds (the complaints' TS) count from 1 each year in ``case_sequence``, the counter row locked for the
registration's transaction so two registrations never get the same number."""
from __future__ import annotations

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

ID_NUMBERED = "XK"


class CaseSequence(db.Model):
    __tablename__ = "case_sequence"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_no: Mapped[int] = mapped_column(default=0)


def case_number(prefix: str | None, year: int, case_id: int) -> str:
    prefix = prefix or ID_NUMBERED
    if prefix == ID_NUMBERED:
        return f"{prefix}-{year}-{case_id:06d}"
    row = db.session.scalars(select(CaseSequence).where(CaseSequence.prefix == prefix, CaseSequence.year == year)
                             .with_for_update()).first()
    if row is None:  # the year's first: a concurrent first registration fails on the key and answers 409
        row = CaseSequence(prefix=prefix, year=year, last_no=0)
        db.session.add(row)
    row.last_no += 1
    db.session.flush()
    return f"{prefix}-{year}-{row.last_no:06d}"

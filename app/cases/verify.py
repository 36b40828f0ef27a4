"""Checking the hash chain of every case. ``app.records`` checks one chain; which cases there are is the
kernel's to know, so the walk over them lives here."""
from __future__ import annotations

from typing import Iterator

from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.records import VerifyResult, verify_case


def verify_all() -> Iterator[VerifyResult]:
    for case in db.session.scalars(select(Case).order_by(Case.id).execution_options(yield_per=200)):
        yield verify_case(case)

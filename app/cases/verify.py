"""Checking the hash chain of every case. ``app.records`` checks one chain; which cases there are is the
kernel's to know, so the walk over them lives here."""
from __future__ import annotations

from typing import Callable, Iterator

from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.records import VerifyResult, verify_case


def verify_all() -> Iterator[VerifyResult]:
    for case in db.session.scalars(select(Case).order_by(Case.id).execution_options(yield_per=200)):
        yield verify_case(case)


# Checks beyond the chains themselves (e.g. against checkpoints anchored outside the database), registered by
# the features that keep them: ``check(case_no or None) -> number of problems found`` (each one printed).
_EXTERNAL_CHECKS: list[Callable[[str | None], int]] = []


def register_external_check(check: Callable[[str | None], int]) -> None:
    if check not in _EXTERNAL_CHECKS:
        _EXTERNAL_CHECKS.append(check)


def external_problems(case_no: str | None = None) -> int:
    return sum(check(case_no) for check in _EXTERNAL_CHECKS)

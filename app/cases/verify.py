"""Checking the hash chain of every case. ``app.records`` checks one chain; which cases there are is the
kernel's to know, so the walk over them lives here."""
from __future__ import annotations

from typing import Callable, Iterator

from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.cases.row_check import row_problems
from app.records import VerifyResult, verify_case


def verify_all() -> Iterator[VerifyResult]:
    for case in db.session.scalars(select(Case).order_by(Case.id).execution_options(yield_per=200)):
        yield verify_case_and_row(case)


def verify_case_and_row(case: Case) -> VerifyResult:
    """The chain recomputed, then the case row compared with what its records give (row_check.py)."""
    result = verify_case(case)
    if result.valid:
        problems = row_problems(case)
        if problems:
            return VerifyResult(case.id, case.case_no, False, result.count, None, "; ".join(problems))
    return result


# Per-case checks beyond the chain (the checkpoints), registered by the features that keep them:
# ``check(case) -> (first_invalid_seq or None, reason) or None``; used by the API verify.
_CASE_CHECKS: list[Callable[[Case], tuple[int | None, str] | None]] = []


def register_case_check(check: Callable[[Case], tuple[int | None, str] | None]) -> None:
    if check not in _CASE_CHECKS:
        _CASE_CHECKS.append(check)


def verify_case_fully(case: Case) -> VerifyResult:
    """What the API verify answers: the chain, the row, and the features' checks (checkpoints)."""
    result = verify_case_and_row(case)
    if not result.valid:
        return result
    for check in _CASE_CHECKS:
        found = check(case)
        if found:
            return VerifyResult(case.id, case.case_no, False, result.count, found[0], found[1])
    return result


# Checks beyond the chains themselves (e.g. against checkpoints anchored outside the database), registered by
# the features that keep them: ``check(case_no or None) -> number of problems found`` (each one printed).
_EXTERNAL_CHECKS: list[Callable[[str | None], int]] = []


def register_external_check(check: Callable[[str | None], int]) -> None:
    if check not in _EXTERNAL_CHECKS:
        _EXTERNAL_CHECKS.append(check)


def external_problems(case_no: str | None = None) -> int:
    return sum(check(case_no) for check in _EXTERNAL_CHECKS)

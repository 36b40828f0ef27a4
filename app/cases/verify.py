"""Checking the hash chain of every case. ``app.records`` checks one chain; which cases there are is the
kernel's to know, so the walk over them lives here."""
from __future__ import annotations

import multiprocessing
from itertools import groupby
from operator import itemgetter
from typing import Callable, Iterator

from flask import current_app
from sqlalchemy import func, select

from app.cases.models import Case
from app.extensions import db
from app.cases.row_check import ROW_FIELDS, row_problems, row_problems_from
from app.records import VerifyResult, verify_case
from app.records.chain import EXECUTION_CHAIN, chain_result, record_columns_ts_as_text
from app.records.models import ExecutionRecord

_BATCH = 2000
_ACTION, _TO_STATE, _PAYLOAD, _SEQ = (EXECUTION_CHAIN.fields.index(name) for name in ("action", "to_state", "payload", "seq"))


def verify_all(jobs: int = 1) -> Iterator[VerifyResult]:
    """Every case's chain and its row, in case order, the records read as plain rows in one ordered pass per
    batch of cases (not one query and an object per record: bench/verify.py measures both). With ``jobs`` > 1
    the cases are split into that many ranges, each walked by a forked process (hashing is CPU-bound, one
    core walks ~100,000 records a second)."""
    bounds = _case_id_ranges(jobs) if jobs > 1 else [(0, None)]
    if len(bounds) == 1:
        yield from _verify_range(*bounds[0])
        return
    global _FORKED_APP
    _FORKED_APP = current_app._get_current_object()
    # No connection may cross the fork: the children open their own (and so does this process, afterwards).
    db.session.remove()
    db.engine.dispose()
    with multiprocessing.get_context("fork").Pool(len(bounds)) as pool:
        for results in pool.imap(_verify_range_in_child, bounds):
            yield from results


def _case_id_ranges(jobs: int) -> list[tuple[int, int | None]]:
    """``jobs`` ranges ``(after, up_to)`` of case ids with about as many cases each; one when there are few
    cases (forking costs more than it saves below a few thousand)."""
    total = db.session.scalar(select(func.count()).select_from(Case))
    if total < _MIN_CASES_PER_JOB * 2:
        return [(0, None)]
    jobs = min(jobs, total // _MIN_CASES_PER_JOB)
    cuts = [db.session.scalar(select(Case.id).order_by(Case.id).offset(total * k // jobs - 1).limit(1))
            for k in range(1, jobs)]
    return list(zip([0, *cuts], [*cuts, None]))


_FORKED_APP = None
_MIN_CASES_PER_JOB = 1000


def _verify_range_in_child(bounds: tuple[int, int | None]) -> list[VerifyResult]:
    db.engine.dispose(close=False)  # the parent's pool is not ours (it was emptied before the fork)
    with _FORKED_APP.app_context():
        return list(_verify_range(*bounds))


def _verify_range(after: int, up_to: int | None) -> Iterator[VerifyResult]:
    heads = select(Case.id, Case.case_no, Case.records_count, Case.records_head,
                   *(getattr(Case, name) for name in ROW_FIELDS)).order_by(Case.id)
    if up_to is not None:
        heads = heads.where(Case.id <= up_to)
    columns = record_columns_ts_as_text(db.engine.dialect.name)
    while True:
        cases = db.session.execute(heads.where(Case.id > after).limit(_BATCH)).all()
        if not cases:
            return
        first, last = cases[0].id, cases[-1].id
        # On the session's connection, not through the session: plain Core rows, no ORM loading per row.
        rows = db.session.connection().execute(
            select(*columns).where(ExecutionRecord.case_id.between(first, last))
            .order_by(ExecutionRecord.case_id, ExecutionRecord.seq).execution_options(yield_per=5000))
        chains = groupby(rows, key=itemgetter(0))  # case_id
        chain = next(chains, None)
        for case in cases:
            while chain is not None and chain[0] < case.id:  # records of a case that is gone: not ours to judge
                chain = next(chains, None)
            records = []
            if chain is not None and chain[0] == case.id:
                records = list(chain[1])
                chain = next(chains, None)
            result = chain_result(case, EXECUTION_CHAIN.check_tuples(records))
            if not result.valid:  # the timestamps as text were a shortcut: the verdict is the ORM check's
                result = verify_case(db.session.get(Case, case.id))
            yield _with_row(case, result, records)
        after = last


def _with_row(case, result: VerifyResult, records: list) -> VerifyResult:
    if not result.valid:
        return result
    problems = row_problems_from(case, ((r[_SEQ], r[_ACTION], r[_TO_STATE], r[_PAYLOAD]) for r in records))
    if problems:
        return VerifyResult(case.id, case.case_no, False, result.count, None, "; ".join(problems))
    return result


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

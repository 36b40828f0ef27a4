"""Checking the hash chain of every case. ``app.records`` checks one chain; which cases there are is the
kernel's to know, so the walk over them lives here."""
from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import Callable, Iterator

from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.records import VerifyResult
from app.records.chain import EXECUTION_CHAIN, RECORD_COLUMNS, chain_result
from app.records.models import ExecutionRecord

_BATCH = 2000


def verify_all() -> Iterator[VerifyResult]:
    """Every case's chain, the records read as plain rows in one ordered pass per batch of cases (not one
    query and an object per record: bench/verify.py measures both)."""
    heads = select(Case.id, Case.case_no, Case.records_count, Case.records_head).order_by(Case.id)
    after = 0
    while True:
        cases = db.session.execute(heads.where(Case.id > after).limit(_BATCH)).all()
        if not cases:
            return
        first, last = cases[0].id, cases[-1].id
        rows = db.session.execute(select(*RECORD_COLUMNS).where(ExecutionRecord.case_id.between(first, last))
                                  .order_by(ExecutionRecord.case_id, ExecutionRecord.seq)
                                  .execution_options(yield_per=5000))
        chains = groupby(rows, key=itemgetter(0))  # case_id
        chain = next(chains, None)
        for case in cases:
            while chain is not None and chain[0] < case.id:  # records of a case that is gone: not ours to judge
                chain = next(chains, None)
            if chain is not None and chain[0] == case.id:
                yield chain_result(case, EXECUTION_CHAIN.check_tuples(chain[1]))
                chain = next(chains, None)
            else:
                yield chain_result(case, EXECUTION_CHAIN.check_tuples(()))
        after = last


# Checks beyond the chains themselves (e.g. against checkpoints anchored outside the database), registered by
# the features that keep them: ``check(case_no or None) -> number of problems found`` (each one printed).
_EXTERNAL_CHECKS: list[Callable[[str | None], int]] = []


def register_external_check(check: Callable[[str | None], int]) -> None:
    if check not in _EXTERNAL_CHECKS:
        _EXTERNAL_CHECKS.append(check)


def external_problems(case_no: str | None = None) -> int:
    return sum(check(case_no) for check in _EXTERNAL_CHECKS)

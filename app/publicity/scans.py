"""The publication job: decisions not published in time are recorded once (the supervisor's desk shows them)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select

from app.cases.actions import for_each_case
from app.cases.models import Case
from app.extensions import db
from app.publicity.models import WITHHELD, Publication
from app.records import RecordDraft, append_records

SCHEDULER = "scheduler"


def scan_publication(today: dt.date) -> dict:
    """Decisions not published within 7 working days of the decision date. A decision withheld from
    publication (a secret, with a reason and an approver; app.publicity) is not late."""
    withheld = exists().where(Publication.case_id == Case.id, Publication.state == WITHHELD)
    late = db.session.scalars(select(Case.id).where(
        Case.publication_due < today, Case.published_on.is_(None), Case.publication_overdue_recorded.is_(False),
        ~withheld)).all()

    def apply(case: Case) -> bool:
        if case.publication_overdue_recorded or case.published_on is not None:
            return False
        if db.session.scalar(select(exists().where(Publication.case_id == case.id,
                                                   Publication.state == WITHHELD))):  # withheld meanwhile
            return False
        case.publication_overdue_recorded = True
        append_records(case, [RecordDraft(actor=SCHEDULER, action="publication_overdue", payload={
            "publication_due": case.publication_due.isoformat()})])
        return True

    return {"publication_overdue": for_each_case(late, apply)}

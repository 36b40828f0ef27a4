"""Hearings for tests: a permit case at its hearing, noticed or requested, and its hearing record."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from tests.support import forms as f
from tests.support.flows import accepted_case, at, case_row


def hearing_of(case_no):
    from app.hearing.models import Hearing
    db.session.expire_all()
    return db.session.scalar(select(Hearing).where(Hearing.case_id == case_row(case_no).id))


def noticed_case(api):
    """Accepted 2026-03-02 (decision due 03-30), reviewed 03-03 finding major interests, notice 03-04."""
    case_no = accepted_case(api, "2026-03-02")
    with at("2026-03-03"):
        api.complete(case_no, "review", "reviewer", f.review(hearing_needed="major_interests"))
    assert api.case(case_no)["status"] == "hearing"
    with at("2026-03-04"):
        api.complete(case_no, "hearing_notice", "reviewer", f.HEARING_NOTICE)
    return case_no


def requested_case(api):
    case_no = noticed_case(api)
    with at("2026-03-11"):
        api.complete(case_no, "hearing_request", "clerk", f.hearing_request("2026-03-11"))
    return case_no

"""Licences for tests: a case granted (or decided) through the real steps, and an application on a licence."""
from __future__ import annotations

from tests.support import forms as f
from tests.support.api import APPLICANT
from tests.support.flows import at


def decided_case(api, item="XK-002", decision=None, day="2026-03-20", facts=None):
    """A case of ``item`` registered, accepted, reviewed and decided on ``day`` (granted unless told)."""
    with at(day):
        case_no = api.new_case(item=item, facts=facts)["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
        if item == "XK-003":  # major: the legal review path
            api.complete(case_no, "review", "reviewer", f.review(category="resource_allocation"))
            api.complete(case_no, "legal_review", "legal", f.legal_review("approve"))
            api.complete(case_no, "counsel", "counsel", f.COUNSEL)
            api.complete(case_no, "committee", "secretary", f.committee("pass"))
            api.complete(case_no, "sign_conclusion", "leader", f.SIGN)
        else:
            api.complete(case_no, "review", "reviewer", f.review())
        api.complete(case_no, "decide", "leader", {**(decision or f.DECIDE_GRANT), "decision_date": day})
    return case_no


def apply_on(api, item, licence_no, day, applicant=None, **facts):
    """Register an application of ``item`` on the licence ``licence_no`` on ``day``: the raw response."""
    with at(day):
        return api.post("/api/cases", "clerk", json={"item": item, "applicant": applicant or APPLICANT,
                                                     "facts": {"licence_no": licence_no, **facts}})


def licence(api, number):
    from urllib.parse import quote
    res = api.get(f"/api/licences/{quote(number)}", "clerk")
    assert res.status_code == 200, res.get_json()
    return res.get_json()

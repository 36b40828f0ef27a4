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


# A revocation (bpmn/revocation.bpmn) of the licence a decided case of XK-002 registered.
NUMBER = "鞍审证〔2026〕第0001号"
INQUIRY = {"opinion": "经调查，被许可人以虚假材料取得许可", "ground": "art69_2", "proposal": "revoke", "complex": False}
NOTICE = {"notified_on": "2026-06-03", "hearing_requested": False, "statement": "无异议"}
REVOKE = {"decision": "revoke", "reasons": "以欺骗手段取得许可，依《行政许可法》第六十九条第二款撤销",
          "decision_date": "2026-06-20", "opinion": "同意撤销"}


def revocation_case(api, day="2026-06-01"):
    res = apply_on(api, "XK-CX", NUMBER, day)
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert body["process_key"] == "revocation" and body["is_major"] is True
    return body["case_no"]


def through_legal_review(api, case_no):
    with at("2026-06-02"):
        api.complete(case_no, "inquiry", "reviewer", INQUIRY)
        assert api.case(case_no)["status"] == "hearing_notice"
        # a notice served tomorrow, or before the case was opened, is refused and changes nothing
        for day in ("2026-06-03", "2026-05-31"):
            res = api.complete(case_no, "hearing_notice", "clerk", {**NOTICE, "notified_on": day}, expect=422)
            assert res["error"] == "notice_date_out_of_range"
    with at("2026-06-03"):
        api.complete(case_no, "hearing_notice", "clerk", NOTICE)
    with at("2026-06-10"):
        api.complete(case_no, "legal_review", "legal", f.legal_review("approve"))
        api.complete(case_no, "committee", "secretary", f.committee("pass"))
        api.complete(case_no, "sign_conclusion", "leader", f.SIGN)

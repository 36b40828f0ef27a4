"""Officers and audio/video (issue 11): an on-site check by two distinct officers who showed their certificates,
on a day that has happened; certificates valid on the day for officers, legal reviewers and the committee's
legal attendees; no audio/video on state-secret, business-secret or privacy cases; interruptions recorded.
Every refusal is a 422 that changes nothing."""
import io

import pytest

from tests.support import forms as f
from tests.support.api import APPLICANT
from tests.support.flows import actions, at
from tests.support.web import html

ONSITE = {"check_date": "2026-03-03", "officers": ["reviewer", "reviewer2"], "identity_shown": True,
          "findings": "经营场所与申请材料一致", "result": "consistent", "av_exemption_reason": ""}


def onsite_case(api):
    with at("2026-03-02"):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", {**f.ACCEPT, "onsite_needed": True})
    return case_no


@pytest.mark.parametrize("change, field, code", [
    ({"officers": ["reviewer", "reviewer"]}, "officers", "officers_not_distinct"),
    ({"identity_shown": False}, "identity_shown", "identity_not_shown"),
    ({"check_date": "2026-03-04"}, "check_date", "check_date_in_future"),
])
def test_on_site_check_refusals_change_nothing(api, ctx, change, field, code):
    case_no = onsite_case(api)
    before = actions(api, case_no)
    with at("2026-03-03"):
        res = api.complete(case_no, "onsite_check", "reviewer",
                           {**ONSITE, "av_exemption_reason": "申请人不同意录像", **change}, expect=422)
    assert res["error"] == code and list(res["fields"]) == [field]
    assert actions(api, case_no) == before
    assert api.open_task(case_no, "onsite_check")["state"] == "READY"


def test_an_officer_without_a_valid_certificate_is_named(api, ctx):
    from app.extensions import db
    from app.users.models import User
    from sqlalchemy import select
    user = db.session.scalar(select(User).where(User.username == "reviewer2"))
    user.certificate_valid_until = user.certificate_valid_until.replace(year=2026, month=3, day=2)
    db.session.commit()
    case_no = onsite_case(api)
    with at("2026-03-03"):
        res = api.complete(case_no, "onsite_check", "reviewer", {**ONSITE, "av_exemption_reason": "无"}, expect=422)
    assert "孙审查" in res["fields"]["officers"][0] and "reviewer2" not in res["fields"]["officers"][0]


def test_a_recordings_interruption_is_recorded_with_its_reason(api, ctx):
    case_no = onsite_case(api)
    with at("2026-03-03"):
        api.complete(case_no, "onsite_check", "reviewer",
                     {**ONSITE, "av_exemption_reason": "执法记录仪故障，书面记录",
                      "av_interruption": "10:20–10:35 执法记录仪电池耗尽，更换后继续录像"})
    [rec] = [r for r in actions(api, case_no) if r["action"] == "recording_interrupted"]
    assert rec["payload"]["reason"] == "10:20–10:35 执法记录仪电池耗尽，更换后继续录像" and rec["task_name"]


def major_case_at_legal_review(api):
    case_no = api.new_case(item="XK-003")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review())
    return case_no


def test_a_legal_reviewer_with_an_expired_certificate_is_refused(api, ctx):
    case_no = major_case_at_legal_review(api)
    before = actions(api, case_no)
    res = api.complete(case_no, "legal_review", "legal2", f.legal_review(), expect=422)  # expired 2026-06-30
    assert res["error"] == "legal_reviewer_uncertified" and "钱法制" in res["message"]
    assert actions(api, case_no) == before
    api.complete(case_no, "legal_review", "legal", f.legal_review())


def test_every_legal_attendee_of_the_committee_holds_a_valid_certificate(api, ctx):
    case_no = major_case_at_legal_review(api)
    api.complete(case_no, "legal_review", "legal", f.legal_review())
    before = actions(api, case_no)
    res = api.complete(case_no, "committee", "secretary",
                       f.committee(attendees=("leader", "legal", "legal2", "reviewer2")), expect=422)
    assert res["error"] == "legal_attendee_uncertified" and "钱法制" in res["fields"]["attendees"][0]
    assert actions(api, case_no) == before
    api.complete(case_no, "committee", "secretary", f.committee())


@pytest.mark.parametrize("confidentiality", ["state_secret", "business_secret", "privacy"])
def test_no_audio_video_on_protected_cases(api, browser, app, confidentiality):
    case_no = api.post("/api/cases", "clerk", json={"item": "XK-002", "confidentiality": confidentiality,
                                                    "applicant": APPLICANT}).get_json()["case_no"]
    leader = browser("leader")
    leader.get(f"/cases/{case_no}")
    before = actions(api, case_no, "leader")
    res = leader.post(f"/cases/{case_no}/files", {"files": (io.BytesIO(b"\x00\x00\x00\x18ftypmp42"), "现场.mp4")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "不得进行音像记录" in html(res)
    assert [r for r in actions(api, case_no, "leader") if r["action"] == "evidence_added"] == []
    assert len(actions(api, case_no, "leader")) == len(before)

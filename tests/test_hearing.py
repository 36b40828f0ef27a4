"""The hearing (听证, 行政许可法 第46–48条) as the sub-process the permit process calls: the dates on the
working-day calendar (March–April 2026, 清明 4/4–4/6), the host, recusal, the transcript, the decision clock
and ``hearing_held`` derived from the record."""
import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.support import forms as f
from tests.support.flows import accepted_case, actions, at, case_row
from tests.support.hearing import hearing_of, noticed_case, requested_case

D = dt.date


def _pauses(case_no):
    from app.deadlines.models import ClockPause
    return db.session.scalars(select(ClockPause).where(ClockPause.case_id == case_row(case_no).id)).all()


def test_no_hearing_needed_goes_straight_to_the_decision(api, ctx):
    case_no = accepted_case(api, "2026-03-02")
    with at("2026-03-03"):
        done = api.complete(case_no, "review", "reviewer", f.review())
    assert [t["name"] for t in done["next_tasks"]] == ["decide"]
    assert case_row(case_no).facts["hearing_held"] is False


def test_a_request_on_day_5_of_the_window_is_accepted_and_on_day_6_refused(api, ctx):
    case_no = noticed_case(api)
    hearing = hearing_of(case_no)
    assert hearing.window_until == D(2026, 3, 11)  # 3/5, 3/6, 3/9, 3/10, 3/11
    assert api.open_task(case_no, "hearing_request")["due"] == "2026-03-11"
    with at("2026-03-12"):
        late = api.complete(case_no, "hearing_request", "clerk", f.hearing_request("2026-03-12"), expect=422)
    assert late["error"] == "hearing_request_late" and "2026-03-11" in late["fields"]["requested_on"][0]
    assert hearing_of(case_no).state == "notified" and not _pauses(case_no)  # nothing changed
    with at("2026-03-12"):
        done = api.complete(case_no, "hearing_request", "clerk", f.hearing_request("2026-03-11"))
    assert [t["name"] for t in done["next_tasks"]] == ["hearing_arrange"]
    hearing = hearing_of(case_no)
    assert hearing.state == "requested" and hearing.requested_on == D(2026, 3, 11)
    assert hearing.hold_by == D(2026, 4, 9)  # 20 working days, 清明 4/4–4/6 not counted
    assert [(p.procedure, p.start_on, p.end_on) for p in _pauses(case_no)] == [("hearing", D(2026, 3, 11), None)]


def test_waiving_inside_the_window_needs_a_written_waiver(api, ctx):
    case_no = noticed_case(api)
    with at("2026-03-06"):
        open_window = api.complete(case_no, "hearing_request", "clerk", {"hearing_request": "waived"}, expect=422)
        assert open_window["error"] == "hearing_window_open"
        done = api.complete(case_no, "hearing_request", "clerk",
                            {"hearing_request": "waived", "waiver_ref": "放弃听证声明〔2026〕1号"})
    assert [t["name"] for t in done["next_tasks"]] == ["decide"]
    assert hearing_of(case_no).state == "waived" and not _pauses(case_no)
    assert case_row(case_no).facts["hearing_held"] is False


def test_time_and_place_are_notified_seven_working_days_before(api, ctx):
    case_no = requested_case(api)
    with at("2026-03-12"):
        short = api.complete(case_no, "hearing_arrange", "reviewer", f.hearing_arrange(on="2026-03-20"), expect=422)
        assert short["error"] == "hearing_notice_too_short" and "2026-03-23" in short["message"]
        for bad in ("9:30", "24:00", "09:60", "上午九点"):  # the time of day: HH:MM, 24-hour clock
            wrong = api.complete(case_no, "hearing_arrange", "reviewer",
                                 {**f.hearing_arrange(on="2026-03-23"), "scheduled_time": bad}, expect=422)
            assert wrong["error"] == "hearing_time_invalid" and "scheduled_time" in wrong["fields"]
        assert hearing_of(case_no).host is None
        api.complete(case_no, "hearing_arrange", "reviewer", f.hearing_arrange(on="2026-03-23"))
    hearing = hearing_of(case_no)
    assert (hearing.host, hearing.scheduled_on, hearing.scheduled_time, hearing.late) == \
        ("reviewer2", D(2026, 3, 23), "09:30", False)


def test_the_host_is_not_the_cases_reviewer_and_holds_a_valid_certificate(api, ctx):
    case_no = requested_case(api)
    with at("2026-03-12"):
        own = api.complete(case_no, "hearing_arrange", "reviewer", f.hearing_arrange(host="reviewer"), expect=422)
    assert own["error"] == "hearing_host_is_reviewer" and "李审查" in own["message"]  # the name, not the login
    assert hearing_of(case_no).host is None
    refusals = [r["payload"] for r in actions(api, case_no) if r["action"] == "refused"]
    assert refusals == []  # a form refusal changes nothing at all


@pytest.mark.parametrize("day, late", [("2026-04-09", False), ("2026-04-10", True)])
def test_held_on_day_20_is_on_time_and_day_21_flagged(api, ctx, day, late):
    case_no = requested_case(api)
    with at("2026-03-12"):
        api.complete(case_no, "hearing_arrange", "reviewer", f.hearing_arrange(on=day))
    hearing = hearing_of(case_no)
    assert hearing.late is late
    with at(day):
        done = api.complete(case_no, "hearing_hold", "reviewer2",
                            f.hearing_hold(on=day, av_exemption_reason="听证室录像设备故障，已书面记录"))
    assert [t["name"] for t in done["next_tasks"]] == ["decide"] or done["case"]["is_major"]
    hearing = hearing_of(case_no)
    assert hearing.state == "held" and hearing.held_on == D.fromisoformat(day) and hearing.late is late
    warnings = [r["payload"] for r in actions(api, case_no) if r["action"] == "warning"
                and r["payload"].get("warning") == "hearing_late"]
    assert len(warnings) == (2 if late else 0)  # flagged when arranged and again when held


def test_the_decision_due_date_moves_by_exactly_the_hearings_working_days(api, ctx):
    from app.calendar.service import calendar
    case_no = noticed_case(api)
    assert case_row(case_no).decision_due == D(2026, 3, 30)  # 20 working days from 03-02: the notice pauses nothing
    with at("2026-03-11"):
        api.complete(case_no, "hearing_request", "clerk", f.hearing_request("2026-03-11"))
    with at("2026-03-12"):
        api.complete(case_no, "hearing_arrange", "reviewer", f.hearing_arrange(on="2026-04-09"))
    with at("2026-04-09"):
        api.complete(case_no, "hearing_hold", "reviewer2", f.hearing_hold(on="2026-04-09", av_exemption_reason="设备故障"))
    [pause] = _pauses(case_no)
    assert (pause.start_on, pause.end_on, pause.paused_workdays) == (D(2026, 3, 11), D(2026, 4, 9), 21)
    with db.session.no_autoflush:
        assert case_row(case_no).decision_due == calendar().add_workdays(D(2026, 3, 30), 21).date == D(2026, 4, 29)


def test_the_hearing_pause_is_never_typed(api, ctx):
    case_no = accepted_case(api, "2026-03-02")
    with at("2026-03-03"):
        res = api.post(f"/api/cases/{case_no}/clock/pause", "reviewer",
                       json={"procedure": "hearing", "reason": "听证", "notice_ref": "x"})
    assert res.status_code == 422 and "procedure" in res.get_json()["fields"]
    assert case_row(case_no).decision_due == D(2026, 3, 30) and not _pauses(case_no)
    requested = requested_case(api)
    with at("2026-03-12"):
        res = api.post(f"/api/cases/{requested}/clock/resume", "reviewer", json={"end_on": "2026-03-12"})
    assert res.status_code == 409 and res.get_json()["error"] == "hearing_pause_automatic"
    assert _pauses(requested)[0].end_on is None


def test_hearing_held_comes_from_the_record_never_from_a_form(api, ctx):
    case_no = accepted_case(api, "2026-03-02")
    with at("2026-03-03"):
        res = api.complete(case_no, "review", "reviewer", {**f.review(), "hearing_held": True}, expect=403)
    assert res["error"] == "hearing_held_derived"
    case_no = requested_case(api)
    with at("2026-03-12"):
        api.complete(case_no, "hearing_arrange", "reviewer", f.hearing_arrange())
    with at("2026-03-23"):
        done = api.complete(case_no, "hearing_hold", "reviewer2", f.hearing_hold(av_exemption_reason="设备故障"))
    row = case_row(case_no)
    assert row.facts["hearing_held"] is True and row.is_major  # decided after a hearing: a major decision
    derived = [r for r in actions(api, case_no) if r["action"] == "facts_changed" and r["actor"] == "engine"]
    assert [r["payload"]["changes"] for r in derived] == [{"hearing_held": {"from": False, "to": True}}]
    assert done["case"]["status"] != "hearing"


def test_only_the_host_holds_it_the_transcript_is_signed_and_recusal_rearranges(api, ctx):
    case_no = requested_case(api)
    with at("2026-03-12"):
        api.complete(case_no, "hearing_arrange", "reviewer", f.hearing_arrange())
    with at("2026-03-23"):
        task = api.open_task(case_no, "hearing_hold")
        other = api.post(f"/api/tasks/{task['id']}/complete", "reviewer", json={"data": f.hearing_hold()})
        assert other.status_code in (403, 409) and other.get_json()["error"] == "hearing_host_only"
        unsigned = api.complete(case_no, "hearing_hold", "reviewer2",
                                f.hearing_hold(transcript_signed=False, av_exemption_reason="设备故障"), expect=422)
        assert unsigned["error"] == "hearing_transcript_unsigned"
        recusal = {"recusal_requested": True, "recusal_reason": "主持人与利害关系人系近亲属",
                   "recusal_decision": "granted", "av_exemption_reason": "设备故障"}
        held_anyway = api.complete(case_no, "hearing_hold", "reviewer2", f.hearing_hold(**recusal), expect=422)
        assert held_anyway["error"] == "hearing_recusal_granted"
        done = api.complete(case_no, "hearing_hold", "reviewer2", f.hearing_hold(hearing_outcome="recused", **recusal))
    assert [t["name"] for t in done["next_tasks"]] == ["hearing_arrange"]
    hearing = hearing_of(case_no)
    assert hearing.state == "requested" and hearing.host is None
    assert [(r["host"], r["decision"]) for r in hearing.recusals] == [("reviewer2", "granted")]
    with at("2026-03-24"):
        again = api.complete(case_no, "hearing_arrange", "reviewer", f.hearing_arrange(on="2026-04-03",
                             notified="2026-03-24"), expect=422)
    assert again["error"] == "hearing_host_recused"

"""送达 (service, issue 13): the method, the date and the proof; due within 10 working days of the decision
(行政许可法 第44条); 留置/公告 need audio/video or a written account; the numbered 送达回证 is issued."""
from __future__ import annotations

import io

from sqlalchemy import select

from app.cases.models import TaskItem
from app.evidence.service import Upload, attach
from app.extensions import db
from app.users.models import User
from tests.support import forms as f
from tests.support.flows import actions, at

PDF = b"%PDF-1.4\n% signed proof of service\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42"


def decided(api, day="2026-03-10") -> str:
    with at("2026-03-02"):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
        api.complete(case_no, "review", "reviewer", f.review())
    with at(day):
        api.complete(case_no, "decide", "leader", {**f.DECIDE_GRANT, "decision_date": day})
    return case_no


def upload(case_no, task_id, name, content):
    user = db.session.scalar(select(User).where(User.username == "clerk"))
    attach(user, case_no, [Upload(name, io.BytesIO(content), "internal", "送达证明")], task_id=task_id)
    db.session.remove()


def deliver(api, case_no, data, expect=200):
    task = api.open_task(case_no, "deliver")
    res = api.post(f"/api/tasks/{task['id']}/complete", "clerk", json={"data": data})
    assert res.status_code == expect, res.get_json()
    return res.get_json()


def test_the_service_task_is_due_ten_working_days_after_the_decision(api, ctx):
    case_no = decided(api, "2026-03-10")  # a Tuesday: ten working days later is Tuesday 24 March
    task = db.session.scalar(select(TaskItem).where(TaskItem.name == "deliver"))
    assert task.due_at.isoformat() == "2026-03-24"
    assert api.open_task(case_no, "deliver")["due"] == "2026-03-24"


def test_direct_service_needs_the_signed_receipt_uploaded(api, ctx):
    case_no = decided(api)
    with at("2026-03-12"):
        body = deliver(api, case_no, {"delivery_method": "direct", "delivered_on": "2026-03-12"}, 422)
        assert body["error"] == "service_receipt_missing" and "送达回证" in body["message"]
        task = api.open_task(case_no, "deliver")
        upload(case_no, task["id"], "送达回证（已签收）.pdf", PDF)
        deliver(api, case_no, {"delivery_method": "direct", "delivered_on": "2026-03-12"})
    (rec,) = [r for r in actions(api, case_no) if r["action"] == "service_recorded"]
    payload = rec["payload"]
    assert payload["method"] == "direct" and payload["delivered_on"] == "2026-03-12" and payload["on_time"] is True
    assert payload["proof"][0]["filename"] == "送达回证（已签收）.pdf" and len(payload["proof"][0]["sha256"]) == 64
    issued = [r for r in actions(api, case_no) if r["action"] == "document_issued"]
    assert issued[-1]["payload"]["type"] == "service_receipt"


def test_left_or_notice_service_needs_audio_video_or_a_written_account(api, ctx):
    case_no = decided(api)
    with at("2026-03-12"):
        for method in ("left", "notice"):
            body = deliver(api, case_no, {"delivery_method": method, "delivered_on": "2026-03-12"}, 422)
            assert body["error"] == "service_av_or_reason" and "service_note" in body["fields"]
        deliver(api, case_no, {"delivery_method": "left", "delivered_on": "2026-03-12",
                               "service_note": "受送达人拒绝签收，邀请社区工作人员见证，留置于其经营场所"})
    other = decided(api)
    with at("2026-03-12"):
        task = api.open_task(other, "deliver")
        upload(other, task["id"], "留置送达.mp4", MP4)
        deliver(api, other, {"delivery_method": "left", "delivered_on": "2026-03-12"})


def test_the_service_date_lies_between_the_decision_and_today(api, ctx):
    case_no = decided(api, "2026-03-10")
    with at("2026-03-12"):
        body = deliver(api, case_no, {**f.deliver(), "delivered_on": "2026-03-09"}, 422)
        assert body["error"] == "service_date_invalid" and "2026-03-10" in body["message"]
        body = deliver(api, case_no, {**f.deliver(), "delivered_on": "2026-03-13"}, 422)
        assert body["error"] == "service_date_invalid"


def test_late_service_is_recorded_as_late(api, ctx):
    case_no = decided(api, "2026-03-10")
    with at("2026-03-30"):
        deliver(api, case_no, {**f.deliver(), "delivered_on": "2026-03-30"})
    (rec,) = [r for r in actions(api, case_no) if r["action"] == "service_recorded"]
    assert rec["payload"]["on_time"] is False and rec["payload"]["due"] == "2026-03-24"

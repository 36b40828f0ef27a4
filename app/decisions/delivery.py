"""送达 (service of the decision and the licence): the method, the date and the proof.

- the date lies between the decision and today; the task is due within 10 working days of the decision
  (行政许可法 第44条, on the deadlines clock: app.deadlines.clock.service_due);
- direct service and service by mail are proven by the 送达回证 the recipient signed (or the postal return
  receipt), uploaded to the 送达 task like any evidence file (type, size and hash checked by app.evidence);
- 留置送达 (left at the address when the recipient refuses to sign) and 公告送达 (public notice when the
  recipient cannot be reached) are recorded on audio/video, or the reasons and the course of events are
  written down (service_note);
- electronic service is proven by the system's own delivery record.
The numbered 送达回证 itself is issued by app.documents at this step.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.cases.hooks import Step
from app.core.clock import china_today
from app.core.errors import InvalidData
from app.core.i18n import pick, t
from app.evidence.models import Evidence
from app.evidence.service import AUDIO_VIDEO
from app.extensions import db

NEEDS_SIGNED_RECEIPT = ("direct", "mail")
NEEDS_AV_OR_REASON = ("left", "notice")
METHOD_LABELS = {"direct": "直接送达", "mail": "邮寄送达", "electronic": "电子送达", "left": "留置送达",
                 "notice": "公告送达"}
METHOD_LABELS_EN = {"direct": "in person", "mail": "by mail", "electronic": "electronically",
                    "left": "left at the address", "notice": "by public notice"}


def _method_label(step: Step, method: str) -> str:
    field = step.meta.form.by_name.get("delivery_method") if step.meta and step.meta.form else None
    for option in field.options if field else ():
        if option.value == method:
            return pick(option.label, option.label_en)
    return METHOD_LABELS.get(method, method)


def service_text(who: str, payload: dict) -> str:
    """The ``service_recorded`` record on the case's timeline."""
    from flask_babel import gettext as _
    method = payload.get("method") or ""
    text = _("%(who)s 记录送达：%(d)s %(how)s", who=who, d=payload.get("delivered_on") or "",
             how=pick(METHOD_LABELS.get(method, method), METHOD_LABELS_EN.get(method)))
    if payload.get("on_time") is False:
        text += _("（超过送达期限 %(due)s）", due=payload.get("due"))
    return text


def _task_files(step: Step) -> list[Evidence]:
    return list(db.session.scalars(select(Evidence).where(Evidence.task_id == step.task.id,
                                                          Evidence.superseded.is_(False))))


def _date(value) -> dt.date | None:
    if not value:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def check_service(step: Step) -> None:
    data, case = step.data, step.case
    delivered = _date(data.get("delivered_on"))
    if delivered is not None:
        if case.decided_on and delivered < case.decided_on:
            message = t("service_date_before_decision", decided=case.decided_on.isoformat())
            raise InvalidData(message, fields={"delivered_on": [message]}, code="service_date_invalid")
        if delivered > china_today():
            message = t("service_date_in_future", today=china_today().isoformat())
            raise InvalidData(message, fields={"delivered_on": [message]}, code="service_date_invalid")
    method = data.get("delivery_method")
    files = _task_files(step)
    if method in NEEDS_SIGNED_RECEIPT and not any(e.kind not in AUDIO_VIDEO for e in files):
        message = t("service_receipt_missing", method=_method_label(step, method))
        raise InvalidData(message, fields={"delivery_method": [message]}, code="service_receipt_missing")
    if method in NEEDS_AV_OR_REASON and not any(e.kind in AUDIO_VIDEO for e in files) \
            and not (data.get("service_note") or "").strip():
        message = t("service_av_or_reason", method=_method_label(step, method))
        raise InvalidData(message, fields={"service_note": [message]}, code="service_av_or_reason")


def record_service(step: Step) -> None:
    data, case = step.data, step.case
    due = step.task.due_at
    delivered = _date(data.get("delivered_on"))
    step.record("service_recorded", {
        "method": data.get("delivery_method"), "delivered_on": delivered.isoformat() if delivered else None,
        "due": due.isoformat() if due else None, "on_time": bool(due is None or delivered is None or delivered <= due),
        "proof": [{"evidence_id": e.id, "filename": e.filename, "sha256": e.sha256, "kind": e.kind}
                  for e in _task_files(step)],
        "note": (data.get("service_note") or "").strip() or None, "decided_on": case.decided_on.isoformat()
        if case.decided_on else None}, on_task=True)

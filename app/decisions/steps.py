"""The decision (作出准予/不予行政许可决定) and its delivery (送达)."""
from __future__ import annotations

from app.cases import hooks
from app.cases.hooks import Step
from app.cases.timeline import register_action_text
from app.core.vocabulary import declare_task_kind
from app.decisions import delivery


def _decided(step: Step) -> None:
    # The decision document and its number follow as the ``document_issued`` record (app.documents).
    step.record("decision_made", {"decision": step.data.get("decision"), "is_major": step.case.is_major})


def register() -> None:
    declare_task_kind("decide", "作出决定", "Decision", status="deciding", status_zh="待决定",
                      status_en="Awaiting decision")
    declare_task_kind("deliver", "送达", "Delivery", status="delivering", status_zh="待送达",
                      status_en="Awaiting delivery")
    hooks.register_task_kind("decide", apply=_decided)
    hooks.register_task_kind("deliver", validate=delivery.check_service, apply=delivery.record_service)
    register_action_text("service_recorded", delivery.service_text)

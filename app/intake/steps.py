"""The 收件 step: its records and the status it leaves the case in."""
from __future__ import annotations

from app.cases import hooks
from app.cases.hooks import Step
from app.core.errors import InvalidData
from app.core.i18n import t
from app.core.vocabulary import CaseStatus, declare_task_kind
from app.intake.registration import store_registration


def _intake(step: Step) -> None:
    outcome = step.data.get("outcome")
    if outcome == "accept":
        step.record("case_accepted", {"accepted_at": step.now.isoformat()})
    elif outcome == "correct":
        step.record("correction_requested", {"items": step.data.get("correction_items")})
        step.status = CaseStatus.CORRECTION_REQUESTED
    elif outcome == "reject" and step.process_ended:
        step.status = CaseStatus.REJECTED_AT_INTAKE


def _accept_needs_materials(step: Step) -> None:
    """第32条: 受理 only with the materials complete (the intake page ticks them off the catalogue's list)."""
    if step.data.get("outcome") == "accept" and step.data.get("materials_complete") is not True:
        message = t("accept_needs_materials")
        raise InvalidData(message, fields={"materials_complete": [message]}, code="accept_needs_materials")


def register() -> None:
    declare_task_kind("receive", "收件", "Intake", status=CaseStatus.RECEIVED)
    hooks.register_task_kind("receive", validate=_accept_needs_materials, apply=_intake)
    hooks.on_case_created(store_registration)

"""The 收件 step: its records and the status it leaves the case in."""
from __future__ import annotations

from app.cases import hooks
from app.cases.hooks import Step
from app.core.vocabulary import CaseStatus, declare_task_kind


def _intake(step: Step) -> None:
    outcome = step.data.get("outcome")
    if outcome == "accept":
        step.record("case_accepted", {"accepted_at": step.now.isoformat()})
    elif outcome == "correct":
        step.record("correction_requested", {"items": step.data.get("correction_items")})
        step.status = CaseStatus.CORRECTION_REQUESTED
    elif outcome == "reject" and step.process_ended:
        step.status = CaseStatus.REJECTED_AT_INTAKE


def register() -> None:
    declare_task_kind("receive", "收件", "Intake", status=CaseStatus.RECEIVED)
    hooks.register_task_kind("receive", apply=_intake)

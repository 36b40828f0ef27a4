"""What the legal clocks do at each step (行政许可法 第32、42、45条): registered with the case kernel."""
from __future__ import annotations

from app.cases import hooks
from app.cases.hooks import Step
from app.core.clock import china_today
from app.deadlines import service


def _received(case, user, context, drafts) -> None:
    case.received_on = china_today()


def _check_intake(step: Step) -> None:
    service.check_receive(step.case, step.data.get("outcome"))


def _intake(step: Step) -> None:
    service.on_receive(step.case, step.data.get("outcome"), step.user.username, step.drafts)


def _complaint_registered(step: Step) -> None:
    """Registering a consultation or complaint accepts it: its clock starts."""
    service.on_receive(step.case, "accept", step.user.username, step.drafts)


def _decided(step: Step) -> None:
    service.on_decided(step.case, step.data, step.drafts)


def register() -> None:
    hooks.on_case_created(_received)
    hooks.on_tasks_opened(service.assign_due_dates)
    hooks.register_task_kind("receive", validate=_check_intake, apply=_intake)
    hooks.register_task_kind("complaint_register", apply=_complaint_registered)
    hooks.register_task_kind("decide", apply=_decided)

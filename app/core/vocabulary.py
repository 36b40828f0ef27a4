"""The words every package shares: case statuses, task states, task kinds and their labels.

Task kinds are an open set on purpose: a feature that adds a step kind (a hearing, a document…) registers
it, with its label and the case status while such a task is open, in its own ``init_app`` — nothing here
changes. The statuses a case passes through whatever its steps are form a closed set (``CaseStatus``).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.core.i18n import pick


class CaseStatus(StrEnum):
    RECEIVED = "received"
    CORRECTION_REQUESTED = "correction_requested"
    COMPLETED = "completed"
    REJECTED_AT_INTAKE = "rejected_at_intake"
    WITHDRAWN = "withdrawn"  # the applicant withdrew the application before the decision (app.withdrawal)


class TaskState(StrEnum):
    """The states of a row of the task projection (the engine has more; only these reach the rows)."""
    READY = "READY"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


# A case in one of these statuses takes no further step.
TERMINAL_STATUSES: tuple[str, ...] = (CaseStatus.COMPLETED, CaseStatus.REJECTED_AT_INTAKE, CaseStatus.WITHDRAWN)


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def __str__(self) -> str:
        return pick(self.zh, self.en)


@dataclass(frozen=True)
class TaskKind:
    code: str
    label: Label
    status_while_open: str | None = None  # the case status while a task of this kind is open


_STATUS_LABELS: dict[str, Label] = {
    CaseStatus.RECEIVED: Label("已收件", "Received"),
    CaseStatus.CORRECTION_REQUESTED: Label("待补正", "Correction requested"),
    CaseStatus.COMPLETED: Label("已办结", "Completed"),
    CaseStatus.REJECTED_AT_INTAKE: Label("不予受理", "Rejected at intake"),
    CaseStatus.WITHDRAWN: Label("已撤回申请", "Withdrawn"),
}
_TASK_KINDS: dict[str, TaskKind] = {}


def register_status(code: str, zh: str, en: str) -> None:
    _STATUS_LABELS.setdefault(code, Label(zh, en))


def status_label(status: str) -> str:
    label = _STATUS_LABELS.get(status)
    return str(label) if label else status


def declare_task_kind(code: str, zh: str, en: str, *, status: str | None = None,
                       status_zh: str | None = None, status_en: str | None = None) -> TaskKind:
    """Declare a task kind (diagrams may use it from now on) and, optionally, the case status it sets."""
    kind = _TASK_KINDS.setdefault(code, TaskKind(code, Label(zh, en), status))
    if status and status_zh:
        register_status(status, status_zh, status_en or status_zh)
    return kind


def task_kinds() -> dict[str, TaskKind]:
    return dict(_TASK_KINDS)


def status_while_open(code: str | None) -> str | None:
    kind = _TASK_KINDS.get(code or "")
    return kind.status_while_open if kind else None


def task_kind_label(code: str | None) -> str:
    kind = _TASK_KINDS.get(code or "")
    return str(kind.label) if kind else (code or "")

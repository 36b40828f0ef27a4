"""How features add rules and effects to the case kernel without the kernel knowing them.

A feature registers, in its ``init_app``:

- **task-kind handlers** (``register_task_kind``): for the tasks of one kind (``decide``, ``legal_review``…)
  or of every kind (``"*"``), a ``validate(step)`` that runs before the engine (raise to refuse; nothing is
  written) and an ``apply(step)`` that runs after the engine inside the same transaction (change rows, add
  records with ``step.record``). A handler may also wrap the commit (``around_commit``, e.g. sealing the
  case file). The kind itself, its label and the case status while it is open are declared in the shared
  vocabulary (``app.core.vocabulary.declare_task_kind``);
- **case-created hooks** (``on_case_created``): run inside the registration's transaction;
- **tasks-opened hooks** (``on_tasks_opened``): run for the task rows an engine run opened (due dates);
- **actor checks** (``register_actor_check``): may this user take this task at all (separation of duties)?

Handlers run in registration order; the app factory initialises features in a fixed order.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ContextManager

from app.records import RecordDraft

if TYPE_CHECKING:
    from app.cases.models import Case, TaskItem
    from app.core.errors import ServiceError
    from app.engine.definitions import Bundle, TaskMeta
    from app.users.models import User

ANY_KIND = "*"


@dataclass
class Step:
    """One completion of a task, as its handlers see it."""
    user: "User"
    case: "Case"
    task: "TaskItem"
    meta: "TaskMeta"
    data: dict  # the validated form data
    drafts: list[RecordDraft] = field(default_factory=list)
    now: dt.datetime | None = None
    # The status the engine's position cannot tell (e.g. correction requested); set by a handler's apply.
    status: str | None = None
    # Set by the kernel once the engine ran: True when the process ended with this step.
    process_ended: bool = False
    # What one handler hands to those after it at the same step (e.g. the licence number the licence
    # register allocated, for the decision document).
    outputs: dict = field(default_factory=dict)

    @property
    def kind(self) -> str | None:
        return self.task.kind

    def record(self, action: str, payload: dict | None = None, *, by_engine: bool = False,
               on_task: bool = False) -> None:
        """Add an execution record to this step's transaction: by the acting user in the task's role, or
        by the engine (a rule's consequence, a warning); ``on_task`` ties it to this task."""
        actor, role = ("engine", None) if by_engine else (self.user.username, self.task.role)
        self.drafts.append(RecordDraft(
            actor=actor, role=role, action=action, task_id=self.task.id if on_task else None,
            task_name=self.task.name if on_task else None, payload=payload or {}))

    def refuse(self, error_cls: type["ServiceError"], key: str, **params) -> "ServiceError":
        """Undo the step, record the refusal as evidence, and return the error to raise."""
        from app.cases.actions import refuse
        return refuse(error_cls, key, self.user, self.case.id, "complete", self.task, **params)


Validate = Callable[[Step], None]
Apply = Callable[[Step], None]
AroundCommit = Callable[[Step], ContextManager]


@dataclass(frozen=True)
class TaskKindHandler:
    kind: str
    validate: Validate | None = None
    apply: Apply | None = None
    around_commit: AroundCommit | None = None


_handlers: dict[str, list[TaskKindHandler]] = defaultdict(list)
_case_created: list[Callable[["Case", "User", dict, list[RecordDraft]], None]] = []
_tasks_opened: list[Callable[["Case", list["TaskItem"], "Bundle", list[RecordDraft]], None]] = []
_actor_checks: list[Callable[["TaskItem", str], str | None]] = []


def register_task_kind(kind: str, *, validate: Validate | None = None, apply: Apply | None = None,
                       around_commit: AroundCommit | None = None) -> None:
    handler = TaskKindHandler(kind, validate, apply, around_commit)
    if handler not in _handlers[kind]:  # an app factory may run twice in one process (tests)
        _handlers[kind].append(handler)


def on_case_created(hook: Callable[["Case", "User", dict, list[RecordDraft]], None]) -> None:
    """``hook(case, user, context, drafts)``: the case has its row and number; records go into ``drafts``."""
    if hook not in _case_created:
        _case_created.append(hook)


def on_tasks_opened(hook: Callable[["Case", list["TaskItem"], "Bundle", list[RecordDraft]], None]) -> None:
    if hook not in _tasks_opened:
        _tasks_opened.append(hook)


def register_actor_check(check: Callable[["TaskItem", str], str | None]) -> None:
    """``check(task, username)`` returns the message key that forbids the user this task, or None."""
    if check not in _actor_checks:
        _actor_checks.append(check)


# --------------------------------------------------------------------------- used by the kernel

def handlers_for(kind: str | None) -> list[TaskKindHandler]:
    return (_handlers.get(kind, []) if kind else []) + _handlers.get(ANY_KIND, [])


def validate_step(step: Step) -> None:
    for handler in handlers_for(step.kind):
        if handler.validate:
            handler.validate(step)


def apply_step(step: Step) -> None:
    for handler in handlers_for(step.kind):
        if handler.apply:
            handler.apply(step)


@contextlib.contextmanager
def around_commit(step: Step):
    with contextlib.ExitStack() as stack:
        for handler in handlers_for(step.kind):
            if handler.around_commit:
                stack.enter_context(handler.around_commit(step))
        yield


def case_created(case: "Case", user: "User", context: dict[str, Any], drafts: list[RecordDraft]) -> None:
    for hook in _case_created:
        hook(case, user, context, drafts)


def tasks_opened(case: "Case", rows: list["TaskItem"], bundle: "Bundle", drafts: list[RecordDraft]) -> None:
    for hook in _tasks_opened:
        hook(case, rows, bundle, drafts)


def actor_refusal(task: "TaskItem", username: str) -> str | None:
    for check in _actor_checks:
        key = check(task, username)
        if key:
            return key
    return None

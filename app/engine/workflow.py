"""``CaseWorkflow``: the one door to SpiffWorkflow for the rest of the application.

A case's process is started, loaded from its stored state, advanced (a user task completed, timers
fired) and dumped back through this class; every run returns the BPMN transitions it caused, so the
caller can write them as execution records. Nothing outside ``app.engine`` imports SpiffWorkflow.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from app.engine.definitions import Bundle, TaskMeta
from app.engine.runtime import (
    Transition,
    TransitionCapture,
    dump_workflow,
    load_workflow,
    new_workflow,
)


class EngineError(Exception):
    """The process failed at run time (a rule's input missing, an expression that cannot be evaluated…)."""


class TaskNotReady(Exception):
    """The engine has no ready user task with this id (completed, cancelled or never there)."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


@dataclass(frozen=True)
class ReadyTask:
    """A user task the engine waits on: its id (a UUID string) and where it is declared."""
    id: str
    process_id: str
    bpmn_id: str


@dataclass
class Run:
    """What one engine run did: every BPMN transition, and the ready user tasks before it."""
    transitions: list[Transition]
    ready_before: set[str]


class CaseWorkflow:
    def __init__(self, bundle: Bundle, workflow):
        self.bundle = bundle
        self._workflow = workflow

    # ------------------------------------------------------------------ life cycle

    @classmethod
    def start(cls, bundle: Bundle, process_id: str, data: dict) -> tuple["CaseWorkflow", Run]:
        """A new instance of ``process_id`` with ``data`` as its initial variables, run to its first wait."""
        case_workflow = cls(bundle, new_workflow(bundle, process_id, data))
        return case_workflow, case_workflow._run(lambda wf: wf.do_engine_steps())

    @classmethod
    def load(cls, bundle: Bundle, process_id: str, state: str) -> "CaseWorkflow":
        return cls(bundle, load_workflow(bundle, process_id, state))

    def dump(self) -> str:
        return dump_workflow(self._workflow)

    # ------------------------------------------------------------------ running

    def complete(self, task_id: str, data: dict) -> Run:
        """Complete the ready user task ``task_id`` with ``data`` and run the engine to its next wait."""
        engine_task = self._workflow.get_task_from_id(UUID(task_id))
        if engine_task is None or engine_task.state != TaskState.READY or not engine_task.task_spec.manual:
            raise TaskNotReady(TaskState.get_name(engine_task.state) if engine_task is not None else "?")

        def step(wf):
            engine_task.set_data(**data)
            engine_task.run()
            wf.refresh_timers()
            wf.do_engine_steps()
        return self._run(step)

    def wake(self) -> Run:
        """Fire the timers that are due and run the engine (the scheduler's wake-up, a supervisor's retry)."""
        def step(wf):
            wf.refresh_timers()
            wf.do_engine_steps()
        return self._run(step)

    def cancel(self) -> Run:
        """End the instance without finishing it: every waiting task (user tasks, timers, called processes)
        is cancelled, nothing more runs (an application withdrawn, 行政许可法 第三十六条 and domain.md §10)."""
        return self._run(lambda wf: wf.cancel())

    def _run(self, step) -> Run:
        try:
            with TransitionCapture(self._workflow) as capture:
                step(self._workflow)
        except SpiffWorkflowException as exc:
            raise EngineError(str(exc)) from exc
        return Run(capture.transitions, capture.ready_user_tasks_before)

    # ------------------------------------------------------------------ reading

    def ready_user_tasks(self) -> dict[str, ReadyTask]:
        return {str(t.id): ReadyTask(str(t.id), t.workflow.spec.name, t.task_spec.bpmn_id)
                for t in self._workflow.get_tasks(state=TaskState.READY, manual=True)}

    def task_meta(self, ready: ReadyTask) -> TaskMeta:
        return self.bundle.task_meta(ready.process_id, ready.bpmn_id)

    def is_completed(self) -> bool:
        return self._workflow.is_completed()

    def major_flag(self) -> str | None:
        """The reason a rule gave when it marked the case major (``is_major`` true), else None."""
        for engine_task in self._workflow.get_tasks(state=TaskState.READY | TaskState.COMPLETED):
            if engine_task.data.get("is_major") is True:
                return str(engine_task.data.get("major_reason") or "")
        return None

    def next_timer(self) -> dt.datetime | None:
        """When the earliest BPMN timer falls due (naive UTC), so the scheduler wakes the case then."""
        times = []
        for event in self._workflow.waiting_events():
            if "Timer" in event.event_type and event.value:
                moment = dt.datetime.fromisoformat(str(event.value))
                if moment.tzinfo is not None:
                    moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
                times.append(moment)
        return min(times) if times else None

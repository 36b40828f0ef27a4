"""Running workflows: creation, state-only (de)serialization and capture of every task transition.

A case stores only its instance state; the spec comes from an in-process cache of compiled bundles
keyed by the exact definition versions the case runs on (see ``spiffworkflow-notes.md`` §2). This keeps
each case row small (a few KB) and (de)serialization well under a millisecond.
"""
from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from app.engine.compaction import compact
from app.engine.definitions import Bundle
from app.engine.script_engine import SAFE_SCRIPT_ENGINE


class _BundleSpecs:
    """Where the state-only converter finds the spec of the workflow it restores."""
    current: contextvars.ContextVar = contextvars.ContextVar("bundle_specs")


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Serializes the instance state without the spec; restores it against the spec of a cached bundle."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["spec_name"] = workflow.spec.name
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = _BundleSpecs.current.get()
        workflow = self.target_class(spec, subprocess_specs, deserializing=True, script_engine=SAFE_SCRIPT_ENGINE)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = StateOnlyWorkflowConverter
STATE_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))
# Stored on every case: state written by another serializer version must be migrated, not guessed at.
SERIALIZER_VERSION = STATE_SERIALIZER.VERSION


def new_workflow(bundle: Bundle, process_id: str, data: dict) -> BpmnWorkflow:
    spec, subprocess_specs = bundle.specs[process_id]
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SAFE_SCRIPT_ENGINE)
    workflow.task_tree.data.update(data)  # inherited by every task created below the root
    for task in workflow.get_tasks():
        task.data.update(data)
    return workflow


def load_workflow(bundle: Bundle, process_id: str, state: str) -> BpmnWorkflow:
    token = _BundleSpecs.current.set(bundle.specs[process_id])
    try:
        return STATE_SERIALIZER.deserialize_json(state)
    finally:
        _BundleSpecs.current.reset(token)


def dump_workflow(workflow: BpmnWorkflow) -> str:
    """The instance state, the finished rounds of loops cut out first (app.engine.compaction)."""
    compact(workflow)
    return STATE_SERIALIZER.serialize_json(workflow)


# ------------------------------------------------------------------------------ transition capture

@dataclass
class Transition:
    task_id: str
    bpmn_id: str
    name: str | None
    task_type: str
    process_id: str
    from_state: str | None
    to_state: str


class _TransitionLog(logging.Handler):
    """Receives the ``spiff.task`` 'State changed to X' records and hands them to the active capture."""

    def emit(self, record: logging.LogRecord) -> None:
        capture = _active_capture.get(None)
        if capture is not None:
            capture.observe(record)


_active_capture: contextvars.ContextVar = contextvars.ContextVar("transition_capture")
_spiff_task_logger = logging.getLogger("spiff.task")
_spiff_task_logger.addHandler(_TransitionLog())
_spiff_task_logger.setLevel(logging.INFO)
_spiff_task_logger.propagate = False  # these records are ours to keep; do not flood the app log


class TransitionCapture:
    """Every state change of every BPMN element while the block runs, plus tasks the engine removed.

    SpiffWorkflow logs every real state change (``Task._set_state``) on ``spiff.task``; we attach the
    previous state ourselves. Predicted tasks created and dropped without a state change are seen by
    comparing snapshots before and after.
    """

    def __init__(self, workflow: BpmnWorkflow):
        self.workflow = workflow
        self.transitions: list[Transition] = []

    def __enter__(self) -> "TransitionCapture":
        self._before = self._snapshot()
        self._last_state = dict(self._before)
        self._token = _active_capture.set(self)
        return self

    def __exit__(self, *exc) -> None:
        _active_capture.reset(self._token)
        after = {t.id: t for t in self.workflow.get_tasks()}
        for task_id, state in self._before.items():
            if task_id not in after and state is not None:
                spec_info = self._specs.get(task_id)
                if spec_info:
                    self.transitions.append(Transition(str(task_id), *spec_info, TaskState.get_name(state),
                                                       "REMOVED"))

    def _snapshot(self) -> dict:
        tasks = self.workflow.get_tasks()
        self._specs = {t.id: self._spec_info(t) for t in tasks if getattr(t.task_spec, "bpmn_id", None)}
        self.ready_user_tasks_before = {str(t.id) for t in tasks
                                        if t.state == TaskState.READY and t.task_spec.manual}
        return {t.id: t.state for t in tasks}

    @staticmethod
    def _spec_info(task) -> tuple:
        spec = task.task_spec
        return (spec.bpmn_id, spec.bpmn_name, type(spec).__name__, task.workflow.spec.name)

    def observe(self, record: logging.LogRecord) -> None:
        task_id = getattr(record, "task_id", None)
        if task_id is None or not record.getMessage().startswith("State changed to"):
            return
        task_id = UUID(str(task_id)) if not isinstance(task_id, UUID) else task_id
        new_state = record.getMessage().rsplit(" ", 1)[-1]
        try:
            task = self.workflow.get_task_from_id(task_id)
        except Exception:  # a task outside this workflow (nested engines are not used here)
            task = None
        previous = self._last_state.get(task_id)
        self._last_state[task_id] = TaskState.get_value(new_state) if new_state.isupper() else None
        if task is None or getattr(task.task_spec, "bpmn_id", None) is None:
            return  # internal specs (Start, End, joins) are not BPMN elements
        self._specs[task_id] = self._spec_info(task)
        self.transitions.append(Transition(
            str(task_id), *self._specs[task_id],
            TaskState.get_name(previous) if previous is not None else None, new_state))

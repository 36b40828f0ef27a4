"""Moving a running instance to new definition versions, as SpiffWorkflow can (``diff_workflow`` and
``migrate_workflow``): what changed, why an instance cannot move, and an in-memory trial of the move.

The refusal codes (the caller words them): ``open_step_removed``, ``history_step_removed``,
``open_step_type_changed``, ``called_process_changed``, ``subprocess_removed``, ``open_step_role_changed``
(params ``old``/``new`` are role codes), ``process_missing``, ``trial_failed``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from app.engine.definitions import Bundle
from app.engine.runtime import (
    STATE_SERIALIZER,
    TransitionCapture,
    dump_workflow,
    load_workflow,
)
from app.engine.workflow import CaseWorkflow, Run

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


@dataclass(frozen=True)
class Refusal:
    code: str
    params: dict = field(default_factory=dict)


@dataclass
class SpecChanges:
    """Task specs added, removed and changed between the case's versions and the target, over the process
    and its subprocess specs (BPMN element ids; the engine's own internal specs left out)."""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}


@dataclass
class Trial:
    """The outcome of a trial move: refusals, or the moved workflow (against the new bundle) and its run."""
    refusals: list[Refusal]
    workflow: CaseWorkflow | None = None
    run: Run | None = None


def trial_move(old: Bundle, new: Bundle, process_key: str, state: str) -> Trial:
    """Move the instance in memory and run it; read the result back against the new versions. Nothing is
    stored: the caller persists ``workflow`` if it wants the move."""
    if process_key not in new.specs:
        return Trial([Refusal("process_missing", {"process": process_key})])
    workflow = load_workflow(old, process_key, state)
    new_spec, new_subs = new.specs[process_key]
    top_diff, sp_diffs = diff_workflow(STATE_SERIALIZER.registry, workflow, new_spec, new_subs)
    refusals = _refusals(workflow, top_diff, sp_diffs, old, new)
    if refusals:
        return Trial(refusals)
    try:
        with TransitionCapture(workflow) as capture:
            _migrate_in_memory(workflow, top_diff, sp_diffs, new, process_key)
            workflow.refresh_timers()
            workflow.do_engine_steps()
        # The state must read back against the target versions exactly as the next action will read it.
        reloaded = load_workflow(new, process_key, dump_workflow(workflow))
        for task in reloaded.get_tasks(state=TaskState.READY, manual=True):
            new.task_meta(task.workflow.spec.name, task.task_spec.bpmn_id)
    except (SpiffWorkflowException, KeyError, AttributeError, ValueError, TypeError) as exc:
        return Trial([Refusal("trial_failed", {"detail": f"{type(exc).__name__}: {exc}"[:500]})])
    return Trial([], CaseWorkflow(new, workflow), Run(capture.transitions, capture.ready_user_tasks_before))


def _spec_label(spec) -> str:
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _is_bpmn(spec) -> bool:
    return getattr(spec, "bpmn_id", None) is not None


def spec_changes(old: Bundle, new: Bundle, process_key: str) -> SpecChanges:
    """What the engine sees changed for a case of ``process_key``: its process and its subprocess specs."""
    result = SpecChanges()
    registry = STATE_SERIALIZER.registry
    old_spec, old_subs = old.specs[process_key]
    new_spec, new_subs = new.specs.get(process_key, (None, {}))
    pairs = [(old_spec, new_spec)] + [(spec, new_subs.get(name)) for name, spec in old_subs.items()]
    pairs += [(None, spec) for name, spec in new_subs.items() if name not in old_subs]
    for original, updated in pairs:
        if original is None:
            result.added += [s.bpmn_id for s in updated.task_specs.values() if _is_bpmn(s)]
            continue
        if updated is None:
            result.removed += [s.bpmn_id for s in original.task_specs.values() if _is_bpmn(s)]
            continue
        diff = SpecDiff(registry, original, updated)
        result.added += [s.bpmn_id for s in diff.added if _is_bpmn(s)]
        result.removed += [s.bpmn_id for s in diff.removed if _is_bpmn(s)]
        for spec, keys in diff.changed.items():
            if _is_bpmn(spec):
                result.changed[spec.bpmn_id] = sorted(set(result.changed.get(spec.bpmn_id, [])) | set(keys))
    result.added = sorted(set(result.added))
    result.removed = sorted(set(result.removed))
    return result


def _refusals(workflow, top_diff, sp_diffs, old: Bundle, new: Bundle) -> list[Refusal]:
    reasons: list[Refusal] = []
    seen: set[tuple] = set()

    def add(code: str, **params):
        if (code, tuple(sorted(params.items()))) not in seen:
            seen.add((code, tuple(sorted(params.items()))))
            reasons.append(Refusal(code, params))

    def check(diff, wf):
        for task in diff.removed:
            if not _is_bpmn(task.task_spec):
                continue
            if task.state & _ACTIVE:
                add("open_step_removed", step=_spec_label(task.task_spec))
            elif task.state == TaskState.COMPLETED:
                add("history_step_removed", step=_spec_label(task.task_spec))
        changed = {t.id for t in diff.changed}
        for task in wf.get_tasks(state=_ACTIVE, skip_subprocesses=True):
            new_spec = diff.alignment.get(task)
            if new_spec is None or not _is_bpmn(task.task_spec):
                continue
            if task.id in changed and type(new_spec) is not type(task.task_spec):
                add("open_step_type_changed", step=_spec_label(task.task_spec))
            old_called = getattr(task.task_spec, "spec", None)
            if task.id in workflow.subprocesses and old_called != getattr(new_spec, "spec", None):
                add("called_process_changed", step=_spec_label(task.task_spec))
            if task.state == TaskState.READY and task.task_spec.manual:
                old_meta = old.tasks.get((wf.spec.name, task.task_spec.bpmn_id))
                new_meta = new.tasks.get((wf.spec.name, new_spec.bpmn_id))
                if old_meta and new_meta and old_meta.role != new_meta.role:
                    add("open_step_role_changed", step=old_meta.title, old=old_meta.role, new=new_meta.role)

    check(top_diff, workflow)
    for sp_id, sp_diff in sp_diffs.items():
        subprocess = workflow.subprocesses[sp_id]
        if sp_diff is None:
            if not subprocess.completed:
                add("subprocess_removed", process=subprocess.spec.name)
            continue
        check(sp_diff, subprocess)
    return reasons


def _migrate_in_memory(workflow, top_diff, sp_diffs, new: Bundle, process_key: str) -> list:
    """Point the workflow and its subprocesses at the new specs; returns the tasks the library dropped."""
    new_spec, new_subs = new.specs[process_key]
    deleted = migrate_workflow(top_diff, workflow, new_spec)
    for sp_id, sp_diff in sp_diffs.items():
        subprocess = workflow.subprocesses.get(sp_id)
        if subprocess is None or sp_diff is None:
            continue  # a finished subprocess whose spec is gone: its tasks keep their old specs (refused above)
        deleted += migrate_workflow(sp_diff, subprocess, new_subs[subprocess.spec.name])
    workflow.subprocess_specs = new_subs  # subprocesses started from now on use the new versions
    return deleted

"""After the engine ran for a case: the records of its transitions, the task projection, the case's status,
major flag, stored state and next timer — all inside the caller's transaction."""
from __future__ import annotations

from sqlalchemy import update

from app.cases import hooks
from app.cases.models import Case, TaskItem
from app.core.clock import utcnow
from app.core.vocabulary import CaseStatus, TaskState, status_while_open
from app.engine.workflow import CaseWorkflow, Run
from app.extensions import db
from app.records import RecordDraft, append_records

ENGINE = "engine"


def transition_drafts(run: Run, user_task_id: str | None = None, username: str | None = None) -> list[RecordDraft]:
    """One record per BPMN transition; the completed user task's own transition carries its user."""
    return [RecordDraft(actor=username if tr.task_id == user_task_id else ENGINE, action="task_state",
                        task_id=tr.task_id, task_name=tr.bpmn_id, from_state=tr.from_state, to_state=tr.to_state,
                        payload={"type": tr.task_type, "name": tr.name, "process": tr.process_id})
            for tr in run.transitions]


def persist_run(case: Case, workflow: CaseWorkflow, ready_before: set[str], drafts: list[RecordDraft], *,
                completed_id: str | None = None, final_status: str | None = None) -> list[TaskItem]:
    """Write what the engine run changed. ``final_status`` is the status a step's handler decided (e.g.
    correction requested, rejected at intake); otherwise the open tasks or the process's end tell it.
    Returns the task rows opened now."""
    _update_major_flag(case, workflow, drafts)
    open_kinds, created = _sync_projection(case, workflow, ready_before, completed_id)
    hooks.tasks_opened(case, created, workflow.bundle, drafts)
    _update_status(case, workflow, open_kinds, drafts, final_status)
    case.state = workflow.dump()
    case.next_timer_at = workflow.next_timer()
    case.engine_error = None
    case.stuck_recorded = False  # the case moved
    case.updated_at = utcnow()
    append_records(case, drafts)
    return created


def _sync_projection(case: Case, workflow: CaseWorkflow, ready_before: set[str],
                     completed_id: str | None) -> tuple[list[str | None], list[TaskItem]]:
    """Make the task projection match the engine's READY user tasks, without reading it back.

    The projection's open rows always equal the engine's READY user tasks before the action (both are
    written in one transaction), so the engine's before/after sets say which rows to add or cancel.
    Returns (the kinds of every open task, the rows created now).
    """
    ready = workflow.ready_user_tasks()
    gone = ready_before - ready.keys() - {completed_id}
    if gone:  # e.g. a boundary event cancelled a waiting task
        db.session.execute(update(TaskItem).where(TaskItem.id.in_(gone), TaskItem.state == TaskState.READY)
                           .values(state=TaskState.CANCELLED).execution_options(synchronize_session=False))
    kinds, created = [], []
    now = utcnow()
    for task_id, ready_task in ready.items():
        meta = workflow.task_meta(ready_task)
        kinds.append(meta.kind)
        if task_id not in ready_before:
            row = TaskItem(id=task_id, case_id=case.id, process_id=meta.process_id, name=meta.task_id,
                           title=meta.title, role=meta.role, kind=meta.kind, state=TaskState.READY, created_at=now)
            db.session.add(row)
            created.append(row)
    return kinds, created


def _update_major_flag(case: Case, workflow: CaseWorkflow, drafts: list[RecordDraft]) -> None:
    """A rule may set the major flag; nothing clears it (a reviewer cannot un-major a case)."""
    if case.is_major:
        return
    reason = workflow.major_flag()
    if reason is not None:
        case.is_major, case.major_reason = True, reason
        drafts.append(RecordDraft(actor=ENGINE, action="case_marked_major", payload={"reason": reason}))


def _update_status(case: Case, workflow: CaseWorkflow, open_kinds: list[str | None], drafts: list[RecordDraft],
                   final_status: str | None) -> None:
    old = case.status
    if workflow.is_completed():
        new = final_status or CaseStatus.COMPLETED
        case.completed_at = utcnow()
    elif final_status:
        new = final_status
    else:
        new = next((s for s in map(status_while_open, open_kinds) if s), old)
    if new != old:
        case.status = new
        drafts.append(RecordDraft(actor=ENGINE, action="status_changed", from_state=old, to_state=new))

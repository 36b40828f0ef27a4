"""The case actions: register, claim, release, save a draft, complete a task, wake the engine.

Each public function is one user action and one database transaction: engine state, task projection,
records and whatever the step's handlers write commit together or not at all. What a step means beyond
running the diagram (deadlines, legal review, publication, the case file…) comes from the task-kind
handlers the features register (``app.cases.hooks``); this module knows none of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select, update

from app.cases import hooks
from app.cases.access import may_view_case, task_meta, users_roles
from app.cases.actions import action, check_may_act, lock_case, lock_task, refuse
from app.cases.models import Case, TaskItem
from app.cases.numbering import case_number
from app.cases.sync import persist_run, transition_drafts
from app.catalogue.models import ServiceItem
from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden, InvalidData
from app.core.i18n import current_language, t
from app.core.roles import role_label
from app.core.vocabulary import CaseStatus, TaskState, status_label
from app.definitions.service import bundle_key, get_bundle, latest_versions
from app.engine.forms import RESERVED_VARIABLES
from app.engine.runtime import SERIALIZER_VERSION
from app.engine.workflow import CaseWorkflow, EngineError, TaskNotReady
from app.extensions import db
from app.records import RecordDraft, append_records
from app.users.models import User


@dataclass
class Completion:
    case: Case
    task: TaskItem
    next_tasks: list[TaskItem]

    def message(self) -> str:
        """Where the case went next, in the user's language."""
        if self.next_tasks:
            sep, fmt = ("、", "{title}（{role}）") if current_language() == "zh" else (", ", "{title} ({role})")
            steps = sep.join(fmt.format(title=task.title, role=role_label(task.role)) for task in self.next_tasks)
            return t("completed_next", case_no=self.case.case_no, steps=steps)
        return t("completed_status", case_no=self.case.case_no, status=status_label(self.case.status))


# ------------------------------------------------------------------------------------------ creation

@action
def create_case(user: User, item_code: str, applicant: dict, facts: dict, confidentiality: str = "internal",
                **context) -> Case:
    """Register an application. ``context`` goes to the case-created hooks of the features (e.g. the
    application's materials as ``attachments``), which write in the same transaction."""
    if not user.has_role("clerk"):
        raise Forbidden.of("role_required", role=role_label("clerk"))
    item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == item_code,
                                                       ServiceItem.active.is_(True)))
    if item is None:
        raise InvalidData(t("unknown_item", value=item_code), fields={"item": [t("unknown_item", value=item_code)]})
    latest = latest_versions()
    if item.process_key not in latest:
        raise Conflict.of("not_deployed", value=item.process_key)
    key = bundle_key(v.id for v in latest.values())
    bundle = get_bundle(key)

    now = utcnow()
    case = Case(case_no=f"new-{uuid4().hex[:24]}", item_id=item.id,  # numbered once the row has its id
                applicant_name=applicant["name"], applicant_type=applicant["type"],
                applicant_code=applicant.get("code"), facts=dict(facts), status=CaseStatus.RECEIVED,
                confidentiality=confidentiality,
                is_major=item.major, major_reason="目录清单所列重大执法决定事项" if item.major else None,
                process_key=item.process_key, process_version_id=latest[item.process_key].id, bundle=key,
                state="", serializer_version=SERIALIZER_VERSION, created_by=user.username, created_at=now,
                updated_at=now, facts_changed_at=now if facts else None)
    db.session.add(case)
    db.session.flush()
    case.case_no = case_number(item.case_prefix, now.year, case.id)

    data = {"case_no": case.case_no, "item_code": item.code, "item_major": item.major,
            "category": item.category, **facts}
    workflow, run = CaseWorkflow.start(bundle, item.process_key, data)
    drafts = [RecordDraft(actor=user.username, role="clerk", action="case_created", payload={
        "item": item.code, "applicant": applicant, "facts": facts, "confidentiality": confidentiality,
        "is_major": bool(item.major),  # with the rest of the row's legal fields, checked by verify (row_check.py)
        "process": {"key": item.process_key, "version": latest[item.process_key].version, "bundle": key}})]
    later: list[RecordDraft] = []  # what the hooks record comes after the engine's first run
    hooks.case_created(case, user, context, later)
    persist_run(case, workflow, run.ready_before, drafts + transition_drafts(run))
    append_records(case, later)
    db.session.commit()
    return case


# ------------------------------------------------------------------------------------------ claims

@action
def claim_task(user: User, task_id: str) -> TaskItem:
    task = lock_task(task_id)
    check_may_act(user, task, "claim")
    if task.claimed_by == user.username:
        return task
    return _change_claim(user, task, expected=None, new=user.username, action_name="task_claimed")


@action
def release_task(user: User, task_id: str) -> TaskItem:
    task = lock_task(task_id)
    if not may_view_case(user, task.case):  # nothing about the task to someone who may not see its case
        raise refuse(Forbidden, "permission_denied", user, task.case_id, "release", task)
    if task.case.archived_at is not None:
        raise Conflict.of("case_archived_read_only")
    if task.state != TaskState.READY:
        raise Conflict.of("task_not_open", state=task.state)
    if task.claimed_by != user.username:
        raise Conflict.of("task_not_claimed_by_you")
    return _change_claim(user, task, expected=user.username, new=None, action_name="task_released")


def _change_claim(user: User, task: TaskItem, expected: str | None, new: str | None,
                  action_name: str) -> TaskItem:
    """Set the claim only if nobody changed it meanwhile (a conditional UPDATE), and record it."""
    current = TaskItem.claimed_by.is_(None) if expected is None else TaskItem.claimed_by == expected
    changed = db.session.execute(update(TaskItem).where(TaskItem.id == task.id, TaskItem.state == TaskState.READY,
                                                        current)
                                 .values(claimed_by=new).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        db.session.rollback()
        raise Conflict.of("concurrent_change")
    append_records(task.case, [RecordDraft(actor=user.username, role=task.role, action=action_name,
                                           task_id=task.id, task_name=task.name, payload={"title": task.title})])
    task.case.updated_at = utcnow()
    db.session.commit()
    db.session.refresh(task)
    return task


@action
def save_draft(user: User, task_id: str, data: dict) -> TaskItem:
    """Keep what the user typed so far; nothing is validated or run."""
    task = lock_task(task_id)
    check_may_act(user, task, "save_draft")
    task.draft = data
    db.session.commit()
    return task


# ------------------------------------------------------------------------------------------ completion

@action
def complete_task(user: User, task_id: str, data: dict) -> Completion:
    task = lock_task(task_id)
    check_may_act(user, task, "complete")
    if isinstance(data, dict) and RESERVED_VARIABLES.intersection(data):
        key = "hearing_held_derived" if "hearing_held" in data else "major_flag_locked"
        raise refuse(Forbidden, key, user, task.case_id, "complete", task)
    completion, step = _run_step(user, task, data)
    with hooks.around_commit(step):
        db.session.commit()
    return completion


def complete_by_record(user: User, case: Case, kind: str, data: dict, source: str) -> Completion | None:
    """Inside the caller's action (its transaction, ``case`` locked, the caller commits): complete the case's
    open task of ``kind`` because the record the caller just wrote says the step is done (e.g. the
    publication published or withheld completes 公示). The caller's action did its own permission checks;
    the step's form and handlers run as for any completion. None when no such task is open."""
    task = db.session.scalars(select(TaskItem).where(TaskItem.case_id == case.id, TaskItem.kind == kind,
                                                     TaskItem.state == TaskState.READY)).first()
    if task is None or case.suspended or case.archived_at is not None:
        return None
    completion, _step = _run_step(user, task, data, source=source)
    return completion


def _run_step(user: User, task: TaskItem, data: dict, source: str | None = None) -> tuple[Completion, hooks.Step]:
    """Validate, run the engine, apply the handlers and persist — everything of a completion but the commit."""
    meta = task_meta(task)
    try:
        cleaned = meta.form.validate(data, users_roles)
    except ValidationError as exc:
        raise InvalidData(_summary(exc.messages), fields=exc.messages)
    case = task.case
    step = hooks.Step(user=user, case=case, task=task, meta=meta, data=cleaned)
    hooks.validate_step(step)

    workflow = CaseWorkflow.load(get_bundle(case.bundle), case.process_key, case.state)
    try:
        run = workflow.complete(task.id, cleaned)
    except TaskNotReady as exc:
        raise Conflict.of("task_not_open", state=exc.state)
    except EngineError as exc:  # e.g. a rule input missing: nothing is saved, the attempt is recorded
        current_app.logger.warning("engine error on task %s: %s", task.id, exc)
        raise refuse(Conflict, "engine_error", user, task.case_id, "complete", task, detail=str(exc))

    step.now = now = utcnow()
    step.process_ended = workflow.is_completed()
    payload = {"title": task.title, "data": cleaned, **({"source": source} if source else {})}
    step.drafts = [RecordDraft(actor=user.username, role=task.role, action="task_completed", task_id=task.id,
                               task_name=task.name, from_state="READY", to_state="COMPLETED",
                               payload=payload)] + transition_drafts(run, task.id, user.username)
    task.state, task.completed_at, task.completed_by, task.claimed_by = TaskState.COMPLETED, now, \
        user.username, user.username
    task.draft = None
    hooks.apply_step(step)
    next_tasks = persist_run(case, workflow, run.ready_before, step.drafts, completed_id=task.id,
                             final_status=step.status)
    return Completion(case, task, next_tasks), step


def _summary(messages: dict) -> str:
    return t("invalid_form_data", field=next(iter(messages), ""))


# ------------------------------------------------------------------------------------------ engine wake-ups

@action
def wake_case(case_id: int, actor: str, reason: str) -> dict:
    """Run the engine for a case outside a user action: fire due timers, or retry after an engine error.

    One transaction: engine state, projection and records (actor 'scheduler' or the supervisor).
    Returns {"transitions": n, "error": message-or-None}; an engine error is kept on the case (shown on the
    supervisor's desk) and nothing else changes.
    """
    case = lock_case(case_id)
    workflow = CaseWorkflow.load(get_bundle(case.bundle), case.process_key, case.state)
    try:
        run = workflow.wake()
    except EngineError as exc:
        db.session.rollback()
        case = lock_case(case_id)
        case.engine_error = str(exc)[:2000]
        append_records(case, [RecordDraft(actor=actor, action="engine_error", payload={
            "reason": reason, "error": case.engine_error})])
        db.session.commit()
        return {"transitions": 0, "error": case.engine_error}
    drafts = [RecordDraft(actor=actor, action="engine_woken", payload={"reason": reason})] + transition_drafts(run)
    persist_run(case, workflow, run.ready_before, drafts)
    db.session.commit()
    return {"transitions": len(run.transitions), "error": None}

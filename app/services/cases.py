"""Case and task actions. Each public function is one user action and one database transaction:
engine state, task projection and execution records commit together or not at all.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from uuid import UUID, uuid4

from flask import current_app
from marshmallow import ValidationError
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.exc import StaleDataError

from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden, InvalidData, NotFound, ServiceError
from app.core.i18n import current_language, t
from app.core.roles import role_label
from app.deadlines import service as deadlines
from app.engine.definitions import Bundle, TaskMeta
from app.engine.forms import RESERVED_VARIABLES
from app.engine.runtime import (
    SERIALIZER_VERSION,
    TransitionCapture,
    dump_workflow,
    load_workflow,
    new_workflow,
)
from app.extensions import db
from app.models import (
    Case,
    CommitteeMeeting,
    LegalReviewRound,
    ServiceItem,
    TaskItem,
    User,
)
from app.records import RecordDraft, append_records
from app.services.definitions import bundle_key, get_bundle, latest_versions
from app.services.guard import decision_refusal, separation_refusal

FACT_KEYS = ("category", "investment", "public_concern", "safety_impact", "hearing_held", "complex", "proposal")
STATUS_WHILE_OPEN = {
    "receive": "received", "review": "reviewing", "legal_review": "legal_review", "amend": "amending",
    "onsite_check": "onsite_checking",
    "counsel": "counsel_opinion", "committee": "committee_review", "sign_conclusion": "committee_review",
    "decide": "deciding", "deliver": "delivering", "publish": "publishing", "archive": "archiving",
    "complaint_register": "complaint_registering", "complaint_investigate": "complaint_investigating",
    "complaint_approve": "complaint_approving", "complaint_reply": "complaint_replying",
}
ENGINE = "engine"


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


STATUS_LABELS = {
    "received": ("已收件", "Received"), "correction_requested": ("待补正", "Correction requested"),
    "reviewing": ("审查中", "Under review"), "onsite_checking": ("现场核查中", "On-site check"), "legal_review": ("法制审核中", "Legal review"),
    "amending": ("修改重报中", "Being amended"), "counsel_opinion": ("法律顾问意见", "Legal counsel"),
    "committee_review": ("专业审查委员会审议", "Committee review"), "deciding": ("待决定", "Awaiting decision"),
    "delivering": ("待送达", "Awaiting delivery"), "publishing": ("待公示", "Awaiting publication"),
    "archiving": ("待归档", "Awaiting archiving"), "completed": ("已办结", "Completed"),
    "rejected_at_intake": ("不予受理", "Rejected at intake"),
    "complaint_registering": ("受理登记中", "Being registered"),
    "complaint_investigating": ("调查核实中", "Under investigation"),
    "complaint_approving": ("答复审核中", "Reply under approval"), "complaint_replying": ("待答复", "Awaiting reply"),
}


def status_label(status: str) -> str:
    zh, en = STATUS_LABELS.get(status, (status, status))
    return en if current_language() == "en" else zh


# ------------------------------------------------------------------------------------------ look-ups

def get_case(case_no: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.case_no == case_no))
    if case is None:
        raise NotFound.of("not_found", what=case_no)
    return case


def get_task(task_id: str) -> TaskItem:
    task = db.session.get(TaskItem, task_id)
    if task is None:
        raise NotFound.of("not_found", what=task_id)
    return task


CASE_WORKING_ROLES = frozenset({"clerk", "reviewer", "legal", "counsel", "secretary", "leader"})


def may_view_case(user: User, case: Case) -> bool:
    """Supervisors see every case; staff who work cases see them, but a state-secret case only its
    leader and the people who acted on it; designers and administrators see no case data."""
    if user.has_role("supervisor"):
        return True
    if not CASE_WORKING_ROLES & user.roles:
        return False
    if case.confidentiality != "state_secret" or user.has_role("leader") or case.created_by == user.username:
        return True
    return db.session.scalar(select(func.count(TaskItem.id)).where(
        TaskItem.case_id == case.id, (TaskItem.completed_by == user.username) | (TaskItem.claimed_by == user.username)
        | ((TaskItem.state == "READY") & TaskItem.role.in_(sorted(user.roles))))) > 0


def case_for_viewer(user: User, case_no: str) -> Case:
    case = get_case(case_no)
    if not may_view_case(user, case):
        raise Forbidden.of("permission_denied")
    return case


def task_meta(task: TaskItem) -> TaskMeta:
    return get_bundle(task.case.bundle).task_meta(task.process_id, task.name)


def open_tasks(case: Case) -> list[TaskItem]:
    return list(db.session.scalars(select(TaskItem).where(TaskItem.case_id == case.id, TaskItem.state == "READY")
                                   .order_by(TaskItem.created_at, TaskItem.id)))


def _task_for_action(task_id: str) -> TaskItem:
    """The task with its case row locked (one statement): every check below sees the current state."""
    task = db.session.scalars(
        select(TaskItem).join(TaskItem.case).options(contains_eager(TaskItem.case))
        .where(TaskItem.id == task_id).with_for_update(of=Case)
        .execution_options(populate_existing=True)).first()
    if task is None:
        raise NotFound.of("not_found", what=task_id)
    return task


def _lock_case(case_id: int) -> Case:
    """The case row, locked until commit on PostgreSQL; on SQLite the version column catches races."""
    return db.session.scalars(select(Case).where(Case.id == case_id).with_for_update(of=Case)
                              .execution_options(populate_existing=True)).one()


def lock_case_by_no(case_no: str) -> Case:
    """The case with this number, locked like ``_lock_case`` (404 when there is none)."""
    case = db.session.scalars(select(Case).where(Case.case_no == case_no).with_for_update(of=Case)
                              .execution_options(populate_existing=True)).first()
    if case is None:
        raise NotFound.of("not_found", what=case_no)
    return case


def users_roles(usernames) -> dict[str, set[str]]:
    users = db.session.scalars(select(User).where(User.username.in_(list(usernames)), User.active.is_(True)))
    return {u.username: u.roles for u in users}


# ------------------------------------------------------------------------------------------ refusals

def _refuse(error_cls: type[ServiceError], key: str, user: User, case_id: int, attempted: str,
            task: TaskItem | None = None, **params) -> ServiceError:
    """Undo the action, write the refusal into the case's records (evidence), and return the error."""
    task_id, task_name, role = (task.id, task.name, task.role) if task is not None else (None, None, None)
    db.session.rollback()
    for _attempt in range(3):
        try:
            case = _lock_case(case_id)
            append_records(case, [RecordDraft(
                actor=user.username, role=role, action="refused", task_id=task_id, task_name=task_name,
                payload={"attempted": attempted, "reason": key, "message": t(key, lang="zh", **params),
                         "actor_roles": sorted(user.roles)})])
            db.session.commit()
            break
        except (StaleDataError, IntegrityError, OperationalError):
            db.session.rollback()
    else:  # the case kept changing under us: the refusal stands, but say loudly that it is unrecorded
        current_app.logger.error("refusal %s of %s on task %s could not be recorded", key, user.username, task_id)
    return error_cls(t(key, **params), code=key)


def _check_may_act(user: User, task: TaskItem, attempted: str) -> None:
    if task.case.archived_at is not None:  # sealed case file (app.archive): read-only
        raise Conflict.of("case_archived_read_only")
    if task.state != "READY":
        raise Conflict.of("task_not_open", state=task.state)
    if task.case.suspended:
        raise Conflict.of("case_suspended")
    if not user.has_role(task.role):
        raise _refuse(Forbidden, "role_required", user, task.case_id, attempted, task, role=role_label(task.role))
    refusal = separation_refusal(task, user.username)
    if refusal:
        raise _refuse(Forbidden, refusal, user, task.case_id, attempted, task)
    if task.claimed_by and task.claimed_by != user.username:
        raise Conflict.of("task_claimed_by_other", user=task.claimed_by)


def _is_lock_conflict(exc: OperationalError) -> bool:
    # SQLite in WAL mode refuses a write whose read snapshot is stale instead of waiting.
    return "database is locked" in str(exc) or "could not serialize" in str(exc)


def action(func):
    """One user action = one transaction: any race with another action on the case becomes a 409."""
    @wraps(func)
    def wrapped(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (StaleDataError, IntegrityError):
            db.session.rollback()
            raise Conflict.of("concurrent_change")
        except OperationalError as exc:
            db.session.rollback()
            if _is_lock_conflict(exc):
                raise Conflict.of("concurrent_change")
            raise
    return wrapped


# ------------------------------------------------------------------------------------------ creation

@action
def create_case(user: User, item_code: str, applicant: dict, facts: dict, confidentiality: str = "internal",
                attachments: list | None = None) -> Case:
    """Register an application; its materials (``attachments``, evidence uploads) land in the same
    transaction."""
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
                applicant_code=applicant.get("code"), facts=dict(facts), status="received",
                confidentiality=confidentiality,
                is_major=item.major, major_reason="目录清单所列重大执法决定事项" if item.major else None,
                process_key=item.process_key, process_version_id=latest[item.process_key].id, bundle=key,
                state="", serializer_version=SERIALIZER_VERSION, created_by=user.username, created_at=now,
                updated_at=now, facts_changed_at=now if facts else None)
    deadlines.on_case_created(case)
    db.session.add(case)
    db.session.flush()
    case.case_no = f"XK-{now:%Y}-{case.id:06d}"
    from app.publicity.service import new_query_code
    case.query_code = new_query_code()  # printed on the receipt: the public progress query needs it

    data = {"case_no": case.case_no, "item_code": item.code, "item_major": item.major,
            "category": item.category, **facts}
    workflow = new_workflow(bundle, item.process_key, data)
    drafts = [RecordDraft(actor=user.username, role="clerk", action="case_created", payload={
        "item": item.code, "applicant": applicant, "facts": facts,
        "process": {"key": item.process_key, "version": latest[item.process_key].version, "bundle": key}})]
    with TransitionCapture(workflow) as capture:
        workflow.do_engine_steps()
    drafts += _transition_drafts(capture, None, None)
    _persist_run(case, workflow, bundle, capture.ready_user_tasks_before, drafts)
    if attachments:
        from app.services.evidence import add_evidence
        add_evidence(case, attachments, user)
    db.session.commit()
    return case


# ------------------------------------------------------------------------------------------ claims

@action
def claim_task(user: User, task_id: str) -> TaskItem:
    task = _task_for_action(task_id)
    _check_may_act(user, task, "claim")
    if task.claimed_by == user.username:
        return task
    return _change_claim(user, task, expected=None, new=user.username, action_name="task_claimed")


@action
def release_task(user: User, task_id: str) -> TaskItem:
    task = _task_for_action(task_id)
    if task.case.archived_at is not None:
        raise Conflict.of("case_archived_read_only")
    if task.state != "READY":
        raise Conflict.of("task_not_open", state=task.state)
    if task.claimed_by != user.username:
        raise Conflict.of("task_not_claimed_by_you")
    return _change_claim(user, task, expected=user.username, new=None, action_name="task_released")


def _change_claim(user: User, task: TaskItem, expected: str | None, new: str | None,
                  action_name: str) -> TaskItem:
    """Set the claim only if nobody changed it meanwhile (a conditional UPDATE), and record it."""
    current = TaskItem.claimed_by.is_(None) if expected is None else TaskItem.claimed_by == expected
    changed = db.session.execute(update(TaskItem).where(TaskItem.id == task.id, TaskItem.state == "READY", current)
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
    task = _task_for_action(task_id)
    _check_may_act(user, task, "save_draft")
    task.draft = data
    db.session.commit()
    return task


# ------------------------------------------------------------------------------------------ completion

@action
def complete_task(user: User, task_id: str, data: dict) -> Completion:
    task = _task_for_action(task_id)
    _check_may_act(user, task, "complete")
    if isinstance(data, dict) and RESERVED_VARIABLES.intersection(data):
        raise _refuse(Forbidden, "major_flag_locked", user, task.case_id, "complete", task)
    meta = task_meta(task)
    try:
        cleaned = meta.form.validate(data, users_roles)
    except ValidationError as exc:
        raise InvalidData(_summary(exc.messages), fields=exc.messages)
    _validate_kind(task.kind, cleaned)
    if task.kind == "receive":
        deadlines.check_receive(task.case, cleaned.get("outcome"))
    if meta.requires_av:
        _require_audio_video(task, cleaned)

    case = task.case
    if task.kind == "decide":
        refusal = decision_refusal(case)
        if refusal:
            raise _refuse(Conflict, refusal, user, task.case_id, "complete", task)
    bundle = get_bundle(case.bundle)
    workflow = load_workflow(bundle, case.process_key, case.state)
    engine_task = workflow.get_task_from_id(UUID(task.id))
    if engine_task is None or engine_task.state != TaskState.READY or not engine_task.task_spec.manual:
        raise Conflict.of("task_not_open", state=TaskState.get_name(engine_task.state) if engine_task else "?")

    drafts = [RecordDraft(actor=user.username, role=task.role, action="task_completed", task_id=task.id,
                          task_name=task.name, from_state="READY", to_state="COMPLETED",
                          payload={"title": task.title, "data": cleaned})]
    try:
        with TransitionCapture(workflow) as capture:
            engine_task.set_data(**cleaned)
            engine_task.run()
            workflow.refresh_timers()
            workflow.do_engine_steps()
    except SpiffWorkflowException as exc:  # e.g. a rule input missing: nothing is saved, the attempt is
        current_app.logger.warning("engine error on task %s: %s", task.id, exc)  # recorded as evidence
        raise _refuse(Conflict, "engine_error", user, task.case_id, "complete", task, detail=str(exc))
    drafts += _transition_drafts(capture, task.id, user.username)

    now = utcnow()
    task.state, task.completed_at, task.completed_by, task.claimed_by = "COMPLETED", now, user.username, \
        user.username
    task.draft = None
    _apply_kind_effects(case, task, user, cleaned, drafts, now)
    next_tasks = _persist_run(case, workflow, bundle, capture.ready_user_tasks_before, drafts,
                              completed_id=task.id, last_kind=task.kind, last_data=cleaned)
    with _sealed_if_archived(case, task, user, cleaned):
        db.session.commit()
    return Completion(case, task, next_tasks)


@contextmanager
def _sealed_if_archived(case: Case, task: TaskItem, user: User, cleaned: dict):
    """When the archive step ends the case, seal the case file in the same transaction (app.archive): the
    case_archived record, the bundle (written aside, moved into place only after the commit) and the
    manifest's hash on the case. A case file that is not whole (a file missing) refuses the step."""
    if task.kind != "archive" or case.status != "completed":
        yield
        return
    from app.archive import ArchiveError, seal_case
    try:
        pending = seal_case(case, user, role=task.role, archive_no=cleaned.get("archive_no"))
    except ArchiveError as exc:
        raise _refuse(Conflict, "archive_failed", user, task.case_id, "complete", task, detail=str(exc))
    with pending:
        yield


def _summary(messages: dict) -> str:
    first_field = next(iter(messages), "")
    return f"表单数据有误 / invalid form data: {first_field}"


def _validate_kind(kind: str | None, cleaned: dict) -> None:
    """Rules of the law that hold whatever the diagram's form says."""
    if kind == "legal_review" and cleaned.get("outcome") == "approve":
        failed = [k for k, v in (cleaned.get("checklist") or {}).items() if v.get("result") == "fail"]
        if failed:
            raise InvalidData(t("approve_with_failed_items"), fields={"outcome": [t("approve_with_failed_items")]})
    if kind == "committee":
        attendees = cleaned.get("attendees") or []
        if not any("legal" in roles for roles in users_roles(attendees).values()):
            message = t("must_include_role", role=role_label("legal"))
            raise InvalidData(message, fields={"attendees": [message]})
    if kind == "sign_conclusion" and cleaned.get("signed") is not True:
        raise InvalidData(t("required"), fields={"signed": [t("required")]})
    if kind == "onsite_check" and cleaned.get("officers") and cleaned.get("check_date"):
        # Only officers holding an enforcement certificate valid on the day may do the check.
        import datetime as dt

        from app.publicity.service import uncertified
        day = dt.date.fromisoformat(str(cleaned["check_date"]))
        missing = uncertified(cleaned["officers"], day)
        if missing:
            message = t("officer_certificate_invalid", date=day.isoformat(), names="、".join(missing))
            raise InvalidData(message, fields={"officers": [message]})


def _require_audio_video(task: TaskItem, cleaned: dict) -> None:
    """An on-site check or hearing is recorded on audio/video, or the reason why not is written down."""
    from app.models import Evidence
    has_av = db.session.scalar(select(func.count(Evidence.id)).where(
        Evidence.task_id == task.id, Evidence.kind.in_(("audio", "video")), Evidence.superseded.is_(False)))
    if not has_av and not (cleaned.get("av_exemption_reason") or "").strip():
        message = t("av_reason_required")
        raise InvalidData(message, fields={"av_exemption_reason": [message]})


def _apply_kind_effects(case: Case, task: TaskItem, user: User, cleaned: dict, drafts: list, now) -> None:
    kind = task.kind
    if kind == "receive":
        deadlines.on_receive(case, cleaned.get("outcome"), user.username, drafts)
    elif kind == "complaint_register":  # registering a consultation or complaint accepts it: its clock starts
        deadlines.on_receive(case, "accept", user.username, drafts)
    elif kind == "decide":
        deadlines.on_decided(case, cleaned, drafts)
    elif kind == "publish" and case.published_on is None:  # publishing on the publication page set it already
        deadlines.on_published(case, cleaned)
    if kind == "receive" and cleaned.get("outcome") == "accept":
        drafts.append(RecordDraft(actor=user.username, role=task.role, action="case_accepted",
                                  payload={"accepted_at": now.isoformat()}))
    elif kind == "receive" and cleaned.get("outcome") == "correct":
        drafts.append(RecordDraft(actor=user.username, role=task.role, action="correction_requested",
                                  payload={"items": cleaned.get("correction_items")}))
    elif kind in ("review", "amend"):
        changes = {k: {"from": case.facts.get(k), "to": cleaned[k]} for k in FACT_KEYS
                   if cleaned.get(k) is not None and case.facts.get(k) != cleaned[k]}
        if changes:
            case.facts = {**case.facts, **{k: v["to"] for k, v in changes.items()}}
            case.facts_changed_at = now
            drafts.append(RecordDraft(actor=user.username, role=task.role, action="facts_changed",
                                      payload={"changes": changes}))
    elif kind == "legal_review":
        round_no = 1 + (db.session.scalar(select(func.max(LegalReviewRound.round_no))
                                          .where(LegalReviewRound.case_id == case.id)) or 0)
        db.session.add(LegalReviewRound(case_id=case.id, round_no=round_no, task_id=task.id,
                                        reviewer=user.username, checklist=cleaned["checklist"],
                                        outcome=cleaned["outcome"], opinion=cleaned["opinion"], completed_at=now))
        drafts.append(RecordDraft(actor=user.username, role=task.role, action="legal_review_round",
                                  payload={"round": round_no, "outcome": cleaned["outcome"]}))
    elif kind == "committee":
        attendees = cleaned["attendees"]
        legal = sorted(u for u, roles in users_roles(attendees).items() if "legal" in roles)
        meeting_no = 1 + (db.session.scalar(select(func.max(CommitteeMeeting.meeting_no))
                                            .where(CommitteeMeeting.case_id == case.id)) or 0)
        db.session.add(CommitteeMeeting(
            case_id=case.id, meeting_no=meeting_no, task_id=task.id, secretary=user.username,
            meeting_date=cleaned.get("meeting_date"), attendees=attendees, legal_attendees=legal,
            quorum_met=bool(cleaned.get("quorum_met")), minutes=cleaned.get("minutes", ""),
            conclusion=cleaned["conclusion"], recorded_at=now))
        drafts.append(RecordDraft(actor=user.username, role=task.role, action="committee_meeting",
                                  payload={"meeting": meeting_no, "conclusion": cleaned["conclusion"],
                                           "legal_attendees": legal}))
    elif kind == "sign_conclusion":
        meeting = db.session.scalars(select(CommitteeMeeting).where(CommitteeMeeting.case_id == case.id)
                                     .order_by(CommitteeMeeting.meeting_no.desc()).limit(1)).first()
        if meeting is not None:
            meeting.signed_by, meeting.signed_at, meeting.sign_opinion = user.username, now, \
                cleaned.get("sign_opinion")
            drafts.append(RecordDraft(actor=user.username, role=task.role, action="committee_conclusion_signed",
                                      payload={"meeting": meeting.meeting_no, "conclusion": meeting.conclusion}))
    elif kind == "decide":
        drafts.append(RecordDraft(actor=user.username, role=task.role, action="decision_made",
                                  payload={"decision": cleaned.get("decision"),
                                           "document_no": cleaned.get("document_no"), "is_major": case.is_major}))
        from app.publicity.service import create_draft
        create_draft(case, cleaned, drafts)  # the 双公示 record to review and publish within 7 working days


# ------------------------------------------------------------------------------------------ engine wake-ups

@action
def wake_case(case_id: int, actor: str, reason: str) -> dict:
    """Run the engine for a case outside a user action: fire due timers, or retry after an engine error.

    One transaction: engine state, projection and records (actor 'scheduler' or the supervisor).
    Returns {"transitions": n, "error": message-or-None}; an engine error is kept on the case (shown on the
    supervisor's desk) and nothing else changes.
    """
    case = _lock_case(case_id)
    bundle = get_bundle(case.bundle)
    workflow = load_workflow(bundle, case.process_key, case.state)
    try:
        with TransitionCapture(workflow) as capture:
            workflow.refresh_timers()
            workflow.do_engine_steps()
    except SpiffWorkflowException as exc:
        db.session.rollback()
        case = _lock_case(case_id)
        case.engine_error = str(exc)[:2000]
        append_records(case, [RecordDraft(actor=actor, action="engine_error", payload={
            "reason": reason, "error": case.engine_error})])
        db.session.commit()
        return {"transitions": 0, "error": case.engine_error}
    drafts = [RecordDraft(actor=actor, action="engine_woken", payload={"reason": reason})] \
        + _transition_drafts(capture, None, None)
    _persist_run(case, workflow, bundle, capture.ready_user_tasks_before, drafts)
    db.session.commit()
    return {"transitions": len(capture.transitions), "error": None}


def _persist_run(case: Case, workflow, bundle: Bundle, ready_before: set[str], drafts: list, *,
                 completed_id: str | None = None, last_kind: str | None = None,
                 last_data: dict | None = None) -> list[TaskItem]:
    """After the engine ran for a case: major flag, task projection and due dates, status, the saved state
    and next timer, and the records — all in the caller's transaction. Returns the task rows opened now."""
    _update_major_flag(case, workflow, drafts)
    open_metas, created = _sync_projection(case, workflow, bundle, ready_before, completed_id)
    deadlines.assign_due_dates(case, created, bundle, drafts)
    _update_status(case, workflow, open_metas, drafts, last_kind=last_kind, last_data=last_data)
    case.state = dump_workflow(workflow)
    case.next_timer_at = next_timer(workflow)
    case.engine_error = None
    case.stuck_recorded = False  # the case moved
    case.updated_at = utcnow()
    append_records(case, drafts)
    return created


def next_timer(workflow):
    """When the case's earliest BPMN timer falls due (naive UTC), so the scheduler wakes it then."""
    import datetime as dt
    times = []
    for event in workflow.waiting_events():
        if "Timer" in event.event_type and event.value:
            moment = dt.datetime.fromisoformat(str(event.value))
            if moment.tzinfo is not None:
                moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
            times.append(moment)
    return min(times) if times else None


# ------------------------------------------------------------------------------------------ engine → rows

def _transition_drafts(capture: TransitionCapture, user_task_id: str | None, username: str | None) -> list:
    return [RecordDraft(actor=username if tr.task_id == user_task_id else ENGINE, action="task_state",
                        task_id=tr.task_id, task_name=tr.bpmn_id, from_state=tr.from_state, to_state=tr.to_state,
                        payload={"type": tr.task_type, "name": tr.name, "process": tr.process_id})
            for tr in capture.transitions]


def _sync_projection(case: Case, workflow, bundle: Bundle, ready_before: set[str],
                     completed_id: str | None = None) -> tuple[list[TaskMeta], list[TaskItem]]:
    """Make the task projection match the engine's READY user tasks, without reading it back.

    The projection's open rows always equal the engine's READY user tasks before the action (both are
    written in one transaction), so the engine's before/after sets say which rows to add or cancel.
    Returns (the metadata of every open task, the rows created now).
    """
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    gone = ready_before - ready.keys() - {completed_id}
    if gone:  # e.g. a boundary event cancelled a waiting task
        db.session.execute(update(TaskItem).where(TaskItem.id.in_(gone), TaskItem.state == "READY")
                           .values(state="CANCELLED").execution_options(synchronize_session=False))
    metas, created = [], []
    now = utcnow()
    for task_id, engine_task in ready.items():
        meta = bundle.task_meta(engine_task.workflow.spec.name, engine_task.task_spec.bpmn_id)
        metas.append(meta)
        if task_id not in ready_before:
            row = TaskItem(id=task_id, case_id=case.id, process_id=meta.process_id, name=meta.task_id,
                           title=meta.title, role=meta.role, kind=meta.kind, state="READY", created_at=now)
            db.session.add(row)
            created.append(row)
    return metas, created


def _update_major_flag(case: Case, workflow, drafts: list) -> None:
    """A rule may set the major flag; nothing clears it (a reviewer cannot un-major a case)."""
    if case.is_major:
        return
    for engine_task in workflow.get_tasks(state=TaskState.READY | TaskState.COMPLETED):
        if engine_task.data.get("is_major") is True:
            case.is_major = True
            case.major_reason = str(engine_task.data.get("major_reason") or "")
            drafts.append(RecordDraft(actor=ENGINE, action="case_marked_major",
                                      payload={"reason": case.major_reason}))
            return


def _update_status(case: Case, workflow, open_tasks: list[TaskMeta], drafts: list, last_kind: str | None = None,
                   last_data: dict | None = None) -> None:
    old = case.status
    if workflow.is_completed():
        rejected = last_kind == "receive" and (last_data or {}).get("outcome") == "reject"
        new = "rejected_at_intake" if rejected else "completed"
        case.completed_at = utcnow()
    elif last_kind == "receive" and (last_data or {}).get("outcome") == "correct":
        new = "correction_requested"
    else:
        new = next((STATUS_WHILE_OPEN[t.kind] for t in open_tasks if t.kind in STATUS_WHILE_OPEN), old)
    if new != old:
        case.status = new
        drafts.append(RecordDraft(actor=ENGINE, action="status_changed", from_state=old, to_state=new))



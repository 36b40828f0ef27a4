"""Keeping the legal time limits of cases and tasks, and the actions that change them.

Hooks (``on_*``, ``assign_due_dates``) run inside a case action's transaction and add their records to
its drafts; the clock actions (pause, resume, extension) are user actions of their own, one transaction
each, every one an execution record.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.calendar.service import calendar
from app.cases.access import may_view_case
from app.cases.actions import action, lock_case_by_no, lock_task, refuse
from app.cases.models import Case, TaskItem
from app.core.clock import china_date, china_today
from app.core.errors import Conflict, Forbidden, InvalidData, NotFound
from app.core.i18n import t
from app.core.roles import role_label
from app.core.vocabulary import TERMINAL_STATUSES
from app.deadlines.clock import (
    correction_notice_due,
    decision_due,
    extension_workdays,
    legal_review_due,
    paused_workdays,
    publication_due,
    service_due,
)
from app.deadlines.models import AUTOMATIC_PROCEDURES, EXCLUDED_PROCEDURES, ClockPause
from app.extensions import db
from app.records import RecordDraft, append_records
from app.users.models import User


def _date(value, default: dt.date) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else default
    except ValueError:
        return default


# --------------------------------------------------------------------------------------------- hooks

def check_receive(case: Case, outcome: str | None) -> None:
    """Once deemed accepted (no correction notice in time), the intake can only be an acceptance."""
    if case.deemed_accepted and outcome in ("correct", "reject"):
        message = t("deemed_accepted_no_correction", date=case.received_on.isoformat())
        raise InvalidData(message, fields={"outcome": [message]})


def on_receive(case: Case, outcome: str | None, actor: str, drafts: list) -> None:
    today = china_today()
    if outcome == "accept":
        if case.accepted_on is None:
            case.accepted_on = today
        recompute(case, drafts)
    elif outcome == "correct":
        if case.correction_notice_on is None:
            case.correction_notice_on = today
        else:  # 第32条: one notice listing everything; a second notice is flagged for the supervisor
            drafts.append(RecordDraft(actor="engine", action="warning", payload={
                "warning": "second_correction_notice", "message": t("second_correction_notice", lang="zh"),
                "first_notice_on": case.correction_notice_on.isoformat()}))


def on_decided(case: Case, data: dict, drafts: list) -> None:
    case.decided_on = _date(data.get("decision_date"), china_today())
    recompute(case, drafts)


def on_published(case: Case, data: dict) -> None:
    case.published_on = _date(data.get("published_on"), china_today())


def recompute(case: Case, drafts: list | None = None) -> None:
    """Decision and publication due dates from the case's dates, pauses and extension."""
    cal = calendar()
    if case.accepted_on is not None:
        paused = 0
        for pause in db.session.scalars(select(ClockPause).where(ClockPause.case_id == case.id)):
            end = pause.end_on or max(china_today(), pause.start_on)
            paused += pause.paused_workdays if pause.end_on else paused_workdays(pause.start_on, end, cal)
        due = decision_due(case.accepted_on, case.item, case.extension_days, paused, cal)
        changed = due.date != case.decision_due
        case.decision_due, case.decision_due_confirmed, case.calendar_version = due.date, due.confirmed, due.calendar_version
        if changed and drafts is not None:
            drafts.append(RecordDraft(actor="engine", action="deadline_set", payload={
                "decision_due": due.date.isoformat(), "confirmed": due.confirmed, "calendar": due.calendar_version,
                "paused_workdays": paused, "extension_days": case.extension_days}))
        for task in db.session.scalars(select(TaskItem).where(TaskItem.case_id == case.id, TaskItem.state == "READY",
                                                              TaskItem.kind.not_in(OWN_DUE_KINDS))):
            task.due_at, task.due_confirmed = case.decision_due, case.decision_due_confirmed
    if case.decided_on is not None:
        case.publication_due = publication_due(case.decided_on, cal).date


# Tasks whose due date is their own rule, not the decision deadline (送达: 10 working days after the decision;
# the hearing's steps: app.hearing).
OWN_DUE_KINDS = ("legal_review", "receive", "deliver", "hearing_request", "hearing_arrange", "hearing_hold")


def assign_due_dates(case: Case, created: list[TaskItem], bundle, drafts: list) -> None:
    """Due dates of newly opened tasks: a duration declared on the task, the legal rule for intake and
    legal review, else the case's decision deadline."""
    cal = calendar()
    today = china_today()
    for task in created:
        meta = bundle.task_meta(task.process_id, task.name)
        if meta.due_workdays is not None:
            due = cal.add_workdays(today, meta.due_workdays)
        elif task.kind == "receive":
            due = correction_notice_due(case.received_on or today, cal) if case.correction_notice_on is None \
                else None
        elif task.kind == "legal_review":
            due = legal_review_due(today, False, cal)
            if case.decision_due and due.date > case.decision_due:
                drafts.append(RecordDraft(actor="engine", action="warning", task_id=task.id, task_name=task.name,
                                          payload={"warning": "legal_review_past_decision_due",
                                                   "message": t("legal_review_past_decision_due", lang="zh",
                                                                review=due.date.isoformat(),
                                                                decision=case.decision_due.isoformat())}))
        elif task.kind == "deliver" and case.decided_on:
            due = service_due(case.decided_on, cal)  # 行政许可法 第44条
        else:
            task.due_at, task.due_confirmed = case.decision_due, case.decision_due_confirmed
            continue
        task.due_at, task.due_confirmed = (due.date, due.confirmed) if due else (None, True)


def open_procedure_pause(case: Case, procedure: str, reason: str, notice_ref: str, start_on: dt.date,
                         actor: str, drafts: list) -> ClockPause:
    """A §45 pause opened by a step's record (the hearing), inside that step's transaction: not typed by
    anyone, so nothing but the record can move the due date."""
    pause = ClockPause(case_id=case.id, procedure=procedure, reason=reason, notice_ref=notice_ref,
                       start_on=start_on, created_by=actor)
    db.session.add(pause)
    db.session.flush()
    drafts.append(RecordDraft(actor="engine", action="clock_paused", payload={
        "procedure": procedure, "reason": reason, "notice_ref": notice_ref, "start_on": start_on.isoformat()}))
    recompute(case, drafts)
    return pause


def close_procedure_pause(case: Case, procedure: str, end_on: dt.date, actor: str, drafts: list) -> ClockPause | None:
    """End the open pause of ``procedure`` on ``end_on`` (the day the result — e.g. the 听证笔录 — is in)."""
    pause = db.session.scalar(select(ClockPause).where(ClockPause.case_id == case.id, ClockPause.procedure == procedure,
                                                       ClockPause.end_on.is_(None)))
    if pause is None:
        return None
    end = max(end_on, pause.start_on)
    pause.end_on, pause.ended_by = end, actor
    pause.paused_workdays = paused_workdays(pause.start_on, end)
    drafts.append(RecordDraft(actor="engine", action="clock_resumed", payload={
        "procedure": procedure, "start_on": pause.start_on.isoformat(), "end_on": end.isoformat(),
        "paused_workdays": pause.paused_workdays}))
    recompute(case, drafts)
    return pause


def case_pauses(case: Case) -> list[ClockPause]:
    """The case's §45 pauses, oldest first."""
    return list(db.session.scalars(select(ClockPause).where(ClockPause.case_id == case.id).order_by(ClockPause.id)))


# --------------------------------------------------------------------------------------------- actions


def _pause_roles() -> str:
    return f"{role_label('reviewer')}/{role_label('leader')}"

def _case_for_clock(user: User, case_no: str, roles: set[str], refusal: str, **params) -> Case:
    """The case, locked, once the user may see it and holds one of ``roles`` (both refusals recorded),
    and only while it runs."""
    case = lock_case_by_no(case_no)
    _check_actor(user, case, roles, refusal, **params)
    if case.status in TERMINAL_STATUSES:
        raise Conflict.of("case_not_running", status=case.status)
    return case


def _check_actor(user: User, case: Case, roles: set[str], refusal: str, **params) -> None:
    """Who may change a case's clock: someone who may see the case (app.cases.access) and holds the role
    the action needs. The case-access check comes first, so nothing of a case leaks to someone refused."""
    if not may_view_case(user, case):
        raise _refuse(user, case, "permission_denied")
    if not roles & user.roles:
        raise _refuse(user, case, refusal, **params)


def _refuse(user: User, case: Case, key: str, error_cls=Forbidden, **params):
    return refuse(error_cls, key, user, case.id, "clock", **params)


def _check_date(value: dt.date, earliest: dt.date, field: str) -> dt.date:
    """A date the user gives for the clock lies between ``earliest`` (acceptance, or the pause's start) and
    today: the clock cannot be moved for a period before it ran, nor for one that has not happened."""
    today = china_today()
    if not earliest <= value <= today:
        message = t("clock_date_out_of_range", earliest=earliest.isoformat(), today=today.isoformat())
        raise InvalidData(message, fields={field: [message]}, code="clock_date_out_of_range")
    return value


@action
def pause_clock(user: User, case_no: str, procedure: str, reason: str, notice_ref: str,
                start_on: dt.date | None = None) -> ClockPause:
    """第45条: hearing, tender, auction, inspection, testing, quarantine, appraisal or expert review, with
    the written notice to the applicant. Nothing else pauses the decision clock."""
    case = _case_for_clock(user, case_no, {"reviewer", "leader"}, "role_required", role=_pause_roles())
    errors = {}
    if procedure not in EXCLUDED_PROCEDURES:
        errors["procedure"] = [t("procedure_not_excluded")]
    elif procedure in AUTOMATIC_PROCEDURES:  # the hearing record pauses the clock itself (app.hearing)
        errors["procedure"] = [t("hearing_pause_automatic")]
    if not (reason or "").strip():
        errors["reason"] = [t("required")]
    if not (notice_ref or "").strip():
        errors["notice_ref"] = [t("pause_needs_notice")]
    if errors:
        raise InvalidData(next(iter(errors.values()))[0], fields=errors)
    if case.accepted_on is None:
        raise Conflict(t("clock_not_started"), code="clock_not_started")
    if db.session.scalar(select(ClockPause).where(ClockPause.case_id == case.id, ClockPause.end_on.is_(None))):
        raise Conflict(t("clock_already_paused"), code="clock_already_paused")
    start = _check_date(start_on or china_today(), case.accepted_on, "start_on")
    pause = ClockPause(case_id=case.id, procedure=procedure, reason=reason.strip(), notice_ref=notice_ref.strip(),
                       start_on=start, created_by=user.username)
    db.session.add(pause)
    drafts = [RecordDraft(actor=user.username, action="clock_paused", payload={
        "procedure": procedure, "reason": pause.reason, "notice_ref": pause.notice_ref,
        "start_on": pause.start_on.isoformat()})]
    db.session.flush()
    recompute(case, drafts)
    append_records(case, drafts)
    db.session.commit()
    return pause


@action
def resume_clock(user: User, case_no: str, end_on: dt.date | None = None) -> ClockPause:
    case = _case_for_clock(user, case_no, {"reviewer", "leader"}, "role_required", role=_pause_roles())
    pause = db.session.scalar(select(ClockPause).where(ClockPause.case_id == case.id, ClockPause.end_on.is_(None)))
    if pause is None:
        raise Conflict(t("clock_not_paused"), code="clock_not_paused")
    if pause.procedure in AUTOMATIC_PROCEDURES:
        raise Conflict(t("hearing_pause_automatic"), code="hearing_pause_automatic")
    end = _check_date(end_on or china_today(), pause.start_on, "end_on")
    pause.end_on, pause.ended_by = end, user.username
    pause.paused_workdays = paused_workdays(pause.start_on, end)
    drafts = [RecordDraft(actor=user.username, action="clock_resumed", payload={
        "procedure": pause.procedure, "start_on": pause.start_on.isoformat(), "end_on": end.isoformat(),
        "paused_workdays": pause.paused_workdays})]
    recompute(case, drafts)
    append_records(case, drafts)
    db.session.commit()
    return pause


@action
def extend_decision(user: User, case_no: str, reason: str, notice_ref: str,
                    government_approval_ref: str | None = None) -> Case:
    """第42条: once, +10 working days approved by the head of the bureau with written reasons to the
    applicant; joint handling: +15 with the approval of the government's head."""
    case = _case_for_clock(user, case_no, {"leader"}, "extension_needs_leader")
    if case.extension_days:
        raise _refuse(user, case, "extension_only_once", Conflict)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [t("required")]
    if not (notice_ref or "").strip():
        errors["notice_ref"] = [t("extension_needs_notice")]
    if case.item.joint_handling and not (government_approval_ref or "").strip():
        errors["government_approval_ref"] = [t("extension_needs_government")]
    if errors:
        raise InvalidData(next(iter(errors.values()))[0], fields=errors)
    if case.accepted_on is None:
        raise Conflict(t("clock_not_started"), code="clock_not_started")
    before = case.decision_due
    case.extension_days = extension_workdays(case.item)
    drafts = [RecordDraft(actor=user.username, role="leader", action="decision_extended", payload={
        "extension_workdays": case.extension_days, "reason": reason.strip(), "notice_ref": notice_ref.strip(),
        "government_approval_ref": government_approval_ref, "due_before": before.isoformat() if before else None})]
    recompute(case, drafts)
    append_records(case, drafts)
    db.session.commit()
    return case


@action
def extend_legal_review(user: User, task_id: str, reason: str, case_no: str | None = None) -> TaskItem:
    """Complex cases: +3 working days once, with the head's approval. ``case_no``, when the request names
    one (the case page's form), must be the task's case."""
    task = lock_task(task_id)
    case = task.case
    if case_no is not None and case.case_no != case_no:
        raise NotFound.of("not_found", what=task_id)
    _check_actor(user, case, {"leader"}, "extension_needs_leader")
    if task.kind != "legal_review" or task.state != "READY":
        raise Conflict.of("task_not_open", state=task.state)
    if task.due_extended:
        raise _refuse(user, case, "extension_only_once", Conflict)
    if not (reason or "").strip():
        raise InvalidData(t("required"), fields={"reason": [t("required")]})
    due = legal_review_due(china_date(task.created_at), True)
    task.due_at, task.due_confirmed, task.due_extended = due.date, due.confirmed, True
    drafts = [RecordDraft(actor=user.username, role="leader", action="legal_review_extended", task_id=task.id,
                          task_name=task.name, payload={"due": due.date.isoformat(), "reason": reason.strip()})]
    if case.decision_due and due.date > case.decision_due:
        drafts.append(RecordDraft(actor="engine", action="warning", task_id=task.id, task_name=task.name, payload={
            "warning": "legal_review_past_decision_due", "message": t(
                "legal_review_past_decision_due", lang="zh", review=due.date.isoformat(),
                decision=case.decision_due.isoformat())}))
    append_records(case, drafts)
    db.session.commit()
    return task


def recompute_open_cases(**_signal_kwargs) -> int:
    """After a calendar notice or closure: every open deadline again, with the new calendar."""
    count = 0
    for case in db.session.scalars(select(Case).where(Case.status.not_in(TERMINAL_STATUSES), Case.accepted_on.is_not(None))):
        drafts: list = []
        recompute(case, drafts)
        if drafts:
            append_records(case, drafts)
            count += 1
    db.session.commit()
    return count

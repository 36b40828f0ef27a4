"""The hearing sub-process's steps (bpmn/hearing.bpmn), registered with the case kernel: each validates its
date and person rules before the engine runs (a refusal changes nothing) and writes the hearing record after
it. The decision clock pauses from the request to the transcript (第45条) and ``hearing_held`` goes into the
process from the record, never from a form."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from app.cases import hooks
from app.cases.hooks import Step
from app.cases.models import Case, TaskItem
from app.core.clock import china_today
from app.core.errors import Conflict, InvalidData
from app.core.i18n import t
from app.core.vocabulary import declare_task_kind
from app.deadlines.service import close_procedure_pause, open_procedure_pause
from app.extensions import db
from app.hearing import rules
from app.hearing.models import Hearing
from app.legal_review.guard import case_reviewers
from app.users.lookup import display_names
from app.users.officers import uncertified

HEARING_KINDS = ("hearing_notice", "hearing_request", "hearing_arrange", "hearing_hold")
TIME_OF_DAY = re.compile(r"([01]\d|2[0-3]):[0-5]\d")  # the hearing's starting time, 24-hour clock


# ------------------------------------------------------------------------------------------ the record

def current_hearing(case_id: int) -> Hearing | None:
    """The case's latest hearing procedure."""
    return db.session.scalars(select(Hearing).where(Hearing.case_id == case_id)
                              .order_by(Hearing.id.desc()).limit(1)).first()


def hearing_held(case_id: int) -> bool:
    """Whether a hearing of this case was held: a transcript on record, nothing else."""
    return db.session.scalar(select(Hearing.id).where(Hearing.case_id == case_id, Hearing.state == "held")
                             .limit(1)) is not None


def _open_hearing(step: Step, states: tuple[str, ...]) -> Hearing:
    hearing = current_hearing(step.case.id)
    if hearing is None or hearing.state not in states:
        raise Conflict.of("hearing_no_record")
    return hearing


def _day(value) -> dt.date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _refuse(field: str, key: str, **params) -> InvalidData:
    message = t(key, **params)
    return InvalidData(message, fields={field: [message]}, code=key)


def _not_future(field: str, day: dt.date) -> None:
    today = china_today()
    if day > today:
        raise _refuse(field, "hearing_date_in_future", today=today.isoformat())


def _not_before(field: str, day: dt.date, earliest: dt.date | None, what: str) -> None:
    if earliest is not None and day < earliest:
        raise _refuse(field, "hearing_date_before", what=what, date=earliest.isoformat())


def _names(usernames) -> str:
    names = display_names(usernames)
    return "、".join(names.get(u, u) for u in usernames)


# ------------------------------------------------------------------------------------------ 告知听证权利

def _check_notice(step: Step) -> None:
    day = _day(step.data["notified_on"])
    _not_future("notified_on", day)
    _not_before("notified_on", day, step.case.accepted_on, t("hearing_accepted_on_label"))


def _notified(step: Step) -> None:
    day = _day(step.data["notified_on"])
    # The notice's number comes from the documents register: app.documents issues the 行政许可听证告知书 at this
    # step after this handler (app/__init__.py FEATURES) and hands its number back (notice_number_issued). A
    # diagram deployed before that still types it (notice_ref).
    typed = (step.data.get("notice_ref") or "").strip()
    hearing = Hearing(case_id=step.case.id, basis=step.data["hearing_basis"], notice_ref=typed,
                      notified_on=day, window_until=rules.request_window_until(day),
                      parties=step.data["parties"].strip(), state="notified", recusals=[])
    db.session.add(hearing)
    db.session.flush()
    step.record("hearing_notified", {"basis": hearing.basis, **({"notice_ref": typed} if typed else {}),
                                     "notified_on": day.isoformat(), "window_until": hearing.window_until.isoformat(),
                                     "parties": hearing.parties})


def notice_number_issued(case_id: int, number: str) -> None:
    """The 行政许可听证告知书 issued at 告知听证权利: the hearing record keeps its register number."""
    hearing = current_hearing(case_id)
    if hearing is not None and hearing.state == "notified":
        hearing.notice_ref = number


# ------------------------------------------------------------------------------------------ 听证申请

def _check_request(step: Step) -> None:
    hearing = _open_hearing(step, ("notified",))
    if step.data["hearing_request"] == "requested":
        day = _day(step.data["requested_on"])
        _not_future("requested_on", day)
        _not_before("requested_on", day, hearing.notified_on, t("hearing_notified_on_label"))
        if day > hearing.window_until:  # 第47条: 5 days from the notice; day 6 is too late
            raise _refuse("requested_on", "hearing_request_late", until=hearing.window_until.isoformat())
    elif china_today() <= hearing.window_until and not (step.data.get("waiver_ref") or "").strip():
        raise _refuse("waiver_ref", "hearing_window_open", until=hearing.window_until.isoformat())


def _requested(step: Step) -> None:
    hearing = _open_hearing(step, ("notified",))
    if step.data["hearing_request"] != "requested":
        hearing.state = "waived"
        step.record("hearing_waived", {"window_until": hearing.window_until.isoformat(),
                                       "waiver_ref": (step.data.get("waiver_ref") or "").strip() or None})
        return
    day = _day(step.data["requested_on"])
    hearing.state, hearing.requested_on = "requested", day
    hearing.request_ref, hearing.requested_by = step.data["request_ref"].strip(), step.data["requested_by"].strip()
    hearing.hold_by = rules.hold_by(day)
    step.record("hearing_requested", {"requested_on": day.isoformat(), "request_ref": hearing.request_ref,
                                      "requested_by": hearing.requested_by, "hold_by": hearing.hold_by.isoformat()})
    # 第45条: the hearing's time is not counted in the decision period — from the request to the transcript.
    open_procedure_pause(step.case, "hearing", t("hearing_pause_reason", lang="zh"), hearing.request_ref, day,
                         step.user.username, step.drafts)


# ------------------------------------------------------------------------------------------ 听证安排

def _check_arrangement(step: Step) -> None:
    hearing = _open_hearing(step, ("requested",))
    host = step.data["host"][0]
    scheduled, notified = _day(step.data["scheduled_on"]), _day(step.data["parties_notified_on"])
    reviewers = case_reviewers(step.case.id)
    if host in reviewers:  # 第48条: the host is not the officer who reviewed the application
        raise _refuse("host", "hearing_host_is_reviewer", names=_names([host]))
    if host in {r.get("host") for r in hearing.recusals if r.get("decision") == "granted"}:
        raise _refuse("host", "hearing_host_recused", names=_names([host]))
    if uncertified([host], scheduled):
        raise _refuse("host", "hearing_host_uncertified", date=scheduled.isoformat(), names=_names([host]))
    _not_future("parties_notified_on", notified)
    _not_before("parties_notified_on", notified, hearing.requested_on, t("hearing_requested_on_label"))
    if "scheduled_time" in step.data and not TIME_OF_DAY.fullmatch(str(step.data["scheduled_time"]).strip()):
        raise _refuse("scheduled_time", "hearing_time_invalid")
    earliest = rules.earliest_hearing(notified)
    if scheduled < earliest:
        raise _refuse("scheduled_on", "hearing_notice_too_short", notified=notified.isoformat(),
                      earliest=earliest.isoformat())


def _flag_late(step: Step, hearing: Hearing, day: dt.date) -> None:
    """第47条's 20 days passed: not refused (the hearing still has to take place) but flagged and recorded."""
    if hearing.hold_by and day > hearing.hold_by:
        hearing.late = True
        step.record("warning", {"warning": "hearing_late", "hold_by": hearing.hold_by.isoformat(),
                                "on": day.isoformat(),
                                "message": t("hearing_late", lang="zh", hold_by=hearing.hold_by.isoformat(),
                                             on=day.isoformat())}, by_engine=True, on_task=True)


def _arranged(step: Step) -> None:
    hearing = _open_hearing(step, ("requested",))
    hearing.host = step.data["host"][0]
    hearing.scheduled_on = _day(step.data["scheduled_on"])
    hearing.scheduled_time = (step.data.get("scheduled_time") or "").strip() or None
    hearing.place = step.data["place"].strip()
    hearing.parties_notified_on = _day(step.data["parties_notified_on"])
    step.record("hearing_arranged", {"host": hearing.host, "scheduled_on": hearing.scheduled_on.isoformat(),
                                     **({"scheduled_time": hearing.scheduled_time} if hearing.scheduled_time else {}),
                                     "place": hearing.place,
                                     "parties_notified_on": hearing.parties_notified_on.isoformat(),
                                     # typed only on diagrams deployed before the 听证通知书 was issued here
                                     **({"notice_ref": step.data["arrangement_ref"].strip()}
                                        if (step.data.get("arrangement_ref") or "").strip() else {})})
    _flag_late(step, hearing, hearing.scheduled_on)


# ------------------------------------------------------------------------------------------ 举行听证

def _check_hearing(step: Step) -> None:
    hearing = _open_hearing(step, ("requested",))
    if step.user.username != hearing.host:
        raise step.refuse(Conflict, "hearing_host_only")
    day = _day(step.data["held_on"])
    _not_future("held_on", day)
    earliest = rules.earliest_hearing(hearing.parties_notified_on)
    if day < earliest:
        raise _refuse("held_on", "hearing_notice_too_short", notified=hearing.parties_notified_on.isoformat(),
                      earliest=earliest.isoformat())
    granted = step.data.get("recusal_requested") is True and step.data.get("recusal_decision") == "granted"
    if step.data["hearing_outcome"] == "held":
        if granted:
            raise _refuse("hearing_outcome", "hearing_recusal_granted")
        if step.data.get("transcript_signed") is not True:  # 第48条: signed or sealed by the participants
            raise _refuse("transcript_signed", "hearing_transcript_unsigned")
        step.data["hearing_held"] = True  # into the process (and back to the calling one): from the record
    elif not granted:
        raise _refuse("hearing_outcome", "hearing_recusal_needed")


def _hearing_done(step: Step) -> None:
    hearing = _open_hearing(step, ("requested",))
    day = _day(step.data["held_on"])
    if step.data.get("recusal_requested") is True:
        recusal = {"host": hearing.host, "reason": (step.data.get("recusal_reason") or "").strip(),
                   "decision": step.data.get("recusal_decision"), "on": day.isoformat()}
        hearing.recusals = [*hearing.recusals, recusal]
        step.record("hearing_recusal", recusal)
    if step.data["hearing_outcome"] != "held":
        hearing.host = hearing.scheduled_on = hearing.place = hearing.parties_notified_on = None
        return
    hearing.state, hearing.held_on = "held", day
    hearing.transcript_ref = step.data["transcript_ref"].strip()
    step.record("hearing_held", {"held_on": day.isoformat(), "host": hearing.host,
                                 "transcript_ref": hearing.transcript_ref, "signed": True})
    _flag_late(step, hearing, day)
    close_procedure_pause(step.case, "hearing", day, step.user.username, step.drafts)
    _derive_fact(step.case, step)


def _derive_fact(case: Case, step: Step) -> None:
    """The case's fact ``hearing_held`` follows the record (a case decided after a hearing is major)."""
    before = case.facts.get("hearing_held")
    if before is not True:
        case.facts = {**case.facts, "hearing_held": True}
        case.facts_changed_at = step.now
        step.record("facts_changed", {"changes": {"hearing_held": {"from": before, "to": True}}}, by_engine=True)


def _hearing_held_from_record(step: Step) -> None:
    """审查 / 修改重报: the rule table's ``hearing_held`` is what the record says, whatever was posted."""
    step.data["hearing_held"] = hearing_held(step.case.id)


# ------------------------------------------------------------------------------------------ due dates, actors

def _due_dates(case: Case, created: list[TaskItem], bundle, drafts: list) -> None:
    hearing = None
    for task in created:
        if task.kind not in HEARING_KINDS[1:]:
            continue
        hearing = hearing or current_hearing(case.id)
        if hearing is None:
            continue
        due = hearing.window_until if task.kind == "hearing_request" else hearing.hold_by
        task.due_at, task.due_confirmed = due, True


def _only_the_host(task: TaskItem, username: str) -> str | None:
    if task.kind != "hearing_hold":
        return None
    hearing = current_hearing(task.case_id)
    return "hearing_host_only" if hearing is not None and hearing.host != username else None


def register() -> None:
    declare_task_kind("hearing_notice", "告知听证权利", "Notice of hearing rights", status="hearing",
                      status_zh="听证程序中", status_en="Hearing procedure")
    declare_task_kind("hearing_request", "听证申请登记", "Hearing request", status="hearing")
    declare_task_kind("hearing_arrange", "听证安排", "Arrange the hearing", status="hearing")
    declare_task_kind("hearing_hold", "举行听证", "Hold the hearing", status="hearing")
    hooks.register_task_kind("hearing_notice", validate=_check_notice, apply=_notified)
    hooks.register_task_kind("hearing_request", validate=_check_request, apply=_requested)
    hooks.register_task_kind("hearing_arrange", validate=_check_arrangement, apply=_arranged)
    hooks.register_task_kind("hearing_hold", validate=_check_hearing, apply=_hearing_done)
    hooks.register_task_kind("review", validate=_hearing_held_from_record)
    hooks.register_task_kind("amend", validate=_hearing_held_from_record)
    hooks.on_tasks_opened(_due_dates)
    hooks.register_actor_check(_only_the_host)


def register_timeline() -> None:
    """How the hearing's records read on the case page (the kernel's timeline)."""
    from flask_babel import gettext as _

    from app.cases.timeline import register_action_text
    texts = {
        "hearing_notified": lambda who, p: _("%(who)s 告知听证权利（%(ref)s），申请期限至 %(d)s", who=who,
                                             ref=p.get("notice_ref"), d=p.get("window_until")) if p.get("notice_ref")
        # the notice's number is in the document_issued record that follows
        else _("%(who)s 告知听证权利，申请期限至 %(d)s", who=who, d=p.get("window_until")),
        "hearing_waived": lambda who, p: _("申请期限内未申请听证或书面放弃"),
        "hearing_requested": lambda who, p: _("%(by)s 于 %(d)s 申请听证，须在 %(limit)s 前组织", by=p.get("requested_by"),
                                              d=p.get("requested_on"), limit=p.get("hold_by")),
        "hearing_arranged": lambda who, p: _("%(who)s 安排听证：%(d)s，%(place)s", who=who,
                                             d=" ".join(filter(None, (p.get("scheduled_on"), p.get("scheduled_time")))),
                                             place=p.get("place")),
        "hearing_recusal": lambda who, p: _("回避申请：%(d)s", d={"granted": _("成立"), "denied": _("不成立")}.get(
            p.get("decision"), p.get("decision"))),
        "hearing_held": lambda who, p: _("%(who)s 主持听证（%(d)s），听证笔录 %(ref)s 经参加人签字", who=who,
                                         d=p.get("held_on"), ref=p.get("transcript_ref")),
        "recording_interrupted": lambda who, p: _("%(who)s 记录了录音录像中断", who=who),
        "signed_as_acting": lambda who, p: _("%(who)s 代行主要负责人职责签批（%(ref)s）", who=who,
                                             ref=p.get("designation_ref")),
    }
    for action, text in texts.items():
        register_action_text(action, text)

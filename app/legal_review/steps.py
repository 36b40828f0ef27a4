"""The steps of the mandatory review of major decisions (重大执法决定法制审核): legal review rounds, the
professional committee and its signed conclusion, and the guard that keeps a major case from being
decided without them; separation of duties (办审分离) for the people who take these steps."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.cases import hooks
from app.cases.access import users_roles
from app.cases.hooks import Step
from app.core.clock import china_today
from app.core.errors import Conflict, Forbidden, InvalidData
from app.core.i18n import current_language, t
from app.core.roles import role_label
from app.core.vocabulary import declare_task_kind
from app.extensions import db
from app.legal_review.guard import decision_refusal, separation_refusal
from app.legal_review.models import CommitteeMeeting, LegalReviewRound
from app.users.lookup import display_names
from app.users.officers import uncertified
from app.users.principal import may_sign_major


def _uncertified_names(usernames, day) -> str | None:
    missing = uncertified(usernames, day)
    if not missing:
        return None
    names = display_names(missing)
    return "、".join(names.get(u, u) for u in missing)


def _check_review(step: Step) -> None:
    """The legal reviewer holds an enforcement certificate valid today (执法人员资格, 审核要点 1)."""
    today = china_today()
    if names := _uncertified_names([step.user.username], today):
        raise InvalidData(t("legal_reviewer_uncertified", date=today.isoformat(), names=names),
                          code="legal_reviewer_uncertified")
    if step.data.get("outcome") == "approve":
        failed = [k for k, v in (step.data.get("checklist") or {}).items() if v.get("result") == "fail"]
        if failed:
            raise InvalidData(t("approve_with_failed_items"), fields={"outcome": [t("approve_with_failed_items")]})


def _review_round(step: Step) -> None:
    case, data = step.case, step.data
    round_no = 1 + (db.session.scalar(select(func.max(LegalReviewRound.round_no))
                                      .where(LegalReviewRound.case_id == case.id)) or 0)
    db.session.add(LegalReviewRound(case_id=case.id, round_no=round_no, task_id=step.task.id,
                                    reviewer=step.user.username, checklist=data["checklist"],
                                    outcome=data["outcome"], opinion=data["opinion"], completed_at=step.now))
    step.record("legal_review_round", {"round": round_no, "outcome": data["outcome"]})


def _check_committee(step: Step) -> None:
    if step.data.get("conclusion") == "pass" and step.data.get("quorum_met") is not True:
        message = t("committee_pass_needs_quorum")
        raise InvalidData(message, fields={"quorum_met": [message], "conclusion": [message]},
                          code="committee_pass_needs_quorum")
    attendees = step.data.get("attendees") or []
    roles_of = users_roles(attendees)
    if not any("legal" in roles for roles in roles_of.values()):
        message = t("must_include_role", role=role_label("legal"))
        raise InvalidData(message, fields={"attendees": [message]})
    day = step.data.get("meeting_date")
    day = dt.date.fromisoformat(str(day)) if day else china_today()
    legal = [u for u in attendees if "legal" in roles_of.get(u, ())]
    if names := _uncertified_names(legal, day):  # every legal attendee, not just one of them
        message = t("legal_attendee_uncertified", date=day.isoformat(), names=names)
        raise InvalidData(message, fields={"attendees": [message]}, code="legal_attendee_uncertified")


def _meeting(step: Step) -> None:
    case, data = step.case, step.data
    attendees = data["attendees"]
    legal = sorted(u for u, roles in users_roles(attendees).items() if "legal" in roles)
    meeting_no = 1 + (db.session.scalar(select(func.max(CommitteeMeeting.meeting_no))
                                        .where(CommitteeMeeting.case_id == case.id)) or 0)
    db.session.add(CommitteeMeeting(
        case_id=case.id, meeting_no=meeting_no, task_id=step.task.id, secretary=step.user.username,
        meeting_date=data.get("meeting_date"), attendees=attendees, legal_attendees=legal,
        quorum_met=bool(data.get("quorum_met")), minutes=data.get("minutes", ""),
        conclusion=data["conclusion"], recorded_at=step.now))
    step.record("committee_meeting", {"meeting": meeting_no, "conclusion": data["conclusion"],
                                      "legal_attendees": legal})


def _check_signature(step: Step) -> None:
    if step.data.get("signed") is not True:
        raise InvalidData(t("required"), fields={"signed": [t("required")]})
    _principal_signs(step)


def _principal_signs(step: Step) -> None:
    """The plan names the principal head (主要负责人) as the one who signs major decisions and the committee's
    conclusions; a deputy only while designated acting. Refused (and the attempt recorded) otherwise."""
    if step.kind == "decide" and not step.case.is_major:
        return
    if not may_sign_major(step.user, china_today()):
        raise step.refuse(Forbidden, "principal_head_required")


def _signed_as_acting(step: Step) -> None:
    user = step.user
    if (step.kind == "sign_conclusion" or step.case.is_major) and not user.principal_head:
        step.record("signed_as_acting", {"acting_until": user.acting_principal_until.isoformat(),
                                         "designation_ref": user.acting_principal_ref})


def _signed(step: Step) -> None:
    meeting = db.session.scalars(select(CommitteeMeeting).where(CommitteeMeeting.case_id == step.case.id)
                                 .order_by(CommitteeMeeting.meeting_no.desc()).limit(1)).first()
    if meeting is not None:
        meeting.signed_by, meeting.signed_at, meeting.sign_opinion = step.user.username, step.now, \
            step.data.get("sign_opinion")
        step.record("committee_conclusion_signed", {"meeting": meeting.meeting_no, "conclusion": meeting.conclusion})


def _guard_decision(step: Step) -> None:
    refusal = decision_refusal(step.case)
    if refusal:
        raise step.refuse(Conflict, refusal)
    # A major decision is the proposal the legal review approved and the committee passed (the guard above
    # holds both to the current facts, of which the proposal is one); another one goes back through them.
    proposal = (step.case.facts or {}).get("proposal")
    decision = step.data.get("decision")
    if step.case.is_major and proposal and decision and decision != proposal:
        form = step.meta.form.by_name.get("decision") if step.meta and step.meta.form else None
        english = current_language() == "en"
        labels = {o.value: (o.label_en if english and o.label_en else o.label) for o in (form.options if form else ())}
        raise step.refuse(InvalidData, "decision_differs_from_reviewed", decision=labels.get(decision, decision),
                          proposal=labels.get(proposal, proposal))


def register() -> None:
    declare_task_kind("legal_review", "法制审核", "Legal review", status="legal_review",
                      status_zh="法制审核中", status_en="Legal review")
    declare_task_kind("counsel", "法律顾问意见", "Legal counsel's opinion", status="counsel_opinion",
                      status_zh="法律顾问意见", status_en="Legal counsel")
    declare_task_kind("committee", "专业审查委员会审议", "Committee review", status="committee_review",
                      status_zh="专业审查委员会审议", status_en="Committee review")
    declare_task_kind("sign_conclusion", "签发审查结论", "Sign the conclusion", status="committee_review")
    hooks.register_actor_check(separation_refusal)
    hooks.register_task_kind("legal_review", validate=_check_review, apply=_review_round)
    hooks.register_task_kind("committee", validate=_check_committee, apply=_meeting)
    hooks.register_task_kind("sign_conclusion", validate=_check_signature, apply=_signed)
    hooks.register_task_kind("sign_conclusion", apply=_signed_as_acting)
    hooks.register_task_kind("decide", validate=_guard_decision)
    hooks.register_task_kind("decide", validate=_principal_signs, apply=_signed_as_acting)

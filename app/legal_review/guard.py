"""Rules enforced by the engine itself, independently of what the diagram says.

1. Mandatory review (重大执法决定法制审核): a major case cannot be decided unless its latest legal-review
   round approved it and a signed committee conclusion "pass" with a legal-staff attendee exists, both
   after the last change of the facts.
2. Separation of duties (办审分离): the legal reviewer and the signing leader must not be the case's
   reviewer.
"""
from __future__ import annotations

from sqlalchemy import select

from app.cases.models import Case, TaskItem
from app.extensions import db
from app.legal_review.models import CommitteeMeeting, LegalReviewRound

REVIEW_KINDS = ("review", "amend")
# Task kind -> message key when the actor also reviewed the case.
SEPARATED_KINDS = {"legal_review": "sod_legal_is_reviewer", "decide": "sod_leader_is_reviewer",
                   "sign_conclusion": "sod_leader_is_reviewer"}


def decision_refusal(case: Case) -> str | None:
    """The message key that forbids deciding this case now, or None when the decision may be made."""
    if not case.is_major:
        return None
    latest = db.session.scalars(select(LegalReviewRound).where(LegalReviewRound.case_id == case.id)
                                .order_by(LegalReviewRound.round_no.desc()).limit(1)).first()
    if latest is None or latest.outcome != "approve":
        return "guard_no_legal_review"
    if case.facts_changed_at and latest.completed_at <= case.facts_changed_at:
        return "guard_legal_review_stale"
    meeting = db.session.scalars(
        select(CommitteeMeeting).where(CommitteeMeeting.case_id == case.id, CommitteeMeeting.conclusion == "pass",
                                       CommitteeMeeting.quorum_met.is_(True), CommitteeMeeting.signed_by.is_not(None))
        .order_by(CommitteeMeeting.meeting_no.desc()).limit(1)).first()
    if meeting is None or not meeting.legal_attendees:
        return "guard_no_committee"
    if case.facts_changed_at and meeting.recorded_at <= case.facts_changed_at:
        return "guard_committee_stale"
    return None


def case_reviewers(case_id: int) -> set[str]:
    return set(db.session.scalars(select(TaskItem.completed_by).where(
        TaskItem.case_id == case_id, TaskItem.kind.in_(REVIEW_KINDS), TaskItem.state == "COMPLETED")))


def separation_refusal(task: TaskItem, username: str) -> str | None:
    """The message key that forbids ``username`` to take this task, or None."""
    key = SEPARATED_KINDS.get(task.kind or "")
    if key and username in case_reviewers(task.case_id):
        return key
    return None

"""Withdrawing an application (撤回申请).

The applicant may withdraw the application until the decision is made (行政许可法 第三十二条 treats the
application as the applicant's; the bureau's plan, domain.md §10: a written request, recorded with its
reference and date). A clerk records it: the engine's instance is cancelled (every open task, timer and called
process ends), the task rows are cancelled with it, the status becomes ``withdrawn`` (a terminal status) and
a ``case_withdrawn`` record — the 撤回 record the annual report counts — joins the case's hash chain, all in
one transaction. After the decision there is nothing left to withdraw: 409.
"""
from __future__ import annotations

import datetime as dt

from app.cases.access import may_view_case
from app.cases.actions import action, check_case_open, lock_case_by_no, refuse
from app.cases.models import Case
from app.cases.sync import persist_run, transition_drafts
from app.core.clock import china_date, china_today
from app.core.errors import Conflict, Forbidden, InvalidData
from app.core.i18n import t
from app.core.roles import role_label
from app.core.vocabulary import TERMINAL_STATUSES, CaseStatus, status_label
from app.definitions.service import get_bundle
from app.engine.workflow import CaseWorkflow
from app.extensions import db
from app.records import RecordDraft
from app.users.models import User

ROLE = "clerk"
WITHDRAWN_ACTION = "case_withdrawn"


def _text(value: str | None, field_name: str, missing_key: str, max_len: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidData(t(missing_key), fields={field_name: [t(missing_key)]}, code=missing_key)
    if len(text) > max_len:
        message = t("too_long", max=max_len)
        raise InvalidData(message, fields={field_name: [message]})
    return text


def _request_date(value: dt.date | None, case: Case) -> dt.date:
    today = china_today()
    day = value or today
    if day > today:
        raise InvalidData(t("withdrawal_date_future"), fields={"request_date": [t("withdrawal_date_future")]},
                          code="withdrawal_date_future")
    received = case.received_on or china_date(case.created_at)
    if received is not None and day < received:
        message = t("withdrawal_date_before_case", date=received.isoformat())
        raise InvalidData(message, fields={"request_date": [message]}, code="withdrawal_date_before_case")
    return day


@action
def withdraw_case(user: User, case_no: str, reason: str, request_ref: str,
                  request_date: dt.date | None = None) -> Case:
    """Withdraw the case at the applicant's written request ``request_ref`` of ``request_date`` (default
    today, China time). Refusals change nothing."""
    if not user.has_role(ROLE):
        raise Forbidden.of("role_required", role=role_label(ROLE))
    reason = _text(reason, "reason", "reason_required", 2000)
    request_ref = _text(request_ref, "request_ref", "withdrawal_ref_required", 100)
    case = lock_case_by_no(case_no)
    if not may_view_case(user, case):
        raise refuse(Forbidden, "permission_denied", user, case.id, "withdraw")
    if case.status == CaseStatus.WITHDRAWN:
        raise Conflict.of("case_already_withdrawn")
    check_case_open(case)
    if case.decided_on is not None:
        raise refuse(Conflict, "case_already_decided", user, case.id, "withdraw", date=case.decided_on.isoformat())
    if case.status in TERMINAL_STATUSES:
        raise Conflict.of("case_not_running", status=status_label(case.status))
    day = _request_date(request_date, case)

    workflow = CaseWorkflow.load(get_bundle(case.bundle), case.process_key, case.state)
    open_before = sorted(workflow.ready_user_tasks())
    run = workflow.cancel()
    drafts = [RecordDraft(actor=user.username, role=ROLE, action=WITHDRAWN_ACTION, payload={
        "reason": reason, "request_ref": request_ref, "request_date": day.isoformat(),
        "open_tasks": open_before, "status_before": case.status})] + transition_drafts(run)
    persist_run(case, workflow, run.ready_before, drafts, final_status=CaseStatus.WITHDRAWN)
    case.next_timer_at = None  # nothing waits any more
    db.session.commit()
    return case

"""What the licence register adds to a case's steps: at registration, an application on a licence is checked
against the register (``lifecycle.check_application``); at a grant of an item that issues a licence, the
licence is registered, and a decision on a licence changes, renews, cancels or revokes it. The licence's
number and term are handed on to the steps after (the decision document, the 双公示 record) as
``step.outputs``."""
from __future__ import annotations

import datetime as dt

from app.cases import hooks
from app.cases.hooks import Step
from app.core.clock import china_date, china_today
from app.core.errors import InvalidData
from app.core.i18n import t
from app.core.vocabulary import declare_task_kind
from app.licences import lifecycle
from app.licences.register import register_grant

ISSUE = "issue"


def _decided(step: Step) -> None:
    if step.case.item.licence_procedure == ISSUE:
        if step.data.get("decision") != "grant":
            return
        licence, serial = register_grant(step.case, step.data, step.user.username, step.drafts)
        step.outputs.update({"licence_no": licence.number, "licence_serial": serial, "licence_name": licence.licence_name,
                             "licence_scope": licence.scope, "valid_from": licence.valid_from,
                             "valid_until": licence.valid_until})
    else:
        lifecycle.apply_decision(step.case, step.data, step.user.username, step.drafts, step.outputs)


def _check_notice(step: Step) -> None:
    """The notice was served on a real day: not in the future, not before the case was opened."""
    served = step.data.get("notified_on")
    if not served:
        return
    day = served if isinstance(served, dt.date) else dt.date.fromisoformat(str(served))
    opened = china_date(step.case.created_at)
    if day > china_today() or (opened is not None and day < opened):
        message = t("notice_date_out_of_range", opened=opened.isoformat() if opened else "")
        raise InvalidData(message, fields={"notified_on": [message]}, code="notice_date_out_of_range")


def _inquired(step: Step) -> None:
    lifecycle.record_ground(step.case, step.data)


def register() -> None:
    # The notice of the right to state one's case and to request a hearing before a licence is revoked
    # (行政许可法 第三十六条、第四十七条); the hearing itself is a sub-process of its own.
    declare_task_kind("hearing_rights_notice", "告知听证权利", "Notice of hearing rights",
                      status="hearing_notice",
                      status_zh="待告知听证权利", status_en="Awaiting notice of hearing rights")
    hooks.on_case_created(lifecycle.check_application)
    hooks.register_task_kind("decide", apply=_decided)
    hooks.register_task_kind("review", apply=_inquired)
    hooks.register_task_kind("hearing_rights_notice", validate=_check_notice)

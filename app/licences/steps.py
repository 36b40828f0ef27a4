"""What the licence register adds to a case's steps: at a grant of an item that issues a licence, the
licence is registered (its number handed on to the steps after, e.g. the decision document and the 双公示
record, as ``step.outputs``)."""
from __future__ import annotations

from app.cases import hooks
from app.cases.hooks import Step
from app.licences.register import register_grant

ISSUE = "issue"


def _granted(step: Step) -> None:
    if step.data.get("decision") != "grant" or step.case.item.licence_procedure != ISSUE:
        return
    licence = register_grant(step.case, step.data, step.user.username, step.drafts)
    step.outputs.update({"licence_no": licence.number, "licence_name": licence.licence_name,
                         "licence_scope": licence.scope, "valid_from": licence.valid_from,
                         "valid_until": licence.valid_until})


def register() -> None:
    hooks.register_task_kind("decide", apply=_granted)

"""审查 / 修改重报 change the case's facts (recorded, so a legal review before them is stale); 现场核查 needs
officers holding an enforcement certificate valid on the day."""
from __future__ import annotations

import datetime as dt

from app.cases import hooks
from app.cases.hooks import Step
from app.core.clock import china_today
from app.core.errors import InvalidData
from app.core.i18n import t
from app.core.vocabulary import declare_task_kind
from app.users.lookup import display_names
from app.users.officers import uncertified

# The facts a reviewer may settle; a change to any of them is a record and makes earlier reviews stale.
FACT_KEYS = ("category", "investment", "public_concern", "safety_impact", "hearing_held", "complex", "proposal")


def _facts_settled(step: Step) -> None:
    case = step.case
    changes = {k: {"from": case.facts.get(k), "to": step.data[k]} for k in FACT_KEYS
               if step.data.get(k) is not None and case.facts.get(k) != step.data[k]}
    if changes:
        case.facts = {**case.facts, **{k: v["to"] for k, v in changes.items()}}
        case.facts_changed_at = step.now
        step.record("facts_changed", {"changes": changes})


def _refuse(field: str, key: str, **params) -> InvalidData:
    message = t(key, **params)
    return InvalidData(message, fields={field: [message]}, code=key)


def _check_officers(step: Step) -> None:
    """行政许可法 第34条 and the plan: two or more distinct officers, who showed their enforcement certificates,
    on a day that has happened, each holding a certificate valid on that day."""
    officers, day = step.data.get("officers"), step.data.get("check_date")
    if not officers or not day:
        return
    if len(set(officers)) != len(officers) or len(set(officers)) < 2:
        raise _refuse("officers", "officers_not_distinct")
    if step.data.get("identity_shown") is not True:  # 出示执法证件、表明身份
        raise _refuse("identity_shown", "identity_not_shown")
    day = dt.date.fromisoformat(str(day))
    if day > china_today():
        raise _refuse("check_date", "check_date_in_future", today=china_today().isoformat())
    missing = uncertified(officers, day)
    if missing:
        names = display_names(missing)
        message = t("officer_certificate_invalid", date=day.isoformat(), names="、".join(names.get(u, u) for u in missing))
        raise InvalidData(message, fields={"officers": [message]})


def register() -> None:
    declare_task_kind("review", "审查", "Review", status="reviewing", status_zh="审查中", status_en="Under review")
    declare_task_kind("amend", "修改重报", "Amend and resubmit", status="amending", status_zh="修改重报中",
                      status_en="Being amended")
    declare_task_kind("onsite_check", "现场核查", "On-site check", status="onsite_checking",
                      status_zh="现场核查中", status_en="On-site check")
    hooks.register_task_kind("review", apply=_facts_settled)
    hooks.register_task_kind("amend", apply=_facts_settled)
    hooks.register_task_kind("onsite_check", validate=_check_officers)

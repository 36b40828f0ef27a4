"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "case_already_withdrawn": _l("申请已撤回"),
    "case_already_decided": _l("已作出许可决定（{date}），不能再撤回申请"),
    "withdrawal_ref_required": _l("请填写申请人书面撤回申请的文号或编号"),
    "withdrawal_date_future": _l("撤回申请的日期不能晚于今天"),
    "withdrawal_date_before_case": _l("撤回申请的日期不能早于收件日期（{date}）"),
}


def describe_withdrawal(who: str, payload: dict) -> str:
    """The case timeline's sentence for the 撤回 record."""
    return _("%(who)s 依申请人书面申请（%(ref)s，%(date)s）撤回了申请", who=who, ref=payload.get("request_ref"),
             date=payload.get("request_date"))

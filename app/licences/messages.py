"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "licence_unknown": _l("许可证编号 {number} 不存在"),
    "licence_no_required": _l("请填写申请变更、延续或注销的许可证编号"),
    "licence_wrong_item": _l("许可证 {number} 是“{item}”的许可证，不能在本事项下办理"),
    "licence_not_in_force": _l("许可证 {number} 已不在有效状态（{status}）"),
    "licence_other_holder": _l("许可证 {number} 的持证人不是本申请人"),
    "licence_has_no_term": _l("许可证 {number} 长期有效，无需延续"),
    "renewal_too_late": _l("许可证有效期至 {until}，延续申请应当在届满 {days} 日前（最迟 {last}）提出，已逾期"),
    "change_scope_required": _l("请填写变更后的许可范围"),
    "notice_date_out_of_range": _l("告知书送达日期不能晚于今天，也不能早于立案日期（{opened}）"),
    "licence_case_pending": _l("许可证 {number} 已有在办的申请（{case_no}），办结前不能再次申请"),
}

"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import gettext as _
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


def timeline_sentences() -> dict:
    """The case timeline's sentence for each licence record (``licence_<event>``)."""
    def said(text):
        return lambda who, p: text(who, p.get("licence_no"), p)
    return {
        "licence_granted": said(lambda who, no, p: _("登记许可证 %(no)s（有效期至 %(until)s）", no=no,
                                                     until=p.get("valid_until") or _("长期"))),
        "licence_redecided": said(lambda who, no, p: _("重新作出决定，更新许可证 %(no)s", no=no)),
        "licence_applied": said(lambda who, no, p: _("本申请涉及许可证 %(no)s", no=no)),
        "licence_changed": said(lambda who, no, p: _("许可证 %(no)s 已变更", no=no)),
        "licence_renewed": said(lambda who, no, p: _("许可证 %(no)s 已延续至 %(until)s", no=no,
                                                     until=p.get("valid_until"))),
        "licence_deemed_renewed": said(lambda who, no, p: _("延续申请逾期未决定，许可证 %(no)s 视为准予延续至 %(until)s",
                                                            no=no, until=p.get("valid_until"))),
        "licence_cancelled": said(lambda who, no, p: _("许可证 %(no)s 已注销", no=no)),
        "licence_revoked": said(lambda who, no, p: _("许可证 %(no)s 已撤销（撤回）", no=no)),
    }

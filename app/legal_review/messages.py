"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "principal_head_required": _l("重大执法决定和专业审查委员会结论须由主要负责人签批；其他负责人须经指定代行主要负责人职责"),
    "legal_reviewer_uncertified": _l("法制审核人员须持有效的行政执法证件：{names} 的证件在 {date} 已失效或没有证件"),
    "legal_attendee_uncertified": _l("参会的法制机构人员须持有会议当日（{date}）有效的行政执法证件：{names}"),
    "approve_with_failed_items": _l("存在不通过的审核要点，不能作出“同意”结论"),
    "guard_no_legal_review": _l("重大执法决定未经法制审核或审核未通过，不得作出决定"),
    "guard_legal_review_stale": _l("案件事实在法制审核通过后发生变更，须重新法制审核"),
    "guard_no_committee": _l("重大执法决定须经专业审查委员会审议通过（且有法制机构人员参会、结论已签发），方可作出决定"),
    "guard_committee_stale": _l("案件事实在委员会审议后发生变更，须重新审议"),
    "sod_legal_is_reviewer": _l("法制审核人员不得是本案的审查人员（办审分离）"),
    "sod_leader_is_reviewer": _l("签发决定的领导不得是本案的审查人员"),
    "decision_differs_from_reviewed": _l("决定（{decision}）与法制审核同意、专业审查委员会审议通过的拟处理意见（{proposal}）"
                                         "不一致：作出不同的决定，须修改拟处理意见（修改重报）并重新经法制审核和委员会审议"),
    "committee_pass_needs_quorum": _l("未达到法定人数的会议不能作出“审议通过”的结论"),
}

"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "deemed_accepted_no_correction": _l("未在法定期限内一次性告知补正，自收到材料之日（{date}）起即为受理，不得再要求补正或不予受理"),
    "second_correction_notice": _l("再次发出补正通知：第32条要求一次告知需要补正的全部内容"),
    "legal_review_past_decision_due": _l("法制审核期限（{review}）晚于决定期限（{decision}），审核须在决定期限内完成"),
    "procedure_not_excluded": _l("只有听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审所需时间不计入期限"),
    "hearing_pause_automatic": _l("听证时间由听证程序的记录自动扣除（听证申请之日起至听证笔录形成之日），不能手工中止"),
    "pause_needs_notice": _l("须填写书面告知申请人所需时间的文书编号"),
    "clock_not_started": _l("案件尚未受理，办理期限尚未起算"),
    "clock_already_paused": _l("期限已在中止中，请先恢复"),
    "clock_not_paused": _l("期限未中止"),
    "clock_date_out_of_range": _l("日期须在 {earliest} 至今天（{today}）之间"),
    "extension_needs_leader": _l("延长期限须经本机关负责人批准"),
    "extension_only_once": _l("办理期限只能延长一次"),
    "extension_needs_notice": _l("须将延长期限的理由书面告知申请人（填写文书编号）"),
    "extension_needs_government": _l("联合办理事项延长15日须经本级人民政府负责人批准（填写批准文号）"),
}

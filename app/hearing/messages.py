"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "hearing_date_in_future": _l("日期不能晚于今天（{today}）"),
    "hearing_date_before": _l("日期不能早于{what}（{date}）"),
    "hearing_no_record": _l("本案没有待办的听证记录"),
    "hearing_request_late": _l("听证申请期限已于 {until} 届满（告知之日起5个工作日），逾期申请不予受理"),
    "hearing_window_open": _l("听证申请期限至 {until} 届满；期限内放弃听证的，须填写书面放弃声明编号"),
    "hearing_host_is_reviewer": _l("听证主持人不得是审查该行政许可申请的工作人员（第48条）：{names}"),
    "hearing_host_recused": _l("{names} 已被决定回避，不能主持本次听证"),
    "hearing_host_uncertified": _l("听证主持人在听证日（{date}）没有有效的行政执法证件：{names}"),
    "hearing_notice_too_short": _l("听证时间、地点须于举行听证7个工作日前通知申请人、利害关系人：{notified} 通知的，最早于 {earliest} 举行"),
    "hearing_time_invalid": _l("听证开始时间须为24小时制的“时:分”，例如 09:30"),
    "hearing_host_only": _l("只有本次听证的主持人可以记录听证"),
    "hearing_transcript_unsigned": _l("听证笔录须交听证参加人确认无误后签字或者盖章（第48条）"),
    "hearing_recusal_granted": _l("回避申请成立的，本次听证不能由该主持人举行，请选择“主持人回避，重新安排”"),
    "hearing_recusal_needed": _l("只有回避申请成立时才能重新安排主持人"),
    "hearing_late": _l("听证未在申请之日起20个工作日内组织（期限 {hold_by}，实际 {on}）"),
    "hearing_pause_reason": _l("听证（第45条：听证所需时间不计入许可期限）"),
    "hearing_accepted_on_label": _l("受理日期"),
    "hearing_notified_on_label": _l("听证权利告知日期"),
    "hearing_requested_on_label": _l("听证申请日期"),
}

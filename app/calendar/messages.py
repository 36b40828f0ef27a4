"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "calendar_admin_required": _l("需要系统管理员角色（{user}）"),
    "invalid_notice": _l("节假日安排通知格式不正确"),
    "notice_outside_year": _l("不在 {year} 年内"),
    "notice_to_before_from": _l("结束日早于开始日"),
    "notice_overlap": _l("{day} 与第 {other} 项重叠"),
    "notice_not_weekend": _l("{day} 不是周六或周日"),
    "notice_also_holiday": _l("{day} 同时列为节假日"),
    "notice_listed_twice": _l("{day} 重复"),
    "closure_note_required": _l("请说明停止办公的原因"),
    "not_a_workday": _l("{day} 已是休息日"),
}

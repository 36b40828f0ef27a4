"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "sign_in_locked": _l("登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试，或请系统管理员解锁"),
    "password_too_short": _l("密码至少 {min} 个字符"),
    "password_contains_username": _l("密码不能包含用户名"),
    "password_too_common": _l("密码过于常见或容易猜到：请换一个更长、不常见的密码（例如几个不相关的词组合）"),
    "current_password_wrong": _l("当前密码不正确"),
    "password_unchanged": _l("新密码不能与当前密码相同"),
    "username_format": _l("用户名须为 2–64 个字符，只能包含小写字母、数字和 . _ -"),
    "username_taken": _l("用户名已存在：{value}"),
    "cannot_remove_own_admin": _l("不能取消自己的系统管理员角色"),
    "cannot_disable_self": _l("不能停用自己的账户"),
    "already_enabled": _l("账户已是启用状态"),
    "already_disabled": _l("账户已停用"),
    "principal_must_be_leader": _l("主要负责人或代行职责的负责人须是在职的局领导"),
    "already_principal": _l("该用户已是主要负责人"),
    "acting_until_past": _l("代行职责的截止日期不能早于今天（{today}）"),
    "acting_needs_ref": _l("须填写指定代行主要负责人职责的文件编号"),
    "not_acting": _l("该用户未被指定代行主要负责人职责"),
}

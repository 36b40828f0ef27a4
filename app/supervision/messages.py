"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "case_already_suspended": _l("案件已处于中止状态"),
    "case_not_suspended": _l("案件未被中止，无需恢复"),
    "already_assigned": _l("任务已由 {user} 办理"),
    "nothing_to_retry": _l("案件没有需要重试的流程错误"),
}

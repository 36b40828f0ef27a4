"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "case_already_archived": _l("案件 {case_no} 已归档封存"),
    "case_not_finished": _l("案件尚未办结，不能归档（状态：{status}）"),
    "archive_failed": _l("案卷封存失败：{detail}"),
    "archive_export_failed": _l("案卷导出失败：{detail}"),
}

"""The inbox's notices, by kind (English in the translation catalogue)."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "inbox_new_task": _l("新任务待认领：{case_no}“{step}”"),
    "inbox_reassigned_to": _l("{by} 将 {case_no}“{step}”改派给您"),
    "inbox_reassigned_away": _l("{by} 将 {case_no}“{step}”改派给 {to}，您不再办理"),
    "inbox_returned": _l("案件 {case_no} 退回给您：“{step}”"),
    "inbox_due_soon": _l("{case_no}“{step}”将于 {due} 到期（剩 {days} 个工作日）"),
}

"""Messages of the kernel not shared by every package (those are in app.core.messages), by code; the
English is in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "invalid_form_data": _l("表单数据有误：{field}"),
    "state_secret_withheld": _l("（涉密案件，不在列表中显示）"),
    "grant_needs_leader": _l("涉密案件的知悉授权须由局领导批准"),
    "grant_not_state_secret": _l("只有国家秘密案件需要知悉授权"),
    "grant_only_supervisors": _l("知悉授权只授予监督人员（其他人员通过办理任务知悉案件）：{value}"),
    "grant_exists": _l("{value} 已获授权"),
    "grant_not_found": _l("{value} 没有有效的知悉授权"),
}

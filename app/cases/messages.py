"""Messages of the kernel not shared by every package (those are in app.core.messages), by code; the
English is in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "invalid_form_data": _l("表单数据有误：{field}"),
}

"""Messages of the Idempotency-Key check, by code; the English is in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "idempotency_key_invalid": _l("Idempotency-Key 须为 1 至 200 个可打印的 ASCII 字符"),
    "idempotency_key_reused": _l("该 Idempotency-Key 已用于另一个请求，请为新请求使用新的键"),
    "idempotency_key_in_progress": _l("使用该 Idempotency-Key 的请求正在处理中，请稍后重试"),
}

"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "service_date_before_decision": _l("送达日期不能早于决定日期（{decided}）"),
    "service_date_in_future": _l("送达日期不能晚于今天（{today}）"),
    "service_receipt_missing": _l("{method}须在本环节上传受送达人签收的送达回证（邮寄送达上传邮件回执）"),
    "service_av_or_reason": _l("{method}须在本环节上传录音录像，或者写明送达的理由和经过"),
}

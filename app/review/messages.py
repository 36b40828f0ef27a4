"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "officer_certificate_invalid": _l("以下人员在核查日（{date}）没有有效的行政执法证件，不能参加现场核查：{names}"),
}

"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "officers_not_distinct": _l("现场核查须由两名以上不同的执法人员进行，同一人不能重复计算"),
    "identity_not_shown": _l("执法人员须出示执法证件、表明身份后方可核查"),
    "check_date_in_future": _l("核查日期不能晚于今天（{today}）"),
    "officer_certificate_invalid": _l("以下人员在核查日（{date}）没有有效的行政执法证件，不能参加现场核查：{names}"),
}

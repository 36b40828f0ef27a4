"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "annual_bad_year": _l("年度须为 2000–2100 之间的整数"),
    "annual_not_found": _l("{year} 年度统计年报尚未发布（或无此版本）"),
    "annual_narrative_required": _l("发布前须填写行政执法情况说明"),
    "annual_reason_required": _l("已发布第 {version} 版，再次发布（更正）须填写原因"),
}

"""Intake's messages, by code (English in the translation catalogue)."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    # 行政许可法 第32条: an application is accepted when its materials are complete and in the legal form
    "accept_needs_materials": _l("受理须申请材料齐全：请逐项核对材料（材料不全的，应一次性告知补正）"),
    "id_number_invalid": _l("身份证号码须为18位且校验位正确"),
    "phone_invalid": _l("请填写有效的联系电话"),
    "duplicate_form": _l("此登记表已提交过（案件编号 {case_no}），未重复登记"),
    "same_applicant_today": _l("今天已为同一申请人登记过同一事项：{cases}。确属新申请的，请勾选“仍要登记”后再提交"),
}

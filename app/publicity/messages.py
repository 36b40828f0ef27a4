"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "no_publication_exception": _l("本事项在服务事项目录中没有法律法规、部门规章另有规定的公开例外"),
    "publication_not_final": _l("公示记录尚未公开或经批准不予公开：请先在公示管理中审核公开，公示步骤随之完成"),
    "publication_wrong_state": _l("公示记录当前为“{state}”，不能执行此操作"),
    "publication_state_secret": _l("涉及国家秘密的决定不得公示，只能作不予公开处理"),
    "publication_invalid": _l("公示信息不完整或有误，请按提示修改"),
    "publication_exists": _l("该案已有公示记录（{state}），决定变更须更新或撤回公示"),
    "nothing_changed": _l("没有修改任何内容"),
    "withhold_class_required": _l("请选择不予公开的类别：商业秘密、个人隐私或国家秘密"),
    "approver_must_be_leader": _l("批准人须为本机关负责人（局领导）"),
    "valid_until_before_from": _l("有效期至不能早于有效期自"),
    "uscc_individual_92": _l("个体工商户的统一社会信用代码以92开头"),
    "uscc_not_individual": _l("以92开头的是个体工商户的代码，请核对行政相对人类别"),
    "natural_person_no_code": _l("行政相对人类别为自然人时不填写行政相对人代码"),
    "natural_person_id_required": _l("自然人须填写证件类型和证件号码"),
    "progress_not_found": _l("未查询到办件信息，请核对受理编号和查询码（见受理回执）"),
    "too_many_queries": _l("查询过于频繁，请 {seconds} 秒后再试"),
}

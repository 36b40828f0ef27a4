"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "file_too_large": _l("文件超过大小上限（{limit} MB）"),
    "file_type_not_allowed": _l("不允许的文件类型：.{ext}（允许：{allowed}）"),
    "file_empty": _l("文件为空"),
    "file_content_mismatch": _l("文件内容与扩展名不符：{name}"),
    "av_on_protected_case": _l("涉及国家秘密、商业秘密或者个人隐私的案件不得进行音像记录，请在任务中写明未录像的理由"),
    "already_superseded": _l("该文件已有新版本"),
    "confidential_file": _l("您无权查看该密级的文件"),
    "av_reason_required": _l("未上传音像记录时，须填写不进行音像记录的书面理由"),
    "task_not_of_case": _l("该任务不属于案件 {case_no}"),
}

"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "designer_required": _l("只有流程设计人员可以部署流程定义"),
    "definition_file_required": _l("请上传 BPMN 或 DMN 文件（字段 file）"),
    "too_many_definition_files": _l("一次最多部署 {max} 个文件"),
    "duplicate_definitions": _l("同一次部署中定义重复：{keys}"),
    "definition_invalid": _l("定义未通过校验：{lines}"),
}

"""Messages of this package, by code (the code is what the API returns as ``error``); the English is
in the translation catalogue."""
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "designer_required": _l("只有流程设计人员可以部署流程定义"),
    "definition_file_required": _l("请上传 BPMN 或 DMN 文件（字段 file）"),
    "too_many_definition_files": _l("一次最多部署 {max} 个文件"),
    "duplicate_definitions": _l("同一次部署中定义重复：{keys}"),
    "definition_invalid": _l("定义未通过校验：{lines}"),
    # moving running cases (app.designer.migration); the reason codes are what the API returns as ``code``
    "migration_open_step_removed": _l("案件当前所在的“{step}”在新版本中已删除"),
    "migration_history_step_removed": _l("案件已办理的“{step}”在新版本中已删除，办理历史无法对应到新版本"),
    "migration_open_step_type_changed": _l("案件当前所在的“{step}”在新版本中改成了另一类元素"),
    "migration_called_process_changed": _l("案件正在执行的调用活动“{step}”在新版本中改为调用其他流程"),
    "migration_subprocess_removed": _l("案件正在执行的子流程 {process} 不在新版本中"),
    "migration_open_step_role_changed": _l("待办的“{step}”在新版本中改由{new}办理（原为{old}），请先办结或改派"),
    "migration_process_missing": _l("新版本中没有流程 {process}"),
    "migration_engine_error": _l("案件有未解决的流程错误，请先在督办台重新运行"),
    "migration_trial_failed": _l("试迁移失败：{detail}"),
    "migration_already_latest": _l("案件已在使用最新版本"),
    "migration_not_running": _l("案件不在办理中"),
    "migration_refused": _l("案件 {case_no} 不能迁移：{reasons}"),
    "migration_not_latest_version": _l("只能迁移到最新版本（{key} 最新为第 {latest} 版）"),
    "migration_no_such_definition": _l("没有此定义：{key}"),
    "migration_supervisor_required": _l("只有监督人员可以迁移运行中案件"),
}

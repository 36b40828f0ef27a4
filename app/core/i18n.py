"""User-facing messages: Chinese by default, English when the client asks for it.

The language is chosen per request (``?lang=en`` or ``Accept-Language: en``) and defaults to Chinese,
the bureau's language. Outside a request (CLI, scheduler) messages are Chinese unless ``lang`` is given.
"""
from __future__ import annotations

from flask import g, has_request_context, request, session

SUPPORTED = ("zh", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # validation
    "required": ("此项为必填项", "This field is required."),
    "not_a_number": ("请输入数字", "Enter a number."),
    "not_an_integer": ("请输入整数", "Enter a whole number."),
    "not_a_date": ("请输入日期（YYYY-MM-DD）", "Enter a date (YYYY-MM-DD)."),
    "not_a_boolean": ("请选择是或否", "Choose yes or no."),
    "not_text": ("请输入文本", "Enter text."),
    "not_a_list": ("请选择一项或多项", "Choose one or more items."),
    "bad_choice": ("无效的选项：{value}", "Not a valid choice: {value}"),
    "too_small": ("不能小于 {min}", "Must be at least {min}."),
    "too_large": ("不能大于 {max}", "Must be at most {max}."),
    "too_short": ("至少 {min} 个字符", "At least {min} characters."),
    "too_long": ("最多 {max} 个字符", "At most {max} characters."),
    "too_few_items": ("至少选择 {min} 项", "Choose at least {min}."),
    "too_many_items": ("最多选择 {max} 项", "Choose at most {max}."),
    "unknown_field": ("表单中没有此项", "This form has no such field."),
    "unknown_user": ("用户不存在：{value}", "No such user: {value}"),
    "user_lacks_role": ("{value} 不具有所需角色：{role}", "{value} does not hold the role: {role}"),
    "must_include_role": ("至少需要一名{role}", "At least one {role} is required."),
    "checklist_incomplete": ("每个审核要点都必须作出判断", "Every checklist item must be answered."),
    "checklist_fail_comment": ("不通过的要点必须填写说明", "A failed item needs a comment."),
    "checklist_bad_result": ("结果必须是 pass、fail 或 na", "Result must be pass, fail or na."),
    "approve_with_failed_items": ("存在不通过的审核要点，不能作出“同意”结论",
                                  "An item failed: the outcome cannot be approve."),
    "not_an_object": ("格式不正确，应为对象", "Must be an object."),
    # authentication and authorisation
    "bad_credentials": ("用户名或密码错误", "Wrong username or password."),
    "auth_required": ("请先登录（Authorization: Bearer <token>）", "Sign in first (Authorization: Bearer <token>)."),
    "bad_token": ("令牌无效或已过期", "The token is invalid or has expired."),
    "role_required": ("您没有办理此任务所需的角色：{role}", "You do not hold the role this task needs: {role}"),
    "permission_denied": ("您无权执行此操作", "You may not do this."),
    # tasks and cases
    "not_found": ("未找到：{what}", "Not found: {what}"),
    "task_not_open": ("任务已办结或不可办理（当前状态：{state}）", "The task is no longer open (state: {state})."),
    "task_claimed_by_other": ("任务已被 {user} 认领", "The task is claimed by {user}."),
    "task_not_claimed_by_you": ("您未认领此任务，无法释放", "You have not claimed this task."),
    "concurrent_change": ("案件刚被他人修改，请刷新后重试", "The case was changed by someone else; reload and retry."),
    "case_suspended": ("案件已被监督人员中止办理，恢复后方可继续", "The case is suspended by a supervisor."),
    "case_not_running": ("案件不在办理中（状态：{status}）", "The case is not running (status: {status})."),
    "unknown_item": ("事项不存在：{value}", "No such service item: {value}"),
    "not_deployed": ("流程尚未部署：{value}", "The process is not deployed: {value}"),
    "engine_error": ("流程执行出错：{detail}", "The process failed: {detail}"),
    "completed_next": ("已提交。案件 {case_no} 已转至：{steps}", "Submitted. Case {case_no} is now at: {steps}"),
    "completed_status": ("已提交。案件 {case_no} 当前状态：{status}", "Submitted. Case {case_no} is now: {status}"),
    # time limits
    "deemed_accepted_no_correction": ("未在法定期限内一次性告知补正，自收到材料之日（{date}）起即为受理，不得再要求补正或不予受理",
                                      "No correction notice was given in time: the application counts as accepted on {date}."),
    "second_correction_notice": ("再次发出补正通知：第32条要求一次告知需要补正的全部内容",
                                 "A second correction notice: article 32 requires one notice listing everything."),
    "legal_review_past_decision_due": ("法制审核期限（{review}）晚于决定期限（{decision}），审核须在决定期限内完成",
                                       "The legal review is due {review}, after the decision due {decision}."),
    "procedure_not_excluded": ("只有听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审所需时间不计入期限",
                               "Only hearing, tender, auction, inspection, testing, quarantine, appraisal or expert review pause the clock."),
    "pause_needs_notice": ("须填写书面告知申请人所需时间的文书编号", "The written notice to the applicant is required."),
    "clock_not_started": ("案件尚未受理，办理期限尚未起算", "The case is not accepted yet: its clock has not started."),
    "clock_already_paused": ("期限已在中止中，请先恢复", "The clock is already paused."),
    "clock_not_paused": ("期限未中止", "The clock is not paused."),
    "pause_end_before_start": ("结束日期不能早于开始日期", "The end cannot be before the start."),
    "extension_needs_leader": ("延长期限须经本机关负责人批准", "An extension needs the approval of the head of the bureau."),
    "extension_only_once": ("办理期限只能延长一次", "The period can be extended only once."),
    "extension_needs_notice": ("须将延长期限的理由书面告知申请人（填写文书编号）", "The written notice of the reasons to the applicant is required."),
    "extension_needs_government": ("联合办理事项延长15日须经本级人民政府负责人批准（填写批准文号）",
                                   "Joint handling: +15 days needs the government head's approval (reference required)."),
    # mandatory review guard and separation of duties
    "guard_no_legal_review": ("重大执法决定未经法制审核或审核未通过，不得作出决定",
                              "A major decision needs an approved legal review first."),
    "guard_legal_review_stale": ("案件事实在法制审核通过后发生变更，须重新法制审核",
                                 "The facts changed after the legal review; it must be reviewed again."),
    "guard_no_committee": ("重大执法决定须经专业审查委员会审议通过（且有法制机构人员参会、结论已签发），方可作出决定",
                           "A major decision needs a passed, signed committee conclusion with legal staff attending."),
    "guard_committee_stale": ("案件事实在委员会审议后发生变更，须重新审议",
                              "The facts changed after the committee met; it must meet again."),
    "sod_legal_is_reviewer": ("法制审核人员不得是本案的审查人员（办审分离）",
                              "The legal reviewer may not be the case's reviewer (separation of duties)."),
    "sod_leader_is_reviewer": ("签发决定的领导不得是本案的审查人员",
                               "The signing leader may not be the case's reviewer (separation of duties)."),
    "major_flag_locked": ("重大执法决定标记一经确定，审查人员不能取消", "The major flag cannot be cleared."),
    # supervision (督办)
    "reason_required": ("请填写理由", "A reason is required."),
    "case_already_suspended": ("案件已处于中止状态", "The case is already suspended."),
    "case_not_suspended": ("案件未被中止，无需恢复", "The case is not suspended."),
    "already_assigned": ("任务已由 {user} 办理", "The task is already assigned to {user}."),
    "nothing_to_retry": ("案件没有需要重试的流程错误", "The case has no engine error to retry."),
    # evidence
    "file_too_large": ("文件超过大小上限（{limit} MB）", "The file is larger than the limit ({limit} MB)."),
    "file_type_not_allowed": ("不允许的文件类型：.{ext}（允许：{allowed}）", "File type .{ext} is not allowed (allowed: {allowed})."),
    "file_empty": ("文件为空", "The file is empty."),
    "file_content_mismatch": ("文件内容与扩展名不符：{name}", "The content of {name} does not match its extension."),
    "av_on_state_secret": ("涉及国家秘密的案件不得进行音像记录", "No audio or video on a case marked state secret."),
    "already_superseded": ("该文件已有新版本", "This file already has a newer version."),
    "confidential_file": ("您无权查看该密级的文件", "You may not open a file of this confidentiality class."),
    # sealed case files (一案一卷, app.archive)
    "case_archived_read_only": ("案件已归档封存，案卷只读：不能再办理任务或上传、替换文件",
                                "The case is archived and sealed: it is read-only (no task actions, no uploads)."),
    "case_already_archived": ("案件 {case_no} 已归档封存", "Case {case_no} is already archived."),
    "case_not_finished": ("案件尚未办结，不能归档（状态：{status}）", "The case is not finished and cannot be archived (status: {status})."),
    "archive_failed": ("案卷封存失败：{detail}", "Sealing the case file failed: {detail}"),
    "av_reason_required": ("未上传音像记录时，须填写不进行音像记录的书面理由",
                           "Without audio/video evidence a written reason is required."),
    # deployment
    "too_large_file": ("文件过大（上限 {limit} 字节）", "The file is too large (limit {limit} bytes)."),
    "doctype_forbidden": ("不允许 DOCTYPE 或实体声明", "DOCTYPE and entity declarations are not allowed."),
    "not_xml": ("不是有效的 XML：{detail}", "Not well-formed XML: {detail}"),
    "not_bpmn_or_dmn": ("不是 BPMN 或 DMN 文件", "Neither a BPMN nor a DMN file."),
    # process designer (app.designer)
    "designer_required": ("只有流程设计人员可以部署流程定义", "Only a process designer may deploy definitions."),
    "definition_file_required": ("请上传 BPMN 或 DMN 文件（字段 file）", "Upload a BPMN or DMN file (field: file)."),
    "too_many_definition_files": ("一次最多部署 {max} 个文件", "At most {max} files per deployment."),
    # publicity (公示, app.publicity)
    "publication_wrong_state": ("公示记录当前为“{state}”，不能执行此操作", "The publication is {state}: this is not possible now."),
    "publication_state_secret": ("涉及国家秘密的决定不得公示，只能作不予公开处理",
                                 "A decision involving state secrets cannot be published; withhold it instead."),
    "publication_invalid": ("公示信息不完整或有误，请按提示修改", "The publication record is incomplete or wrong; see the fields."),
    "publication_exists": ("该案已有公示记录（{state}），决定变更须更新或撤回公示",
                           "The case already has a publication ({state}); update or withdraw it."),
    "nothing_changed": ("没有修改任何内容", "Nothing was changed."),
    "withhold_class_required": ("请选择不予公开的类别：商业秘密、个人隐私或国家秘密",
                                "Choose why it is withheld: business secret, privacy or state secret."),
    "approver_must_be_leader": ("批准人须为本机关负责人（局领导）", "The approver must be a leader of the bureau."),
    "valid_until_before_from": ("有效期至不能早于有效期自", "Valid until cannot be before valid from."),
    "uscc_invalid": ("统一社会信用代码须为18位且校验位正确", "A unified social credit code has 18 characters and a valid check character."),
    "uscc_individual_92": ("个体工商户的统一社会信用代码以92开头", "An individual business's code starts with 92."),
    "uscc_not_individual": ("以92开头的是个体工商户的代码，请核对行政相对人类别", "A code starting with 92 belongs to an individual business: check the type of party."),
    "natural_person_no_code": ("行政相对人类别为自然人时不填写行政相对人代码", "A natural person has no organisation code."),
    "natural_person_id_required": ("自然人须填写证件类型和证件号码", "A natural person needs an ID type and number."),
    "officer_certificate_invalid": ("以下人员在核查日（{date}）没有有效的行政执法证件，不能参加现场核查：{names}",
                                    "Without an enforcement certificate valid on {date}, these officers cannot do the check: {names}"),
    "progress_not_found": ("未查询到办件信息，请核对受理编号和查询码（见受理回执）",
                           "Nothing found: check the case number and the query code on your receipt."),
    "too_many_queries": ("查询过于频繁，请 {seconds} 秒后再试", "Too many queries: try again in {seconds} seconds."),
    # annual statistics report (统计年报)
    "annual_bad_year": ("年度须为 2000–2100 之间的整数", "The year must be a whole number from 2000 to 2100."),
    "annual_not_found": ("{year} 年度统计年报尚未发布（或无此版本）", "No published annual report for {year} (or no such version)."),
    "annual_narrative_required": ("发布前须填写行政执法情况说明", "Write the narrative before publishing."),
    "annual_reason_required": ("已发布第 {version} 版，再次发布（更正）须填写原因",
                               "Version {version} is already published: a correction needs a reason."),
}


def current_language() -> str:
    """?lang= wins; then the signed-in web user's choice; API clients may send Accept-Language."""
    if has_request_context():
        if "lang" not in g:
            wanted = request.args.get("lang") or session.get("lang")
            if not wanted and request.path.startswith("/api/"):
                wanted = request.accept_languages.best_match(SUPPORTED, default="zh")
            g.lang = wanted if wanted in SUPPORTED else "zh"
        return g.lang
    return "zh"


def t(key: str, lang: str | None = None, **params) -> str:
    zh, en = MESSAGES[key]
    text = en if (lang or current_language()) == "en" else zh
    return text.format(**params) if params else text


def pick(zh: str, en: str | None) -> str:
    """Choose between a Chinese label and its English twin (declared in a diagram, say)."""
    return en if current_language() == "en" and en else zh


def compile_catalogues(translations_dir) -> None:
    """Compile messages.po → messages.mo where the .mo is missing or older (the .po is the source)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    for po in Path(translations_dir).glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)

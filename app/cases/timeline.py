"""Execution records in plain language, for the case page's timeline."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.i18n import pick
from app.engine.definitions import Bundle
from app.records.models import ExecutionRecord
from app.users.lookup import display_name, joined_names


@dataclass
class Entry:
    text: str
    details: list[tuple[str, str]] = field(default_factory=list)  # (label, value) of submitted data
    engine: bool = False  # a state change made by the engine: shown folded


def _labels(bundle: Bundle, task_name: str | None, data: dict | None = None) -> tuple[str, dict]:
    """The task's title and its form fields (by name), looked up in the case's own definitions. Processes
    may share a task id (``decide`` in the permit and the revocation processes): then the form that fits the
    recorded data best."""
    candidates = [meta for meta in bundle.tasks.values() if meta.task_id == task_name]
    if not candidates:
        return task_name or "", {}
    best = max(candidates, key=lambda meta: _fit(meta.form.by_name, data or {}))
    return best.title, best.form.by_name


def _fit(fields: dict, data: dict) -> int:
    """How well recorded ``data`` fits a form: its names declared there, its choices among the options."""
    score = 0
    for name, value in data.items():
        spec = fields.get(name)
        if spec is None:
            continue
        score += 1
        if spec.options and not isinstance(value, list):
            score += 2 if value in {o.value for o in spec.options} else -2
    return score


def _field_spec(bundle: Bundle, name: str):
    """The first declared form field with this name (facts share names across the review forms)."""
    for meta in bundle.tasks.values():
        if name in meta.form.by_name:
            return meta.form.by_name[name]
    return None


def _kind_field(bundle: Bundle, kind: str, name: str, value=None):
    """The field ``name`` of a task of this kind (a step's record names its kind, not its task): the first
    whose options include ``value`` when one is given, else the first."""
    found = [meta.form.by_name[name] for meta in bundle.tasks.values() if meta.kind == kind and name in meta.form.by_name]
    for spec in found:
        if value is not None and spec.options and value in {o.value for o in spec.options}:
            return spec
    return found[0] if found else None


def facts_for_display(facts: dict, bundle: Bundle) -> list[tuple[str, str]]:
    """(label, value) pairs in the user's language, e.g. ('事项类别', '资源配置') for category."""
    rows = []
    for name, value in facts.items():
        spec = _field_spec(bundle, name)
        label = pick(spec.label, spec.label_en) if spec else str(FACT_LABELS.get(name, name))
        rows.append((label, _value(spec, value)))
    return rows


# Facts entered at registration, which no task form declares.
FACT_LABELS = {"project_name": _l("项目名称"), "description": _l("申请内容"), "investment": _l("投资额（万元）"),
               "hearing_held": _l("已举行听证（由听证记录得出）")}


def _value(field_spec, value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field_spec is not None and field_spec.options:
        labels = {o.value: pick(o.label, o.label_en) for o in field_spec.options}
        if isinstance(value, list):
            return "、".join(labels.get(v, v) for v in value)
        return labels.get(value, str(value))
    if field_spec is not None and field_spec.type == "users":
        return joined_names(value if isinstance(value, list) else [value])
    if field_spec is not None and field_spec.type == "checklist" and isinstance(value, dict):
        items = {i.value: pick(i.label, i.label_en) for i in field_spec.items}
        marks = {"pass": "✓", "fail": "✗", "na": "—"}
        return "；".join(f"{marks.get(v.get('result'), '?')} {items.get(k, k)}"
                        + (f"（{v['comment']}）" if v.get("comment") else "") for k, v in value.items())
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)


def value_text(field_spec, value) -> str:
    """A submitted value as people read it: the option's label (not its code), display names, ✓/✗ marks."""
    return _value(field_spec, value)


SIMPLE = {  # actions worded by one sentence (their reason, if any, is shown under it)
    "task_reassigned": lambda who, p: _("%(who)s 将任务改派给 %(to)s", who=who, to=display_name(p.get("to"))),
    "supervisory_note": lambda who, p: _("%(who)s 督办", who=who),
    "access_granted": lambda who, p: _("%(who)s 授权 %(to)s 知悉本涉密案件", who=who, to=display_name(p.get("to"))),
    "access_revoked": lambda who, p: _("%(who)s 撤销了 %(to)s 的知悉授权", who=who, to=display_name(p.get("from"))),
    "case_suspended": lambda who, p: _("%(who)s 中止了案件办理", who=who),
    "case_resumed": lambda who, p: _("%(who)s 恢复了案件办理", who=who),
    "engine_woken": lambda who, p: _("%(who)s 推进了流程", who=who),
    "engine_error": lambda who, p: _("流程执行出错：%(e)s", e=p.get("error")),
    "clock_paused": lambda who, p: _("%(who)s 中止计算期限（%(proc)s，告知书 %(ref)s）", who=who,
                                     proc=p.get("procedure"), ref=p.get("notice_ref")),
    "clock_resumed": lambda who, p: _("%(who)s 恢复计算期限，%(n)s 个工作日不计入", who=who,
                                      n=p.get("paused_workdays")),
    "decision_extended": lambda who, p: _("%(who)s 批准延长办理期限 %(n)s 个工作日（告知书 %(ref)s）", who=who,
                                          n=p.get("extension_workdays"), ref=p.get("notice_ref")),
    "legal_review_extended": lambda who, p: _("%(who)s 批准法制审核期限延长至 %(d)s", who=who, d=p.get("due")),
    "deadline_set": lambda who, p: _("办理期限：%(d)s%(u)s", d=p.get("decision_due"),
                                     u="" if p.get("confirmed", True) else _("（未确认）")),
    "deemed_accepted": lambda who, p: _("未在期限内告知补正，视为自 %(d)s 起受理", d=p.get("received_on")),
    "task_overdue": lambda who, p: _("任务超过期限（%(d)s）", d=p.get("due")),
    "decision_overdue": lambda who, p: _("案件超过决定期限（%(d)s）", d=p.get("decision_due")),
    "publication_overdue": lambda who, p: _("决定未在期限内公示（%(d)s）", d=p.get("publication_due")),
    "case_stuck": lambda who, p: _("案件长时间无进展"),
    "case_broken": lambda who, p: _("流程无法继续：没有待办任务"),
    "warning": lambda who, p: _("提示：%(m)s", m=p.get("message") or p.get("warning")),
    "publication_drafted": lambda who, p: _("生成公示草稿"),
    "publication_edited": lambda who, p: _("%(who)s 修改了公示内容", who=who),
    "publication_redacted": lambda who, p: _("%(who)s 对公示内容作了保密处理", who=who),
    "publication_published": lambda who, p: _("%(who)s 公示了决定", who=who),
    "publication_withheld": lambda who, p: _("%(who)s 决定不予公开（经领导批准）", who=who),
    "publication_updated": lambda who, p: _("%(who)s 更新了已公示的决定", who=who),
    "publication_withdrawn": lambda who, p: _("%(who)s 撤下了已公示的决定", who=who),
    "case_migrated": lambda who, p: _("%(who)s 将案件迁移到新版本：%(changes)s", who=who, changes="，".join(
        f"{key} v{v.get('from')}→v{v.get('to')}" for key, v in (p.get("definitions") or {}).items())),
    "task_realigned": lambda who, p: _("环节“%(old)s”对应新版本的“%(new)s”", old=(p.get("from") or {}).get("title"),
                                       new=(p.get("to") or {}).get("title")),
    "case_file_downloaded": lambda who, p: _("%(who)s 下载了封存案卷", who=who),
    "case_archived": lambda who, p: _("%(who)s 归档并封存案卷（档案号 %(no)s，封存 %(n)s 条记录）", who=who,
                                      no=p.get("archive_no"), n=p.get("records_sealed")),
}


def register_action_text(action: str, text: Callable[[str, dict], str]) -> None:
    """A feature words its own record ``action`` for the case's timeline: ``text(who, payload)``."""
    SIMPLE.setdefault(action, text)


def describe(record: ExecutionRecord, bundle: Bundle) -> Entry:
    payload = json.loads(record.payload)
    who = display_name(record.actor)
    title, fields = _labels(bundle, record.task_name, payload.get("data"))
    action = record.action
    if action == "case_created":
        return Entry(_("%(who)s 登记了申请（事项 %(item)s）", who=who, item=payload.get("item")))
    if action == "task_completed":
        details = [(pick(fields[k].label, fields[k].label_en) if k in fields else str(FACT_LABELS.get(k, k)),
                    _value(fields.get(k), v))
                   for k, v in payload.get("data", {}).items() if v is not None]
        return Entry(_("%(who)s 办理了“%(step)s”", who=who, step=title), details)
    if action == "task_claimed":
        return Entry(_("%(who)s 认领了“%(step)s”", who=who, step=title))
    if action == "task_released":
        return Entry(_("%(who)s 释放了“%(step)s”", who=who, step=title))
    if action == "refused":
        return Entry(_("%(who)s 的操作被拒绝：%(why)s", who=who, why=payload.get("message") or payload.get("reason")))
    if action == "status_changed":
        from app.core.vocabulary import status_label
        return Entry(_("案件状态：%(old)s → %(new)s", old=status_label(record.from_state or ""),
                       new=status_label(record.to_state or "")))
    if action == "facts_changed":
        details = []
        for name, change in payload.get("changes", {}).items():
            spec = _field_spec(bundle, name)
            label = pick(spec.label, spec.label_en) if spec else str(FACT_LABELS.get(name, name))
            details.append((label, f"{_value(spec, change.get('from'))} → {_value(spec, change.get('to'))}"))
        return Entry(_("%(who)s 变更了案件事实", who=who), details)
    if action == "case_marked_major":
        return Entry(_("判定为重大执法决定：%(why)s", why=payload.get("reason")))
    if action == "case_accepted":
        return Entry(_("%(who)s 受理了申请", who=who))
    if action == "correction_requested":
        return Entry(_("%(who)s 一次性告知申请人补正材料", who=who), [(_("补正材料"), payload.get("items") or "")])
    if action == "legal_review_round":
        return Entry(_("第 %(n)s 轮法制审核结论：%(outcome)s", n=payload.get("round"),
                       outcome=_value(fields.get("outcome") or _kind_field(bundle, "legal_review", "outcome", payload.get("outcome")),
                                      payload.get("outcome"))))
    if action == "committee_meeting":
        return Entry(_("专业审查委员会第 %(n)s 次会议结论：%(c)s", n=payload.get("meeting"),
                       c=_value(fields.get("conclusion") or _kind_field(bundle, "committee", "conclusion", payload.get("conclusion")),
                              payload.get("conclusion"))),
                     [(_("法制机构参会人员"), joined_names(payload.get("legal_attendees", [])))])
    if action == "committee_conclusion_signed":
        return Entry(_("%(who)s 签发了委员会审议结论", who=who))
    if action == "decision_made":
        decision = _value(_kind_field(bundle, "decide", "decision", payload.get("decision")), payload.get("decision"))
        if not payload.get("document_no"):  # the number comes with the decision document's own record
            return Entry(_("%(who)s 作出决定：%(d)s", who=who, d=decision))
        return Entry(_("%(who)s 作出决定：%(d)s（%(no)s）", who=who, d=decision, no=payload.get("document_no")))
    if action in ("evidence_added", "evidence_superseded"):
        text = _("%(who)s 上传了文件 %(name)s", who=who, name=payload.get("filename")) if action == "evidence_added" \
            else _("%(who)s 上传了文件 %(name)s 的新版本", who=who, name=payload.get("filename"))
        details = [("SHA-256", payload.get("sha256", ""))]
        if payload.get("reason"):
            details.append((_("原因"), payload["reason"]))
        return Entry(text, details)
    if action == "evidence_downloaded":
        return Entry(_("%(who)s 下载了涉密文件（编号 %(id)s）", who=who, id=payload.get("evidence_id")))
    if action in SIMPLE:
        text = SIMPLE[action](who, payload)
        reason = payload.get("reason") or payload.get("message")
        details = [(_("理由"), reason)] if reason and action not in ("refused",) else []
        return Entry(text, details)
    if action == "task_state":
        name = payload.get("name") or record.task_name
        return Entry(f"{name}: {record.from_state or '—'} → {record.to_state}", engine=True)
    return Entry(f"{who}: {action}")

"""Reading, validating and compiling process definitions (BPMN) and decision tables (DMN).

Uploaded files are untrusted: they are parsed without DTDs, entities or network access, every expression
in them is compiled by our evaluator before anything is stored, script tasks are refused, and every user
task must sit in a lane that is a known role and declare a form.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Iterable

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptEngineTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from app.bpmn.model import APPR_NS, BPMN_NS, DMN_NAMESPACES, SPIFF_NS
from app.bpmn.xml import UntrustedXmlError, parse_untrusted_xml
from app.core.roles import ROLE_CODES, role_for_lane
from app.engine.expressions import ForbiddenExpression, compile_expression
from app.engine.forms import FormDeclarationError, FormSpec, parse_form

MAX_DEFINITION_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    message: str
    element_id: str | None = None
    file: str | None = None

    def to_dict(self) -> dict:
        return {"element_id": self.element_id, "message": self.message, "file": self.file}


class DefinitionError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.file or ''}:{p.element_id or ''}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class SourceFile:
    """One BPMN or DMN file, parsed safely. ``key`` is its process id or decision id."""
    filename: str
    kind: str  # 'bpmn' | 'dmn'
    key: str
    name: str
    content: bytes
    root: etree._Element = field(repr=False, compare=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class TaskMeta:
    """What the service layer needs to know about a user task without touching the engine."""
    process_id: str
    task_id: str
    title: str
    role: str
    kind: str | None
    due_workdays: int | None
    instructions: str | None
    form: FormSpec
    # 全过程记录: an on-site check or hearing needs audio/video evidence on the task, or a written reason.
    requires_av: bool = False


@dataclass
class Bundle:
    """A set of definition files compiled together: specs for every process, plus task metadata."""
    key: str
    specs: dict  # process id -> (spec, subprocess_specs)
    tasks: dict[tuple[str, str], TaskMeta]
    processes: dict[str, str]  # process id -> name

    def task_meta(self, process_id: str, task_id: str) -> TaskMeta:
        return self.tasks[(process_id, task_id)]


# ------------------------------------------------------------------------------------------ reading

def read_source(filename: str, content: bytes) -> SourceFile:
    """Parse one uploaded or stored file safely (app.bpmn.xml) and tell a process from a decision table."""
    try:
        root = parse_untrusted_xml(content, max_bytes=MAX_DEFINITION_BYTES)
    except UntrustedXmlError as exc:
        raise DefinitionError([Problem(str(exc), file=filename)]) from None
    qname = etree.QName(root)
    if qname.localname == "definitions" and qname.namespace == BPMN_NS:
        processes = root.findall(f"{{{BPMN_NS}}}process")
        executable = [p for p in processes if p.get("isExecutable", "false").lower() == "true"]
        if len(executable) != 1:
            raise DefinitionError([Problem("每个 BPMN 文件须恰好定义一个可执行流程 / a BPMN file must define exactly one "
                                           "executable process (isExecutable=\"true\")", file=filename)])
        proc = executable[0]
        return SourceFile(filename, "bpmn", proc.get("id"), proc.get("name") or proc.get("id"), content, root)
    if qname.localname == "definitions" and qname.namespace in DMN_NAMESPACES:
        decisions = root.findall(f"{{{qname.namespace}}}decision")
        if len(decisions) != 1:
            raise DefinitionError([Problem("每个 DMN 文件须恰好定义一个决策 / a DMN file must define exactly one decision",
                                           file=filename)])
        dec = decisions[0]
        return SourceFile(filename, "dmn", dec.get("id"), dec.get("name") or dec.get("id"), content, root)
    raise DefinitionError([Problem("不是 BPMN 或 DMN 文件 / neither a BPMN nor a DMN file", file=filename)])


# ------------------------------------------------------------------------------------------ compilation

def compile_bundle(sources: Iterable[SourceFile], key: str = "") -> Bundle:
    """Parse and check the files together; raise DefinitionError listing every problem found."""
    sources = list(sources)
    problems: list[Problem] = []
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for src in sources:
        try:
            if src.kind == "bpmn":
                parser.add_bpmn_xml(src.root, filename=src.filename)
            else:
                parser.add_dmn_xml(src.root, filename=src.filename)
        except ValidationException as exc:
            problems.append(_problem_from_validation(exc, src.filename))
    if problems:
        raise DefinitionError(problems)

    tasks: dict[tuple[str, str], TaskMeta] = {}
    for src in sources:
        if src.kind == "bpmn":
            tasks.update(_task_metadata(src, problems))
            problems.extend(_unsupported_elements(src))
    process_keys = {src.key for src in sources if src.kind == "bpmn"}
    specs = {}
    for src in sources:
        if src.kind != "bpmn":
            continue
        try:
            spec = parser.get_spec(src.key)
            subprocess_specs = parser.get_subprocess_specs(src.key)
        except (ValidationException, SpiffWorkflowException) as exc:
            problems.append(_problem_from_validation(exc, src.filename))
            continue
        specs[src.key] = (spec, subprocess_specs)
        problems.extend(_check_spec(spec, tasks, src.filename))
        for name, sub_spec in subprocess_specs.items():
            if name not in process_keys:  # embedded subprocesses; called processes are checked as their own file
                problems.extend(_check_spec(sub_spec, tasks, src.filename))
    if problems:
        raise DefinitionError(_unique(problems))
    return Bundle(key=key, specs=specs, tasks=tasks,
                  processes={s.key: s.name for s in sources if s.kind == "bpmn"})


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, result = set(), []
    for p in problems:
        if p not in seen:
            seen.add(p)
            result.append(p)
    return result


def _problem_from_validation(exc: Exception, filename: str) -> Problem:
    element_id = getattr(exc, "id", None) or None
    message = str(exc.args[0]) if exc.args else str(exc)
    return Problem(message, element_id=element_id, file=filename)


def _task_metadata(src: SourceFile, problems: list[Problem]) -> dict[tuple[str, str], TaskMeta]:
    """Read lanes, kinds and forms of the user tasks from the XML (Spiff ignores our namespace)."""
    ns = {"bpmn": BPMN_NS, "appr": APPR_NS, "spiffworkflow": SPIFF_NS}
    process = next(p for p in src.root.findall("bpmn:process", ns) if p.get("id") == src.key)
    lane_of = {ref.text.strip(): lane.get("name") for lane in process.iterfind(".//bpmn:lane", ns)
               for ref in lane.findall("bpmn:flowNodeRef", ns) if ref.text}
    result = {}
    for node in process.iterfind(".//bpmn:userTask", ns):
        task_id = node.get("id")
        role = role_for_lane(lane_of.get(task_id))
        if role is None:
            problems.append(Problem(f"用户任务所在泳道“{lane_of.get(task_id) or '无'}”不对应任何角色 / the user task's lane "
                                    "names no known role", task_id, src.filename))
            continue
        task_el = node.find("bpmn:extensionElements/appr:task", ns)
        kind = task_el.get("kind") if task_el is not None else None
        due = task_el.get("dueWorkdays") if task_el is not None else None
        if due is not None and not due.strip().isdigit():
            problems.append(Problem(f"dueWorkdays 须为非负整数 / dueWorkdays must be a whole number: {due}",
                                    task_id, src.filename))
            due = None
        form_el = node.find("bpmn:extensionElements/appr:form", ns)
        if form_el is None:
            problems.append(Problem("用户任务没有声明表单（appr:form） / the user task declares no form", task_id,
                                    src.filename))
            continue
        try:
            form = parse_form(form_el, ROLE_CODES)
        except FormDeclarationError as exc:
            problems.append(Problem(str(exc), task_id, src.filename))
            continue
        instructions = node.findtext("bpmn:extensionElements/spiffworkflow:instructionsForEndUser", None, ns)
        result[(src.key, task_id)] = TaskMeta(
            process_id=src.key, task_id=task_id, title=node.get("name") or task_id, role=role, kind=kind,
            due_workdays=int(due) if due is not None else None,
            instructions=instructions.strip() if instructions else None, form=form,
            requires_av=task_el is not None and task_el.get("requiresAudioVideo", "").lower() == "true")
    return result


# Spiff evaluates these with its script engine's *environment* (plain Python eval), not through
# SafeScriptEngine.evaluate: ad-hoc subprocess completion conditions and message correlation expressions.
_UNSUPPORTED_ELEMENTS = (
    (f"{{{BPMN_NS}}}adHocSubProcess", "不支持自由子流程 / ad-hoc subprocesses are not supported"),
    (f"{{{BPMN_NS}}}correlationProperty", "不支持消息关联表达式 / message correlation expressions are not supported"),
    (f"{{{SPIFF_NS}}}processVariableCorrelation",
     "不支持消息关联表达式 / message correlation expressions are not supported"),
)


def _unsupported_elements(src: SourceFile) -> list[Problem]:
    return [Problem(message, el.get("id") or el.getparent().get("id"), src.filename)
            for tag, message in _UNSUPPORTED_ELEMENTS for el in src.root.iter(tag)]


def _check_expression(text: str | None, element_id: str, filename: str, what: str) -> Problem | None:
    if text is None:
        return None
    try:
        compile_expression(text)
    except SyntaxError as exc:
        return Problem(f"{what}语法错误 / syntax error in {what}: {text!r} ({exc.msg})", element_id, filename)
    except ForbiddenExpression as exc:
        return Problem(f"{what}不安全 / unsafe {what}: {text!r}: {exc}", element_id, filename)
    return None


def _check_spec(spec, tasks: dict, filename: str) -> list[Problem]:
    problems: list[Problem] = []
    for task_spec in spec.task_specs.values():
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id is None:
            continue  # the engine's own internal specs
        if isinstance(task_spec, ScriptEngineTask):
            problems.append(Problem("不允许脚本任务或服务任务 / script and service tasks are not allowed", bpmn_id,
                                    filename))
        if getattr(task_spec, "prescript", None) or getattr(task_spec, "postscript", None):
            problems.append(Problem("不允许前置/后置脚本 / pre- and post-scripts are not allowed", bpmn_id, filename))
        if isinstance(task_spec, UserTask) and (spec.name, bpmn_id) not in tasks and not any(
                p is not None and p.element_id == bpmn_id for p in problems):
            problems.append(Problem("用户任务缺少表单或角色 / user task without form or role", bpmn_id, filename))
        for condition, _target in getattr(task_spec, "cond_task_specs", ()):  # exclusive/inclusive gateways
            text = condition.args[0] if hasattr(condition, "args") else condition
            problems.append(_check_expression(text, bpmn_id, filename, "条件 condition"))
        event_definition = getattr(task_spec, "event_definition", None)
        if event_definition is not None and hasattr(event_definition, "expression"):
            problems.append(_check_expression(event_definition.expression, bpmn_id, filename, "定时表达式 timer"))
        engine = getattr(task_spec, "dmnEngine", None)  # Spiff's BusinessRuleTask
        if engine is not None and hasattr(engine, "decision_table"):
            problems.extend(_check_decision_table(engine.decision_table, bpmn_id, filename))
    return [p for p in problems if p is not None]


def _check_decision_table(table, bpmn_id: str, filename: str) -> list[Problem]:
    problems: list[Problem] = []
    for input_ in table.inputs:
        problems.append(_check_expression(input_.expression, input_.id, filename, "输入表达式 input"))
    for rule in table.rules:
        for entry in rule.inputEntries:
            for cell in entry.lhs:
                if cell is None or not cell.strip() or cell.strip() == "-":
                    continue
                expr = _dmn_match_expression(entry.input.expression, cell)
                problems.append(_check_expression(expr, entry.id, filename, "规则单元格 rule cell"))
        for entry in rule.outputEntries:
            if entry.text:
                problems.append(_check_expression(entry.text, entry.id, filename, "输出单元格 output cell"))
    if not table.rules or not _is_catch_all(table.rules[-1]):
        problems.append(Problem("决策表最后一行必须是兜底规则（所有输入为“-”） / the last rule must match everything "
                                "(every input cell '-')", table.id, filename))
    return [p for p in problems if p is not None]


def _dmn_match_expression(input_expr: str, cell: str) -> str:
    """The expression Spiff's DMN engine will evaluate for a cell (see DMNEngine.evaluate)."""
    cell = cell.replace("?", "dmninputexpr")
    if "dmninputexpr" in cell:
        return cell
    try:
        compile_expression(cell)
        return f"({input_expr}) == ({cell})"
    except SyntaxError:
        return f"{input_expr} {cell}"
    except ForbiddenExpression:
        return cell  # reported by the caller's own check


def _is_catch_all(rule) -> bool:
    return all(cell is None or not cell.strip() or cell.strip() == "-"
               for entry in rule.inputEntries for cell in entry.lhs)

"""The policy linter: rules a diagram must follow before the server stores it (see docs/designer-guide.md,
"Policy checks").

It runs on every deployment (``services.definitions.deploy``; a finding refuses the deployment with 422)
and from the command line (``flask definitions lint FILE...``). Every finding names the file and the
element (id and name) and says what to change.

Rules (``LintProblem.rule``):

* ``major-path``   every way a major case can take from the rule task that classifies it (or from the start
                   when the process serves a catalogue-major item) to a ``decide`` task passes a
                   ``legal_review`` task and a ``committee`` task, also inside called processes;
* ``lane-role``, ``form``   every user task sits in a lane named after a role and declares a form;
* ``gateway``      an exclusive (or inclusive) gateway has a default flow or conditions covering every case;
* ``dead-end``     every node but an end event has an outgoing sequence flow;
* ``unreachable``  every flow node can be reached from a start event;
* ``decision-ref``, ``catch-all``   a business rule task names an existing decision; a decision table ends
                   with a catch-all row;
* ``di-shape``, ``di-edge``   every flow node has a BPMNShape and every sequence flow a BPMNEdge;
* ``unsupported``  vendor extensions (Camunda, Zeebe, Activiti, Flowable) and JUEL ``${…}`` expressions;
* ``definition``   everything the definition compiler refuses (unsafe expressions, scripts, …).

The graph checks read the XML, not SpiffWorkflow's specs, so they also work on files the engine's parser
refuses, and they see the diagram exactly as the designer drew it.
"""
from __future__ import annotations

import ast
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Iterable

from lxml import etree

from app.core.roles import ROLES, role_for_lane
from app.core.vocabulary import task_kinds
from app.engine.definitions import (
    BPMN_NS,
    DefinitionError,
    Problem,
    SourceFile,
    compile_bundle,
    read_source,
)
from app.engine.expressions import ForbiddenExpression, compile_expression
from app.engine.forms import APPR_NS

BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
VENDOR_NAMESPACES = {
    "http://camunda.org/schema/1.0/bpmn": "camunda",
    "http://camunda.org/schema/zeebe/1.0": "zeebe",
    "http://camunda.org/schema/modeler/1.0": None,  # modeler metadata (executionPlatform): harmless
    "http://activiti.org/bpmn": "activiti",
    "http://flowable.org/bpmn": "flowable",
}
_LANE_HINT = "、".join(r.name_zh for r in ROLES if r.works_tasks)

# What to do instead of a vendor extension, by local name.
_VENDOR_ADVICE = {
    "candidateGroups": ("put the task in a lane named after a role",
                       "请把任务放进以角色命名的泳道"),
    "candidateUsers": ("put the task in a lane named after a role",
                      "请把任务放进以角色命名的泳道"),
    "assignee": ("put the task in a lane named after a role; staff claim tasks themselves",
                "请把任务放进以角色命名的泳道"),
    "assignment": ("put the task in a lane named after a role",
                  "请把任务放进以角色命名的泳道"),
    "formKey": ("declare the form with appr:form in the task's extensionElements",
               "请用 appr:form 声明表单"),
    "formRef": ("declare the form with appr:form in the task's extensionElements",
               "请用 appr:form 声明表单"),
    "formData": ("declare the form with appr:form in the task's extensionElements",
                "请用 appr:form 声明表单"),
    "formField": ("declare the form with appr:form in the task's extensionElements",
                 "请用 appr:form 声明表单"),
    "userTask": ("declare the form with appr:form in the task's extensionElements",
                "请用 appr:form 声明表单"),
    "class": ("service tasks and Java delegates are not allowed",
             "不允许服务任务"),
    "delegateExpression": ("service tasks and delegates are not allowed",
                          "不允许服务任务"),
    "expression": ("service tasks and expressions that run code are not allowed",
                  "不允许服务任务"),
    "taskDefinition": ("service tasks are not allowed",
                      "不允许服务任务"),
    "type": ("service tasks are not allowed",
            "不允许服务任务"),
    "executionListener": ("listeners run code and are not allowed",
                         "不允许监听器"),
    "taskListener": ("listeners run code and are not allowed",
                    "不允许监听器"),
    "inputOutput": ("input/output mappings are not supported: form fields become process variables",
                   "不支持输入输出映射"),
    "ioMapping": ("input/output mappings are not supported: form fields become process variables",
                 "不支持输入输出映射"),
    "decisionRef": ("use spiffworkflow:calledDecisionId with the decision's id",
                   "请用 spiffworkflow:calledDecisionId"),
    "calledDecision": ("use spiffworkflow:calledDecisionId with the decision's id",
                      "请用 spiffworkflow:calledDecisionId"),
    "resultVariable": ("decision outputs become process variables by their names",
                      "决策输出按名称成为流程变量"),
    "mapDecisionResult": ("decision outputs become process variables by their names",
                         "决策输出按名称成为流程变量"),
    "dueDate": ("use appr:task dueWorkdays=\"N\"",
               "请用 appr:task 的 dueWorkdays"),
    "asyncBefore": ("asynchronous continuations are not supported",
                   "不支持异步"),
    "asyncAfter": ("asynchronous continuations are not supported",
                  "不支持异步"),
    "script": ("scripts are not allowed",
              "不允许脚本"),
}

_FLOW_NODE_TAGS = frozenset({
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask", "receiveTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess", "startEvent", "endEvent",
    "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "parallelGateway",
    "inclusiveGateway", "eventBasedGateway", "complexGateway"})
_CONTAINERS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
_FALSE_TEXTS = frozenset({"false", "none", "null", "0", ""})
_BOOLEAN_SYSTEM_VARIABLES = frozenset({"is_major", "item_major"})


@dataclass(frozen=True)
class LintProblem:
    rule: str
    message: str
    element_id: str | None = None
    element_name: str | None = None
    file: str | None = None

    def to_dict(self) -> dict:
        return {"element_id": self.element_id, "element_name": self.element_name, "message": self.message,
                "file": self.file, "rule": self.rule}

    def line(self) -> str:
        where = self.element_id or "-"
        if self.element_name and self.element_name != self.element_id:
            where += f" “{self.element_name}”"
        return f"{self.file or '-'}: {where}: [{self.rule}] {self.message}"


# ------------------------------------------------------------------------------------------ model

@dataclass
class _Node:
    id: str
    tag: str
    name: str
    element: etree._Element = field(repr=False)
    parent: str | None = None  # id of the enclosing (embedded) subprocess
    kind: str | None = None  # appr:task kind
    attached_to: str | None = None  # boundary events
    called: str | None = None  # callActivity calledElement
    decision: str | None = None  # businessRuleTask spiffworkflow:calledDecisionId
    event_subprocess: bool = False


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    name: str
    condition: str | None
    element: etree._Element = field(repr=False)


@dataclass
class _Process:
    key: str
    name: str
    file: str
    element: etree._Element = field(repr=False)
    nodes: dict[str, _Node] = field(default_factory=dict)
    flows: dict[str, _Flow] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)  # gateway id -> default flow id
    lanes: dict[str, str] = field(default_factory=dict)  # node id -> lane name
    has_lanes: bool = False

    def outgoing(self, node_id: str) -> list[_Flow]:
        return [f for f in self.flows.values() if f.source == node_id]

    def boundaries(self, node_id: str) -> list[_Node]:
        return [n for n in self.nodes.values() if n.attached_to == node_id]

    def starts(self, scope: str | None) -> list[_Node]:
        return [n for n in self.nodes.values() if n.tag == "startEvent" and n.parent == scope]

    def ends(self, scope: str | None) -> list[_Node]:
        return [n for n in self.nodes.values() if n.tag == "endEvent" and n.parent == scope]


def _q(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _read_process(src: SourceFile) -> _Process | None:
    proc_el = next((p for p in src.root.findall(_q("process")) if p.get("id") == src.key), None)
    if proc_el is None:
        return None
    proc = _Process(key=src.key, name=src.name, file=src.filename, element=proc_el)
    for lane in proc_el.iter(_q("lane")):
        proc.has_lanes = True
        for ref in lane.findall(_q("flowNodeRef")):
            if ref.text and ref.text.strip():
                proc.lanes.setdefault(ref.text.strip(), lane.get("name") or "")

    def walk(container, parent_id):
        for child in container:
            tag = _local(child)
            if child.get("id") is None:
                continue
            if tag == "sequenceFlow":
                cond = child.find(_q("conditionExpression"))
                text = cond.text.strip() if cond is not None and cond.text and cond.text.strip() else None
                proc.flows[child.get("id")] = _Flow(child.get("id"), child.get("sourceRef") or "",
                                                    child.get("targetRef") or "", child.get("name") or "", text,
                                                    child)
            elif tag in _FLOW_NODE_TAGS:
                task_el = child.find(f"{_q('extensionElements')}/{{{APPR_NS}}}task")
                node = _Node(id=child.get("id"), tag=tag, name=child.get("name") or "", element=child,
                             parent=parent_id, kind=task_el.get("kind") if task_el is not None else None,
                             attached_to=child.get("attachedToRef"), called=child.get("calledElement"),
                             decision=(child.findtext(f"{_q('extensionElements')}/{{{SPIFF_NS}}}calledDecisionId")
                                       or "").strip() or None,
                             event_subprocess=(child.get("triggeredByEvent") or "").lower() == "true")
                proc.nodes[node.id] = node
                if tag in ("exclusiveGateway", "inclusiveGateway", "complexGateway") and child.get("default"):
                    proc.defaults[node.id] = child.get("default")
                if tag in _CONTAINERS:
                    walk(child, node.id)

    walk(proc_el, None)
    return proc


def _names(root: etree._Element) -> dict[str, str]:
    return {el.get("id"): (el.get("name") or el.get("label") or "") for el in root.iter()
            if isinstance(el.tag, str) and el.get("id")}


# ------------------------------------------------------------------------------------------ entry points

def lint_files(files: Iterable[tuple[str, bytes]], stored: Iterable[SourceFile] = (),
               major_processes: set[str] | None = None) -> list[LintProblem]:
    """Lint ``files`` (name, content) together with ``stored`` sources of other keys (e.g. the latest
    deployed versions), so that called processes and decisions resolve. Only ``files`` get the per-file
    checks; files that cannot be read at all are reported as such."""
    problems: list[LintProblem] = []
    sources: list[SourceFile] = []
    for filename, content in files:
        try:
            sources.append(read_source(filename, content))
        except DefinitionError as exc:
            problems.extend(_from_definition_problem(p, {}) for p in exc.problems)
    seen: dict[str, str] = {}
    for src in sources:
        if src.key in seen:
            problems.append(LintProblem("definition", f"与 {seen[src.key]} 定义了同一个 {src.key} / defines the same "
                                        f"{src.kind} id as {seen[src.key]}", src.key, src.name, src.filename))
        seen.setdefault(src.key, src.filename)
    if problems:
        return problems
    keys = {s.key for s in sources}
    candidate = {s.key: s for s in stored if s.key not in keys}
    candidate.update({s.key: s for s in sources})
    return lint(list(candidate.values()), changed=keys, major_processes=major_processes)


def lint(sources: Iterable[SourceFile], changed: set[str] | None = None,
         major_processes: set[str] | None = None) -> list[LintProblem]:
    """Every problem of ``sources`` compiled together.

    changed: keys whose files get the per-file checks (all when None); the major-path rule runs for every
    process whose expanded graph includes a changed key. major_processes: process keys that serve a
    catalogue-major service item (checked from their start); None means "assume every process may".
    """
    sources = list(sources)
    names = {s.filename: _names(s.root) for s in sources}
    compile_problems: list[LintProblem] = []
    try:
        compile_bundle(sources)
    except DefinitionError as exc:
        compile_problems = [_from_definition_problem(p, names.get(p.file or "", {})) for p in exc.problems]

    focus = [s for s in sources if changed is None or s.key in changed]
    procs = {s.key: p for s in sources if s.kind == "bpmn" and (p := _read_process(s)) is not None}
    decisions = {s.key: s for s in sources if s.kind == "dmn"}
    own: list[LintProblem] = []
    for src in focus:
        if src.kind == "bpmn":
            own.extend(_vendor_extensions(src, names[src.filename]))
            proc = procs.get(src.key)
            if proc is None:
                continue
            own.extend(_lanes_and_forms(proc))
            own.extend(_decision_references(proc, decisions))
            own.extend(_gateways(proc))
            own.extend(_dead_ends(proc))
            own.extend(_unreachable(proc))
            own.extend(_diagram_interchange(src, proc))
        else:
            own.extend(_catch_all(src))
    own.extend(_major_paths(procs, decisions, changed, major_processes))

    # The compiler already names some of these elements (lanes, forms, decisions, catch-all rows): keep
    # its message and drop ours for the same element.
    reported = {(p.file, p.element_id) for p in compile_problems}
    own = [p for p in own if not (p.rule in ("lane-role", "form", "catch-all")
                                  and (p.file, p.element_id) in reported)]
    result, seen = [], set()
    for p in compile_problems + own:
        if (p.file, p.element_id, p.message) not in seen:
            seen.add((p.file, p.element_id, p.message))
            result.append(p)
    return result


def _from_definition_problem(p: Problem, names: dict[str, str]) -> LintProblem:
    rule = "definition"
    if "lane" in p.message and "role" in p.message:
        rule = "lane-role"
    elif "form" in p.message and "declares no form" in p.message:
        rule = "form"
    elif "must match everything" in p.message:
        rule = "catch-all"
    return LintProblem(rule, p.message, p.element_id, names.get(p.element_id or "") or None, p.file)


def _problem(rule: str, message: str, proc_or_file, element_id: str | None, name: str | None = None) -> LintProblem:
    file = proc_or_file.file if isinstance(proc_or_file, _Process) else proc_or_file
    if name is None and isinstance(proc_or_file, _Process) and element_id:
        node = proc_or_file.nodes.get(element_id) or proc_or_file.flows.get(element_id)
        name = node.name if node is not None else None
    return LintProblem(rule, message, element_id, name or None, file)


# ------------------------------------------------------------------------------------------ vendor dialects

def _vendor_extensions(src: SourceFile, names: dict[str, str]) -> list[LintProblem]:
    problems, seen = [], set()

    def owner(el):
        while el is not None and not (isinstance(el.tag, str) and el.get("id")
                                      and etree.QName(el).namespace == BPMN_NS):
            el = el.getparent()
        return el.get("id") if el is not None else None

    def report(prefix, local, el):
        element_id = owner(el)
        if (element_id, prefix, local) in seen:
            return
        seen.add((element_id, prefix, local))
        en, zh = _VENDOR_ADVICE.get(local, ("this system reads only BPMN, spiffworkflow: and appr: extensions",
                                            "本系统只支持 BPMN 标准及 spiffworkflow:、appr: 扩展"))
        problems.append(LintProblem(
            "unsupported", f"不支持 {prefix}:{local}：{zh} / {prefix}:{local} is not supported: {en}",
            element_id, names.get(element_id or "") or None, src.filename))

    for el in src.root.iter():
        if not isinstance(el.tag, str):
            continue
        qname = etree.QName(el)
        if qname.namespace in VENDOR_NAMESPACES and VENDOR_NAMESPACES[qname.namespace]:
            if el.getparent() is not None and etree.QName(el.getparent()).namespace == qname.namespace:
                continue  # report the outermost vendor element only
            report(VENDOR_NAMESPACES[qname.namespace], qname.localname, el)
        for attr in el.attrib:
            aq = etree.QName(attr)
            if aq.namespace in VENDOR_NAMESPACES and VENDOR_NAMESPACES[aq.namespace]:
                report(VENDOR_NAMESPACES[aq.namespace], aq.localname, el)
        if qname.namespace == BPMN_NS and qname.localname in ("conditionExpression", "timeDuration", "timeDate",
                                                               "timeCycle"):
            text = (el.text or "").strip()
            if text.startswith(("${", "#{")):
                element_id = owner(el)
                problems.append(LintProblem(
                    "unsupported", f"JUEL expressions ({text[:40]}) are not supported: write a plain expression "
                    "such as outcome == 'accept' / 不支持 JUEL 表达式，请写成 outcome == 'accept' 这样的表达式",
                    element_id, names.get(element_id or "") or None, src.filename))
    return problems


# ------------------------------------------------------------------------------------------ lanes, forms, decisions

def _lanes_and_forms(proc: _Process) -> list[LintProblem]:
    problems = []
    user_tasks = [n for n in proc.nodes.values() if n.tag == "userTask"]
    if user_tasks and not proc.has_lanes:
        problems.append(_problem(
            "lane-role", f"流程没有泳道：每个用户任务须放在以角色命名的泳道中（{_LANE_HINT}） / the process has no "
            "lanes: put every user task in a lane named after a role", proc, proc.key, proc.name))
    for node in user_tasks:
        lane = proc.lanes.get(node.id)
        if role_for_lane(lane) is None:
            problems.append(_problem(
                "lane-role", f"用户任务所在泳道“{lane or '无'}”不对应任何角色 / the user task's lane "
                f"({lane or 'none'}) names no known role", proc, node.id))
        if node.element.find(f"{_q('extensionElements')}/{{{APPR_NS}}}form") is None:
            problems.append(_problem("form", "用户任务没有声明表单（appr:form） / the user task declares no form",
                                     proc, node.id))
        if node.kind is not None and node.kind not in task_kinds():
            problems.append(_problem("kind", f"未知的任务类型 / unknown task kind: {node.kind}", proc, node.id))
    return problems


def _decision_references(proc: _Process, decisions: dict[str, SourceFile]) -> list[LintProblem]:
    problems = []
    for node in proc.nodes.values():
        if node.tag != "businessRuleTask":
            continue
        if not node.decision:
            problems.append(_problem("decision-ref", "业务规则任务没有指定决策（spiffworkflow:calledDecisionId） / "
                                     "the business rule task names no decision", proc, node.id))
        elif node.decision not in decisions:
            problems.append(_problem("decision-ref", f"决策表不存在 / no such decision: {node.decision}", proc,
                                     node.id))
    return problems


def _catch_all(src: SourceFile) -> list[LintProblem]:
    ns = etree.QName(src.root).namespace
    problems = []
    for table in src.root.iter(f"{{{ns}}}decisionTable"):
        rules = table.findall(f"{{{ns}}}rule")
        last = rules[-1] if rules else None
        if last is None or any((entry.findtext(f"{{{ns}}}text") or "").strip() not in ("", "-")
                               for entry in last.findall(f"{{{ns}}}inputEntry")):
            problems.append(LintProblem(
                "catch-all", "决策表最后一行必须是兜底规则（所有输入为“-”） / the last rule must match everything "
                "(every input cell '-')", table.get("id"), src.name, src.filename))
    return problems


def _decision_can_be_major(src: SourceFile | None) -> bool:
    """Whether some row of the decision may set is_major to something true (unknown decisions: yes)."""
    if src is None:
        return True
    ns = etree.QName(src.root).namespace
    for table in src.root.iter(f"{{{ns}}}decisionTable"):
        outputs = table.findall(f"{{{ns}}}output")
        index = next((i for i, o in enumerate(outputs) if o.get("name") == "is_major"), None)
        if index is None:
            continue
        for rule in table.findall(f"{{{ns}}}rule"):
            entries = rule.findall(f"{{{ns}}}outputEntry")
            if index < len(entries):
                text = (entries[index].findtext(f"{{{ns}}}text") or "").strip().strip('"').lower()
                if text not in _FALSE_TEXTS:
                    return True
    return False


# ------------------------------------------------------------------------------------------ gateways

class _Unknown:
    def __repr__(self):
        return "UNKNOWN"


UNKNOWN = _Unknown()


def _parse(text: str | None):
    if not text:
        return None
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None


def _peval(node, env: dict):
    """Evaluate what can be evaluated: names in ``env`` are known, every other name is UNKNOWN."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id, UNKNOWN)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        values = [_peval(e, env) for e in node.elts]
        return UNKNOWN if any(v is UNKNOWN for v in values) else tuple(values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        value = _peval(node.operand, env)
        return UNKNOWN if value is UNKNOWN else not value
    if isinstance(node, ast.BoolOp):
        values = [_peval(v, env) for v in node.values]
        known = [v for v in values if v is not UNKNOWN]
        if isinstance(node.op, ast.And):
            if any(not v for v in known):
                return False
            return True if len(known) == len(values) else UNKNOWN
        if any(bool(v) for v in known):
            return True
        return False if len(known) == len(values) else UNKNOWN
    if isinstance(node, ast.Compare):
        left = _peval(node.left, env)
        for op, comparator in zip(node.ops, node.comparators):
            right = _peval(comparator, env)
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            try:
                ok = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Is: lambda a, b: a is b,
                      ast.IsNot: lambda a, b: a is not b, ast.In: lambda a, b: a in b,
                      ast.NotIn: lambda a, b: a not in b}[type(op)](left, right)
            except (KeyError, TypeError):
                return UNKNOWN
            if not ok:
                return False
            left = right
        return True
    return UNKNOWN


def _compiles(text: str) -> bool:
    try:
        compile_expression(text)
    except (SyntaxError, ForbiddenExpression, ValueError, RecursionError):
        return False
    return True


def _names_in(text: str | None) -> set[str]:
    tree = _parse(text)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} if tree is not None else set()


def _covered_values(node) -> tuple[str, set] | None:
    """(variable, values) when the condition is true exactly for these values of one variable."""
    if isinstance(node, ast.Name):
        return node.id, {True}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Name):
        return node.operand.id, {False}
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, op, right = node.left, node.ops[0], node.comparators[0]
        if isinstance(op, (ast.Eq, ast.Is)):
            if isinstance(right, ast.Name) and isinstance(left, ast.Constant):
                left, right = right, left
            if isinstance(left, ast.Name) and isinstance(right, ast.Constant):
                return left.id, {right.value}
        if isinstance(op, ast.In) and isinstance(left, ast.Name) and isinstance(right, (ast.List, ast.Tuple, ast.Set)) \
                and all(isinstance(e, ast.Constant) for e in right.elts):
            return left.id, {e.value for e in right.elts}
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        parts = [_covered_values(v) for v in node.values]
        if all(parts) and len({p[0] for p in parts}) == 1:
            return parts[0][0], set().union(*(p[1] for p in parts))
    return None


def _field_domain(proc: _Process, variable: str) -> set | None:
    """All values a required choice or boolean field can take, from every form of the process declaring it;
    None when some declaration may leave it empty or it is no such field."""
    if variable in _BOOLEAN_SYSTEM_VARIABLES:
        return {True, False}
    domain, found = set(), False
    for node in proc.nodes.values():
        form = node.element.find(f"{_q('extensionElements')}/{{{APPR_NS}}}form")
        if node.tag != "userTask" or form is None:
            continue
        for fld in form.findall(f"{{{APPR_NS}}}field"):
            if fld.get("name") != variable:
                continue
            if (fld.get("required") or "").strip().lower() not in ("true", "1", "yes"):
                return None
            if fld.get("type") == "choice":
                domain |= {o.get("value") for o in fld.findall(f"{{{APPR_NS}}}option")}
            elif fld.get("type") == "boolean":
                domain |= {True, False}
            else:
                return None
            found = True
    return domain if found else None


def _gateways(proc: _Process) -> list[LintProblem]:
    problems = []
    for node in proc.nodes.values():
        if node.tag not in ("exclusiveGateway", "inclusiveGateway"):
            continue
        outgoing = proc.outgoing(node.id)
        if not outgoing or node.id in proc.defaults:
            if node.id in proc.defaults and proc.defaults[node.id] not in {f.id for f in outgoing}:
                problems.append(_problem("gateway", f"默认流 {proc.defaults[node.id]} 不是此网关的出口 / the default "
                                         "flow is not an outgoing flow of this gateway", proc, node.id))
            continue
        if len(outgoing) == 1 and outgoing[0].condition is None:
            continue  # a merge
        if any(f.condition is None for f in outgoing):
            continue  # an unconditional flow is always possible
        if not all(_compiles(f.condition) for f in outgoing):
            continue  # the compiler reports the broken condition
        parts = [_covered_values(_parse(f.condition)) for f in outgoing]
        variables = {p[0] for p in parts if p}
        missing = None
        if all(parts) and len(variables) == 1:
            variable = variables.pop()
            domain = _field_domain(proc, variable)
            covered = set().union(*(p[1] for p in parts))
            if domain is not None:
                missing = domain - covered
                if not missing:
                    continue
            detail = (f"未覆盖 / not covered: {variable} == " + " / ".join(repr(v) for v in sorted(missing, key=str))
                      if missing else f"{variable} 不是必填的选择或是非字段 / {variable} is not a required choice "
                      "or yes/no field of this process's forms")
        else:
            detail = "条件不全是对同一个选择字段的取值判断 / the conditions are not tests of one choice field's options"
        problems.append(_problem(
            "gateway", "网关既没有默认流，条件也没有覆盖所有情形（如 outcome == 'accept' / 'correct' / 'reject' 覆盖了"
            "选择字段的全部选项） / the gateway has no default flow and its conditions do not cover every case: "
            f"add a default flow ({detail})", proc, node.id))
    return problems


# ------------------------------------------------------------------------------------------ graph

class _Graph:
    """Vertices: ``P+id+'>'`` (entering node ``id``) and ``P+id`` (it completed), P a call-path prefix.
    Sequence flows go from a node's completion to the target's entry; boundary events leave from the
    entry of their activity (they fire while it runs), so removing a task's completion vertex removes
    exactly the ways that complete the task."""

    def __init__(self):
        self.edges: dict[str, list[tuple[str, tuple[str, str] | None]]] = defaultdict(list)
        self.info: dict[str, tuple[_Process, _Node]] = {}
        self.keys: set[str] = set()

    def add(self, a: str, b: str, flow: tuple[str, str] | None = None) -> None:
        self.edges[a].append((b, flow))


def _build(graph: _Graph, proc: _Process, prefix: str, procs: dict[str, _Process] | None, stack: tuple) -> None:
    """Add ``proc`` to the graph; with ``procs``, expand call activities into the called process."""
    graph.keys.add(proc.key)
    for node in proc.nodes.values():
        v = prefix + node.id
        graph.info[v] = (proc, node)
        if node.tag in _CONTAINERS and not node.event_subprocess:
            starts, ends = proc.starts(node.id), proc.ends(node.id)
            for s in starts:
                graph.add(v + ">", prefix + s.id + ">")
            for e in ends:
                graph.add(prefix + e.id, v)
            if not starts:
                graph.add(v + ">", v)
        elif node.tag == "callActivity" and procs is not None and node.called in procs and node.called not in stack:
            called = procs[node.called]
            sub = f"{v}/"
            _build(graph, called, sub, procs, stack + (node.called,))
            for s in called.starts(None):
                graph.add(v + ">", sub + s.id + ">")
            for e in called.ends(None):
                graph.add(sub + e.id, v)
        else:
            graph.add(v + ">", v)
        if node.attached_to:
            graph.add(prefix + node.attached_to + ">", v + ">")
    for flow in proc.flows.values():
        graph.add(prefix + flow.source, prefix + flow.target + ">", (proc.key, flow.id))


def _roots(proc: _Process, prefix: str = "") -> list[str]:
    roots = [prefix + s.id + ">" for s in proc.starts(None)]
    for node in proc.nodes.values():  # event subprocesses start on their own
        if node.event_subprocess:
            roots += [prefix + s.id + ">" for s in proc.starts(node.id)]
    return roots


def _search(graph: _Graph, sources: Iterable[str], blocked: set[str] = frozenset(),
            pruned: set[tuple[str, str]] = frozenset()) -> dict[str, str | None]:
    """Breadth-first: every vertex reachable from ``sources`` without entering ``blocked`` vertices or
    following ``pruned`` flows; value: the vertex it was reached from."""
    came_from: dict[str, str | None] = {}
    queue = deque()
    for s in sources:
        if s not in blocked and s not in came_from:
            came_from[s] = None
            queue.append(s)
    while queue:
        v = queue.popleft()
        for w, flow in graph.edges.get(v, ()):
            if w in came_from or w in blocked or (flow is not None and flow in pruned):
                continue
            came_from[w] = v
            queue.append(w)
    return came_from


def _dead_ends(proc: _Process) -> list[LintProblem]:
    problems = []
    for node in proc.nodes.values():
        if node.tag == "endEvent" or proc.outgoing(node.id):
            continue
        if node.tag in _CONTAINERS and node.event_subprocess:
            continue  # an event subprocess is not part of the sequence flow
        problems.append(_problem("dead-end", "流程在此中断：除结束事件外，每个节点都须有出口顺序流 / dead end: every "
                                 "node except an end event needs an outgoing sequence flow", proc, node.id))
    return problems


def _unreachable(proc: _Process) -> list[LintProblem]:
    graph = _Graph()
    _build(graph, proc, "", None, (proc.key,))
    reached = _search(graph, _roots(proc))
    problems = []
    for node in proc.nodes.values():
        if node.event_subprocess or node.id + ">" in reached:
            continue
        problems.append(_problem("unreachable", "从开始事件无法到达此节点 / the element cannot be reached from a "
                                 "start event", proc, node.id))
    return problems


def _diagram_interchange(src: SourceFile, proc: _Process) -> list[LintProblem]:
    shapes = {s.get("bpmnElement") for s in src.root.iter(f"{{{BPMNDI_NS}}}BPMNShape")}
    edges = {e.get("bpmnElement") for e in src.root.iter(f"{{{BPMNDI_NS}}}BPMNEdge")}
    problems = [_problem("di-shape", "流程图中没有此节点的图形（BPMNShape） / the element has no shape in the "
                         "diagram (BPMNShape): lay it out in the modeler", proc, node.id)
                for node in proc.nodes.values() if node.id not in shapes]
    problems += [_problem("di-edge", "流程图中没有此顺序流的连线（BPMNEdge） / the sequence flow has no line in "
                          "the diagram (BPMNEdge)", proc, flow.id)
                 for flow in proc.flows.values() if flow.id not in edges]
    return problems


# ------------------------------------------------------------------------------------------ the major path

def _non_major_flows(procs: dict[str, _Process]) -> set[tuple[str, str]]:
    """Flows a major case never takes: conditions false when is_major is true, and the default flow of a
    gateway whose other flows include one that is surely taken when is_major is true."""
    pruned = set()
    env = {"is_major": True}
    for proc in procs.values():
        for node in proc.nodes.values():
            if node.tag not in ("exclusiveGateway", "inclusiveGateway"):
                continue
            outgoing = proc.outgoing(node.id)
            default = proc.defaults.get(node.id)
            surely_taken = False
            for flow in outgoing:
                if flow.id == default:
                    continue
                tree = _parse(flow.condition)
                value = _peval(tree, env) if tree is not None else UNKNOWN
                if flow.condition is None:
                    surely_taken = True
                elif value is not UNKNOWN and not value:
                    pruned.add((proc.key, flow.id))
                elif value is not UNKNOWN and value and "is_major" in _names_in(flow.condition):
                    surely_taken = True
            if default and surely_taken:
                pruned.add((proc.key, default))
    return pruned


def _path_text(graph: _Graph, came_from: dict[str, str | None], end: str) -> str:
    steps, v = [], end
    while v is not None:
        base = v[:-1] if v.endswith(">") else v
        if not steps or steps[-1] != base:
            steps.append(base)
        v = came_from[v]
    labels = []
    for base in reversed(steps):
        proc, node = graph.info[base]
        label = f"{proc.key}:{node.id}" if "/" in base else node.id
        labels.append(f"{label}（{node.name}）" if node.name else label)
    return " → ".join(labels)


def _major_paths(procs: dict[str, _Process], decisions: dict[str, SourceFile], changed: set[str] | None,
                 major_processes: set[str] | None) -> list[LintProblem]:
    problems = []
    pruned = _non_major_flows(procs)
    for proc in procs.values():
        graph = _Graph()
        _build(graph, proc, "", procs, (proc.key,))
        decides = [v for v, (_p, n) in graph.info.items() if n.kind == "decide"]
        if not decides:
            continue
        rule_tasks = [v for v, (_p, n) in graph.info.items() if n.tag == "businessRuleTask"
                      and _decision_can_be_major(decisions.get(n.decision or ""))]
        used = graph.keys | {n.decision for _p, n in graph.info.values() if n.decision}
        if changed is not None and not (used & changed):
            continue
        sources = list(rule_tasks)
        if major_processes is None or proc.key in major_processes:
            sources += _roots(proc)
        if not sources:
            continue
        for kind, label in (("legal_review", "法制审核 legal review"), ("committee", "专业审查委员会 committee")):
            blocked = {v for v, (_p, n) in graph.info.items() if n.kind == kind}
            came_from = _search(graph, sources, blocked, pruned)
            for v in decides:
                if v + ">" not in came_from:
                    continue
                owner, node = graph.info[v]
                problems.append(LintProblem(
                    "major-path",
                    f"重大案件可以不经{label.split()[0]}（kind {kind}）到达决定环节 / a major case can reach the "
                    f"decide task without passing a {kind} task (kind=\"{kind}\"); path: "
                    f"{_path_text(graph, came_from, v + '>')}",
                    node.id, node.name or None, owner.file))
    return problems

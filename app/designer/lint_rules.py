"""The policy linter's per-element rules: vendor extensions, lanes and forms, task kinds, decision
references and catch-all rows, gateway coverage, dead ends and the diagram's shapes and edges (the rules
are listed in app.designer.linter)."""
from __future__ import annotations

from lxml import etree

from app.bpmn.model import (
    APPR_NS,
    BPMN_NS,
    CONTAINER_TAGS,
    Process,
    diagram_refs,
    read_decision_tables,
)
from app.core.roles import ROLES, role_for_lane
from app.core.vocabulary import task_kinds
from app.designer.lint_conditions import compiles, covered_values, parse_condition
from app.designer.lint_problems import LintProblem, problem
from app.engine.definitions import SourceFile

_BOOLEAN_SYSTEM_VARIABLES = frozenset({"is_major", "item_major"})  # the system sets them: True or False
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


def vendor_extensions(src: SourceFile, names: dict[str, str]) -> list[LintProblem]:
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

def lanes_and_forms(proc: Process) -> list[LintProblem]:
    problems = []
    user_tasks = [n for n in proc.nodes.values() if n.tag == "userTask"]
    if user_tasks and not proc.has_lanes:
        problems.append(problem(
            "lane-role", f"流程没有泳道：每个用户任务须放在以角色命名的泳道中（{_LANE_HINT}） / the process has no "
            "lanes: put every user task in a lane named after a role", proc, proc.key, proc.name))
    for node in user_tasks:
        lane = proc.lane_name(node.id)
        if role_for_lane(lane) is None:
            problems.append(problem(
                "lane-role", f"用户任务所在泳道“{lane or '无'}”不对应任何角色 / the user task's lane "
                f"({lane or 'none'}) names no known role", proc, node.id))
        if node.form_element is None:
            problems.append(problem("form", "用户任务没有声明表单（appr:form） / the user task declares no form",
                                    proc, node.id))
        if node.kind is not None and node.kind not in task_kinds():
            problems.append(problem("kind", f"未知的任务类型 / unknown task kind: {node.kind}", proc, node.id))
    return problems


def decision_references(proc: Process, decisions: dict[str, SourceFile]) -> list[LintProblem]:
    problems = []
    for node in proc.nodes.values():
        if node.tag != "businessRuleTask":
            continue
        if not node.decision:
            problems.append(problem("decision-ref", "业务规则任务没有指定决策（spiffworkflow:calledDecisionId） / "
                                    "the business rule task names no decision", proc, node.id))
        elif node.decision not in decisions:
            problems.append(problem("decision-ref", f"决策表不存在 / no such decision: {node.decision}", proc,
                                    node.id))
    return problems


def catch_all(src: SourceFile) -> list[LintProblem]:
    problems = []
    for table in read_decision_tables(src.root):
        last = table.rules[-1] if table.rules else None
        if last is None or any((cell or "").strip() not in ("", "-") for cell in last.inputs):
            problems.append(LintProblem(
                "catch-all", "决策表最后一行必须是兜底规则（所有输入为“-”） / the last rule must match everything "
                "(every input cell '-')", table.id, src.name, src.filename))
    return problems


# ------------------------------------------------------------------------------------------ gateways

def _field_domain(proc: Process, variable: str) -> set | None:
    """All values a required choice or boolean field can take, from every form of the process declaring it;
    None when some declaration may leave it empty or it is no such field."""
    if variable in _BOOLEAN_SYSTEM_VARIABLES:
        return {True, False}
    domain, found = set(), False
    for node in proc.nodes.values():
        form = node.form_element
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


def gateways(proc: Process) -> list[LintProblem]:
    problems = []
    for node in proc.nodes.values():
        if node.tag not in ("exclusiveGateway", "inclusiveGateway"):
            continue
        outgoing = proc.outgoing(node.id)
        if not outgoing or node.id in proc.defaults:
            if node.id in proc.defaults and proc.defaults[node.id] not in {f.id for f in outgoing}:
                problems.append(problem("gateway", f"默认流 {proc.defaults[node.id]} 不是此网关的出口 / the default "
                                        "flow is not an outgoing flow of this gateway", proc, node.id))
            continue
        if len(outgoing) == 1 and outgoing[0].condition is None:
            continue  # a merge
        if any(f.condition is None for f in outgoing):
            continue  # an unconditional flow is always possible
        if not all(compiles(f.condition) for f in outgoing):
            continue  # the compiler reports the broken condition
        parts = [covered_values(parse_condition(f.condition)) for f in outgoing]
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
        problems.append(problem(
            "gateway", "网关既没有默认流，条件也没有覆盖所有情形（如 outcome == 'accept' / 'correct' / 'reject' 覆盖了"
            "选择字段的全部选项） / the gateway has no default flow and its conditions do not cover every case: "
            f"add a default flow ({detail})", proc, node.id))
    return problems


# ------------------------------------------------------------------------------------------ flow and diagram

def dead_ends(proc: Process) -> list[LintProblem]:
    problems = []
    for node in proc.nodes.values():
        if node.tag == "endEvent" or proc.outgoing(node.id):
            continue
        if node.tag in CONTAINER_TAGS and node.event_subprocess:
            continue  # an event subprocess is not part of the sequence flow
        problems.append(problem("dead-end", "流程在此中断：除结束事件外，每个节点都须有出口顺序流 / dead end: every "
                                "node except an end event needs an outgoing sequence flow", proc, node.id))
    return problems


def diagram_interchange(src: SourceFile, proc: Process) -> list[LintProblem]:
    shapes, edges = diagram_refs(src.root)
    problems = [problem("di-shape", "流程图中没有此节点的图形（BPMNShape） / the element has no shape in the "
                        "diagram (BPMNShape): lay it out in the modeler", proc, node.id)
                for node in proc.nodes.values() if node.id not in shapes]
    problems += [problem("di-edge", "流程图中没有此顺序流的连线（BPMNEdge） / the sequence flow has no line in "
                         "the diagram (BPMNEdge)", proc, flow.id)
                 for flow in proc.flows.values() if flow.id not in edges]
    return problems

"""The linter's path rules over the process graph: every flow node reachable from a start event
(``unreachable``), and every way a major case can take to a ``decide`` task passing a legal review and a
committee task, called processes expanded (``major-path``)."""
from __future__ import annotations

from collections import defaultdict, deque
from typing import Iterable

from app.bpmn.model import CONTAINER_TAGS, Node, Process, read_decision_tables
from app.designer.lint_conditions import UNKNOWN, names_in, parse_condition, peval
from app.designer.lint_problems import LintProblem, problem
from app.engine.definitions import SourceFile

_FALSE_TEXTS = frozenset({"false", "none", "null", "0", ""})


class _Graph:
    """Vertices: ``P+id+'>'`` (entering node ``id``) and ``P+id`` (it completed), P a call-path prefix.
    Sequence flows go from a node's completion to the target's entry; boundary events leave from the
    entry of their activity (they fire while it runs), so removing a task's completion vertex removes
    exactly the ways that complete the task."""

    def __init__(self):
        self.edges: dict[str, list[tuple[str, tuple[str, str] | None]]] = defaultdict(list)
        self.info: dict[str, tuple[Process, Node]] = {}
        self.keys: set[str] = set()

    def add(self, a: str, b: str, flow: tuple[str, str] | None = None) -> None:
        self.edges[a].append((b, flow))


def _build_graph(graph: _Graph, proc: Process, prefix: str, procs: dict[str, Process] | None,
                 stack: tuple) -> None:
    """Add ``proc`` to the graph; with ``procs``, expand call activities into the called process."""
    graph.keys.add(proc.key)
    for node in proc.nodes.values():
        v = prefix + node.id
        graph.info[v] = (proc, node)
        if node.tag in CONTAINER_TAGS and not node.event_subprocess:
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
            _build_graph(graph, called, sub, procs, stack + (node.called,))
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


def _roots(proc: Process, prefix: str = "") -> list[str]:
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


def unreachable(proc: Process) -> list[LintProblem]:
    graph = _Graph()
    _build_graph(graph, proc, "", None, (proc.key,))
    reached = _search(graph, _roots(proc))
    problems = []
    for node in proc.nodes.values():
        if node.event_subprocess or node.id + ">" in reached:
            continue
        problems.append(problem("unreachable", "从开始事件无法到达此节点 / the element cannot be reached from a "
                                "start event", proc, node.id))
    return problems



# ------------------------------------------------------------------------------------------ the major path

def _non_major_flows(procs: dict[str, Process]) -> set[tuple[str, str]]:
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
                tree = parse_condition(flow.condition)
                value = peval(tree, env) if tree is not None else UNKNOWN
                if flow.condition is None:
                    surely_taken = True
                elif value is not UNKNOWN and not value:
                    pruned.add((proc.key, flow.id))
                elif value is not UNKNOWN and value and "is_major" in names_in(flow.condition):
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


def major_paths(procs: dict[str, Process], decisions: dict[str, SourceFile], changed: set[str] | None,
                major_processes: set[str] | None) -> list[LintProblem]:
    problems = []
    pruned = _non_major_flows(procs)
    for proc in procs.values():
        graph = _Graph()
        _build_graph(graph, proc, "", procs, (proc.key,))
        decides = [v for v, (_p, n) in graph.info.items() if n.kind == "decide"]
        if not decides:
            continue
        rule_tasks = [v for v, (_p, n) in graph.info.items() if n.tag == "businessRuleTask"
                      and decision_can_be_major(decisions.get(n.decision or ""))]
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


def decision_can_be_major(src: SourceFile | None) -> bool:
    """Whether some row of the decision may set is_major to something true (unknown decisions: yes)."""
    if src is None:
        return True
    for table in read_decision_tables(src.root):
        index = next((i for i, o in enumerate(table.outputs) if o.name == "is_major"), None)
        if index is None:
            continue
        for rule in table.rules:
            if index < len(rule.outputs):
                text = (rule.outputs[index] or "").strip().strip('"').lower()
                if text not in _FALSE_TEXTS:
                    return True
    return False


# ------------------------------------------------------------------------------------------ revocation

def revocation_paths(procs: dict[str, Process], changed: set[str] | None,
                     revocation_processes: set[str]) -> list[LintProblem]:
    """A revocation of a licence (撤销/撤回行政许可, 行政许可法 第六十九条、第八条) is a major enforcement decision
    whatever a rule or the catalogue says: in a revocation process every way from the start to a ``decide``
    task passes a ``legal_review`` task (called processes expanded)."""
    problems = []
    for proc in procs.values():
        if proc.key not in revocation_processes:
            continue
        graph = _Graph()
        _build_graph(graph, proc, "", procs, (proc.key,))
        if changed is not None and not (graph.keys & changed):
            continue
        blocked = {v for v, (_p, n) in graph.info.items() if n.kind == "legal_review"}
        came_from = _search(graph, _roots(proc), blocked)
        for v in (v for v, (_p, n) in graph.info.items() if n.kind == "decide"):
            if v + ">" not in came_from:
                continue
            owner, node = graph.info[v]
            problems.append(LintProblem(
                "revocation-review",
                "撤销（撤回）行政许可是重大执法决定，决定前须经法制审核（kind legal_review） / revoking a licence is a "
                "major enforcement decision: every path to the decide task must pass a legal_review task; path: "
                f"{_path_text(graph, came_from, v + '>')}", node.id, node.name or None, owner.file))
    return problems

"""The BPMN and DMN model every reader shares: namespaces, a process's flow nodes, sequence flows and lanes,
the diagram's shapes and edges, and a decision table's inputs, outputs and rules.

The engine reads definitions through SpiffWorkflow; the designer's linter and diff, the designer pages and
the public service guide read the diagram as drawn, from the parsed XML (``app.bpmn.xml``), through the
functions here. Nothing here runs anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from app.bpmn.xml import parse_untrusted_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
APPR_NS = "urn:xzsp:approval:1.0"  # our extension: appr:task (kind, due days, …) and appr:form
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)

TASK_TAGS = frozenset({"task", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask",
                       "receiveTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"})
EVENT_TAGS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
                        "boundaryEvent"})
GATEWAY_TAGS = frozenset({"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
                          "complexGateway"})
FLOW_NODE_TAGS = TASK_TAGS | EVENT_TAGS | GATEWAY_TAGS
CONTAINER_TAGS = frozenset({"subProcess", "transaction", "adHocSubProcess"})


def bpmn(tag: str) -> str:
    """The qualified name of a BPMN element, for find/iter."""
    return f"{{{BPMN_NS}}}{tag}"


EXTENSIONS = bpmn("extensionElements")


def local_name(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


# ------------------------------------------------------------------------------------------ processes

@dataclass
class Node:
    """A flow node: a task, an event or a gateway, with our extension elements read."""
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

    @property
    def task_element(self) -> etree._Element | None:
        return self.element.find(f"{EXTENSIONS}/{{{APPR_NS}}}task")

    @property
    def form_element(self) -> etree._Element | None:
        return self.element.find(f"{EXTENSIONS}/{{{APPR_NS}}}form")


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str
    condition: str | None
    element: etree._Element = field(repr=False)


@dataclass
class Lane:
    id: str | None
    name: str
    element: etree._Element = field(repr=False)


@dataclass
class Process:
    key: str
    name: str
    element: etree._Element = field(repr=False)
    file: str | None = None
    nodes: dict[str, Node] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # ids of nodes and flows in document order
    defaults: dict[str, str] = field(default_factory=dict)  # gateway id -> default flow id
    lanes: list[Lane] = field(default_factory=list)
    lane_of: dict[str, Lane] = field(default_factory=dict)  # node id -> the first lane that lists it

    @property
    def has_lanes(self) -> bool:
        return bool(self.lanes)

    def lane_name(self, node_id: str) -> str | None:
        lane = self.lane_of.get(node_id)
        return lane.name if lane is not None else None

    def outgoing(self, node_id: str) -> list[Flow]:
        return [f for f in self.flows.values() if f.source == node_id]

    def boundaries(self, node_id: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.attached_to == node_id]

    def starts(self, scope: str | None) -> list[Node]:
        return [n for n in self.nodes.values() if n.tag == "startEvent" and n.parent == scope]

    def ends(self, scope: str | None) -> list[Node]:
        return [n for n in self.nodes.values() if n.tag == "endEvent" and n.parent == scope]


def read_process(root: etree._Element, key: str, name: str | None = None, file: str | None = None) -> Process | None:
    """The process ``key`` of a parsed BPMN file (None when the file has no such process)."""
    element = next((p for p in root.findall(bpmn("process")) if p.get("id") == key), None)
    if element is None:
        return None
    proc = Process(key=key, name=name if name is not None else (element.get("name") or key), element=element,
                   file=file)
    for lane_el in element.iter(bpmn("lane")):
        lane = Lane(lane_el.get("id"), lane_el.get("name") or "", lane_el)
        proc.lanes.append(lane)
        for ref in lane_el.findall(bpmn("flowNodeRef")):
            if ref.text and ref.text.strip():
                proc.lane_of.setdefault(ref.text.strip(), lane)
    _read_children(proc, element, None)
    return proc


def _read_children(proc: Process, container: etree._Element, parent_id: str | None) -> None:
    for child in container:
        if not isinstance(child.tag, str) or child.get("id") is None or etree.QName(child).namespace != BPMN_NS:
            continue
        tag = local_name(child)
        if tag == "sequenceFlow":
            proc.flows[child.get("id")] = _flow(child)
            proc.order.append(child.get("id"))
        elif tag in FLOW_NODE_TAGS:
            node = _node(child, tag, parent_id)
            proc.nodes[node.id] = node
            proc.order.append(node.id)
            if tag in ("exclusiveGateway", "inclusiveGateway", "complexGateway") and child.get("default"):
                proc.defaults[node.id] = child.get("default")
            if tag in CONTAINER_TAGS:
                _read_children(proc, child, node.id)


def _flow(el: etree._Element) -> Flow:
    cond = el.find(bpmn("conditionExpression"))
    text = cond.text.strip() if cond is not None and cond.text and cond.text.strip() else None
    return Flow(el.get("id"), el.get("sourceRef") or "", el.get("targetRef") or "", el.get("name") or "", text, el)


def _node(el: etree._Element, tag: str, parent_id: str | None) -> Node:
    task = el.find(f"{EXTENSIONS}/{{{APPR_NS}}}task")
    decision = (el.findtext(f"{EXTENSIONS}/{{{SPIFF_NS}}}calledDecisionId") or "").strip() or None
    return Node(id=el.get("id"), tag=tag, name=el.get("name") or "", element=el, parent=parent_id,
                kind=task.get("kind") if task is not None else None, attached_to=el.get("attachedToRef"),
                called=el.get("calledElement"), decision=decision,
                event_subprocess=(el.get("triggeredByEvent") or "").lower() == "true")


def element_names(root: etree._Element) -> dict[str, str]:
    """Every element id of the file with its name (or label), for messages that name an element."""
    return {el.get("id"): (el.get("name") or el.get("label") or "") for el in root.iter()
            if isinstance(el.tag, str) and el.get("id")}


def diagram_refs(root: etree._Element) -> tuple[set[str], set[str]]:
    """The element ids that have a shape, and those that have an edge, in the diagram (BPMNDI)."""
    shapes = {s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI_NS}}}BPMNShape")}
    edges = {e.get("bpmnElement") for e in root.iter(f"{{{BPMNDI_NS}}}BPMNEdge")}
    return shapes, edges


def read_process_steps(bpmn_xml: bytes, process_key: str) -> list[tuple[str, str, bool]]:
    """The steps the public sees in a process, in document order: (name, lane name, is a called process)
    for each user task and call activity at the top level of process ``process_key`` (else the file's first
    process). Raises ValueError when the file is refused (see ``app.bpmn.xml``)."""
    root = parse_untrusted_xml(bpmn_xml)
    lanes = {ref.text.strip(): lane.get("name", "") for lane in root.iter(bpmn("lane"))
             for ref in lane.iter(bpmn("flowNodeRef")) if ref.text}
    processes = root.findall(bpmn("process"))
    process = next((p for p in processes if p.get("id") == process_key), processes[0] if processes else None)
    if process is None:
        return []
    return [(el.get("name") or el.get("id"), lanes.get(el.get("id"), ""), el.tag == bpmn("callActivity"))
            for el in process if el.tag in (bpmn("userTask"), bpmn("callActivity"))]


# ------------------------------------------------------------------------------------------ decision tables

@dataclass
class DmnInput:
    id: str | None
    label: str | None
    expression: str | None  # raw text of inputExpression/text


@dataclass
class DmnOutput:
    id: str | None
    name: str | None
    label: str | None
    type_ref: str | None


@dataclass
class DmnRule:
    id: str | None
    description: str | None  # raw texts (None when the element is missing)
    inputs: list[str | None]
    outputs: list[str | None]


@dataclass
class DecisionTable:
    id: str | None
    hit_policy: str | None
    element: etree._Element = field(repr=False)
    inputs: list[DmnInput] = field(default_factory=list)
    outputs: list[DmnOutput] = field(default_factory=list)
    rules: list[DmnRule] = field(default_factory=list)


def read_decision_tables(element: etree._Element) -> list[DecisionTable]:
    """The decision tables under ``element`` (a DMN file's root or one of its decisions), in document order."""
    ns = etree.QName(element).namespace

    def q(tag):
        return f"{{{ns}}}{tag}"

    tables = []
    for table_el in element.iter(q("decisionTable")):
        table = DecisionTable(table_el.get("id"), table_el.get("hitPolicy"), table_el)
        table.inputs = [DmnInput(i.get("id"), i.get("label"), i.findtext(f"{q('inputExpression')}/{q('text')}"))
                        for i in table_el.findall(q("input"))]
        table.outputs = [DmnOutput(o.get("id"), o.get("name"), o.get("label"), o.get("typeRef"))
                         for o in table_el.findall(q("output"))]
        table.rules = [DmnRule(r.get("id"), r.findtext(q("description")),
                               [e.findtext(q("text")) for e in r.findall(q("inputEntry"))],
                               [e.findtext(q("text")) for e in r.findall(q("outputEntry"))])
                       for r in table_el.findall(q("rule"))]
        tables.append(table)
    return tables

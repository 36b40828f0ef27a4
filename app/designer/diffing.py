"""What changed between two versions of one definition: elements added, removed and changed.

Elements are matched by id. For a BPMN process the compared properties are the names, types, lanes, task
kinds and due days, instructions, called processes and decisions, gateway defaults, sequence flow ends and
conditions, timer expressions, and every form field (``appr:form``) one by one. For a DMN decision they are
the inputs, outputs, hit policy and every rule's cells (``rule`` elements by id, and their position).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from app.bpmn.model import (
    APPR_NS,
    EXTENSIONS,
    SPIFF_NS,
    Flow,
    Node,
    Process,
    bpmn,
    read_decision_tables,
    read_process,
)
from app.engine.definitions import SourceFile, read_source


@dataclass(frozen=True)
class Element:
    id: str
    tag: str
    name: str
    props: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Change:
    what: str  # 'name', 'lane', 'condition', 'form:<field>', 'input:<input id>', …
    old: str | None
    new: str | None

    @property
    def category(self) -> str:
        return self.what.split(":", 1)[0]

    @property
    def detail(self) -> str | None:
        return self.what.split(":", 1)[1] if ":" in self.what else None


@dataclass
class ElementChange:
    id: str
    tag: str
    name: str
    changes: list[Change]


@dataclass
class DefinitionDiff:
    key: str
    kind: str
    old_version: int
    new_version: int
    added: list[Element] = field(default_factory=list)
    removed: list[Element] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        """Plain text, one line per element or property (the CLI prints these)."""
        out = [f"{self.key} v{self.old_version} → v{self.new_version}"]
        for e in self.added:
            out.append(f"+ {e.tag} {e.id}{_quoted(e.name)}")
        for e in self.removed:
            out.append(f"- {e.tag} {e.id}{_quoted(e.name)}")
        for c in self.changed:
            out.append(f"~ {c.tag} {c.id}{_quoted(c.name)}")
            for ch in c.changes:
                out.append(f"    {ch.what}: {_shown(ch.old)} → {_shown(ch.new)}")
        if self.empty:
            out.append("  (no differences)")
        return out


def _quoted(name: str) -> str:
    return f" “{name}”" if name else ""


def _shown(value: str | None) -> str:
    return "(none)" if value is None else repr(value) if value == "" else value


# ------------------------------------------------------------------------------------------ reading

def _squash(text: str | None) -> str | None:
    """The text with its whitespace runs as single spaces; None when there is none."""
    return " ".join((text or "").split()) or None


def _text(el) -> str | None:
    return None if el is None else _squash(el.text)


def _form_fields(node: Node) -> dict[str, str]:
    form = node.form_element
    if form is None:
        return {}
    result = {}
    for fld in form.findall(f"{{{APPR_NS}}}field"):
        attrs = [f"{k}={v}" for k, v in sorted(fld.attrib.items()) if k != "name"]
        options = [f"{o.get('value') or o.get('key')}={o.get('label')}" for o in fld
                   if isinstance(o.tag, str) and etree.QName(o).localname in ("option", "item")]
        if options:
            attrs.append("options=" + " | ".join(options))
        result[f"form:{fld.get('name')}"] = "; ".join(attrs)
    return result


def _flow_props(flow: Flow) -> dict[str, str | None]:
    el = flow.element
    return {"name": flow.name, "from → to": f"{el.get('sourceRef')} → {el.get('targetRef')}",
            "condition": _text(el.find(bpmn("conditionExpression")))}


def _node_props(proc: Process, node: Node) -> dict[str, str | None]:
    el = node.element
    lane = proc.lane_of.get(node.id)
    props: dict[str, str | None] = {"name": node.name, "lane": (lane.name or lane.id) if lane else None}
    task = node.task_element
    if task is not None:
        props["kind"] = task.get("kind")
        props["dueWorkdays"] = task.get("dueWorkdays")
        props["requiresAudioVideo"] = task.get("requiresAudioVideo")
    props["instructions"] = _text(el.find(f"{EXTENSIONS}/{{{SPIFF_NS}}}instructionsForEndUser"))
    props["calledElement"] = el.get("calledElement")
    props["decision"] = _text(el.find(f"{EXTENSIONS}/{{{SPIFF_NS}}}calledDecisionId"))
    props["default"] = el.get("default")
    props["attachedTo"] = el.get("attachedToRef")
    for timer in ("timeDuration", "timeDate", "timeCycle"):
        found = el.find(f".//{bpmn(timer)}")
        if found is not None:
            props[f"timer:{timer}"] = _text(found)
    props.update(_form_fields(node))
    return props


def _bpmn_elements(src: SourceFile) -> dict[str, Element]:
    proc = read_process(src.root, src.key, src.name)
    elements: dict[str, Element] = {}
    for lane in proc.lanes:
        elements[lane.id] = Element(lane.id, "lane", lane.name, {"name": lane.name})
    elements[src.key] = Element(src.key, "process", src.name, {"name": proc.element.get("name") or ""})
    for element_id in proc.order:
        flow, node = proc.flows.get(element_id), proc.nodes.get(element_id)
        tag, name = ("sequenceFlow", flow.name) if flow is not None else (node.tag, node.name)
        props = _flow_props(flow) if flow is not None else _node_props(proc, node)
        elements[element_id] = Element(element_id, tag, name, {k: v for k, v in props.items() if v is not None})
    return elements


def _dmn_elements(src: SourceFile) -> dict[str, Element]:
    ns = etree.QName(src.root).namespace
    decision = next(d for d in src.root.findall(f"{{{ns}}}decision") if d.get("id") == src.key)
    elements: dict[str, Element] = {src.key: Element(src.key, "decision", src.name,
                                                     {"name": decision.get("name") or ""})}
    for table in read_decision_tables(decision):
        table_id = table.id or "decisionTable"
        elements[table_id] = Element(table_id, "decisionTable", "", {"hitPolicy": table.hit_policy or "UNIQUE"})
        for i in table.inputs:
            elements[i.id] = Element(i.id, "input", i.label or "", {"label": i.label or "",
                                                                  "expression": _squash(i.expression)})
        for o in table.outputs:
            elements[o.id] = Element(o.id, "output", o.name or "", {
                "name": o.name or "", "label": o.label or "", "typeRef": o.type_ref or ""})
        input_names = [i.label or i.id for i in table.inputs]
        output_names = [o.name or o.label or o.id for o in table.outputs]
        for position, rule in enumerate(table.rules, start=1):
            props = {"position": str(position), "description": _squash(rule.description) or ""}
            for name, cell in zip(input_names, rule.inputs):
                props[f"input:{name}"] = _squash(cell) or "-"
            for name, cell in zip(output_names, rule.outputs):
                props[f"output:{name}"] = _squash(cell) or ""
            elements[rule.id] = Element(rule.id, "rule", props["description"], props)
    return elements


def elements_of(src: SourceFile) -> dict[str, Element]:
    return _bpmn_elements(src) if src.kind == "bpmn" else _dmn_elements(src)


# ------------------------------------------------------------------------------------------ comparing

def diff_sources(old: SourceFile, new: SourceFile, key: str, old_version: int, new_version: int) -> DefinitionDiff:
    a, b = elements_of(old), elements_of(new)
    result = DefinitionDiff(key=key, kind=new.kind, old_version=old_version, new_version=new_version)
    result.added = [b[i] for i in b if i not in a]
    result.removed = [a[i] for i in a if i not in b]
    for i in b:
        if i not in a:
            continue
        old_props, new_props = a[i].props, b[i].props
        keys = list(old_props) + [k for k in new_props if k not in old_props]
        changes = [Change(k, old_props.get(k), new_props.get(k)) for k in keys if old_props.get(k) != new_props.get(k)]
        if changes:
            result.changed.append(ElementChange(i, b[i].tag, b[i].name or a[i].name, changes))
    return result


def diff_versions(old, new) -> DefinitionDiff:
    """Diff two DefinitionVersion rows of the same key."""
    return diff_sources(read_source(old.filename, old.content), read_source(new.filename, new.content),
                        new.key, old.version, new.version)

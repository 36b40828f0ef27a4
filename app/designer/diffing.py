"""What changed between two versions of one definition: elements added, removed and changed.

Elements are matched by id. For a BPMN process the compared properties are the names, types, lanes, task
kinds and due days, instructions, called processes and decisions, gateway defaults, sequence flow ends and
conditions, timer expressions, and every form field (``appr:form``) one by one. For a DMN decision they are
the inputs, outputs, hit policy and every rule's cells (``rule`` elements by id, and their position).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from app.designer.linter import _FLOW_NODE_TAGS, SPIFF_NS
from app.engine.definitions import BPMN_NS, SourceFile, read_source
from app.engine.forms import APPR_NS

_EXT = f"{{{BPMN_NS}}}extensionElements"


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

def _text(el) -> str | None:
    if el is None:
        return None
    return " ".join((el.text or "").split()) or None


def _form_fields(node) -> dict[str, str]:
    form = node.find(f"{_EXT}/{{{APPR_NS}}}form")
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


def _bpmn_elements(src: SourceFile) -> dict[str, Element]:
    proc = next(p for p in src.root.findall(f"{{{BPMN_NS}}}process") if p.get("id") == src.key)
    lanes = {}
    elements: dict[str, Element] = {}
    for lane in proc.iter(f"{{{BPMN_NS}}}lane"):
        elements[lane.get("id")] = Element(lane.get("id"), "lane", lane.get("name") or "",
                                           {"name": lane.get("name") or ""})
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            if ref.text and ref.text.strip():
                lanes.setdefault(ref.text.strip(), lane.get("name") or lane.get("id"))
    elements[src.key] = Element(src.key, "process", src.name, {"name": proc.get("name") or ""})
    for el in proc.iter():
        if not isinstance(el.tag, str) or el.get("id") is None or etree.QName(el).namespace != BPMN_NS:
            continue
        tag = etree.QName(el).localname
        props: dict[str, str | None] = {"name": el.get("name") or ""}
        if tag == "sequenceFlow":
            props["from → to"] = f"{el.get('sourceRef')} → {el.get('targetRef')}"
            props["condition"] = _text(el.find(f"{{{BPMN_NS}}}conditionExpression"))
        elif tag in _FLOW_NODE_TAGS:
            props["lane"] = lanes.get(el.get("id"))
            task = el.find(f"{_EXT}/{{{APPR_NS}}}task")
            if task is not None:
                props["kind"] = task.get("kind")
                props["dueWorkdays"] = task.get("dueWorkdays")
                props["requiresAudioVideo"] = task.get("requiresAudioVideo")
            props["instructions"] = _text(el.find(f"{_EXT}/{{{SPIFF_NS}}}instructionsForEndUser"))
            props["calledElement"] = el.get("calledElement")
            props["decision"] = _text(el.find(f"{_EXT}/{{{SPIFF_NS}}}calledDecisionId"))
            props["default"] = el.get("default")
            props["attachedTo"] = el.get("attachedToRef")
            for timer in ("timeDuration", "timeDate", "timeCycle"):
                found = el.find(f".//{{{BPMN_NS}}}{timer}")
                if found is not None:
                    props[f"timer:{timer}"] = _text(found)
            props.update(_form_fields(el))
        else:
            continue
        elements[el.get("id")] = Element(el.get("id"), tag, el.get("name") or "",
                                         {k: v for k, v in props.items() if v is not None})
    return elements


def _dmn_elements(src: SourceFile) -> dict[str, Element]:
    ns = etree.QName(src.root).namespace

    def q(tag):
        return f"{{{ns}}}{tag}"

    elements: dict[str, Element] = {}
    decision = next(d for d in src.root.findall(q("decision")) if d.get("id") == src.key)
    elements[src.key] = Element(src.key, "decision", src.name, {"name": decision.get("name") or ""})
    for table in decision.iter(q("decisionTable")):
        elements[table.get("id") or "decisionTable"] = Element(
            table.get("id") or "decisionTable", "decisionTable", "", {"hitPolicy": table.get("hitPolicy") or "UNIQUE"})
        inputs = table.findall(q("input"))
        outputs = table.findall(q("output"))
        input_names = [i.get("label") or i.get("id") for i in inputs]
        output_names = [o.get("name") or o.get("label") or o.get("id") for o in outputs]
        for i in inputs:
            elements[i.get("id")] = Element(i.get("id"), "input", i.get("label") or "", {
                "label": i.get("label") or "", "expression": _text(i.find(f"{q('inputExpression')}/{q('text')}"))})
        for o in outputs:
            elements[o.get("id")] = Element(o.get("id"), "output", o.get("name") or "", {
                "name": o.get("name") or "", "label": o.get("label") or "", "typeRef": o.get("typeRef") or ""})
        for position, rule in enumerate(table.findall(q("rule")), start=1):
            props = {"position": str(position), "description": _text(rule.find(q("description"))) or ""}
            for name, entry in zip(input_names, rule.findall(q("inputEntry"))):
                props[f"input:{name}"] = _text(entry.find(q("text"))) or "-"
            for name, entry in zip(output_names, rule.findall(q("outputEntry"))):
                props[f"output:{name}"] = _text(entry.find(q("text"))) or ""
            elements[rule.get("id")] = Element(rule.get("id"), "rule", props["description"], props)
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

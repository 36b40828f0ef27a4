"""What the SVG renderer draws: the diagram interchange (BPMNDI) of a BPMN file — the shapes and edges of its
first plane with their bounds and waypoints — joined to the BPMN elements they stand for."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from lxml import etree

from app.bpmn.model import BPMN_NS, BPMNDI_NS, DC_NS, DI_NS
from app.bpmn.svg_geometry import Box
from app.bpmn.svg_text import clean_text


@dataclass
class DiagramElement:
    id: str
    kind: str  # BPMN local name, e.g. "userTask"; "" when the DI points at nothing we know
    name: str
    node: etree._Element | None


@dataclass
class Shape:
    el: DiagramElement
    box: Box
    label: Box | None
    di: etree._Element


@dataclass
class Edge:
    el: DiagramElement
    points: list[tuple[float, float]]
    label: Box | None
    extra: dict = field(default_factory=dict)


def _num(node: etree._Element, attr: str) -> float:
    raw = node.get(attr)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"BPMN DI: invalid {attr}={raw!r} in {etree.QName(node).localname}") from None
    if not math.isfinite(value) or abs(value) > 1e7:
        raise ValueError(f"BPMN DI: invalid {attr}={raw!r} in {etree.QName(node).localname}")
    return value


def _bounds(node: etree._Element | None) -> Box | None:
    if node is None:
        return None
    b = node.find(f"{{{DC_NS}}}Bounds")
    if b is None:
        return None
    box = Box(_num(b, "x"), _num(b, "y"), _num(b, "width"), _num(b, "height"))
    if box.w < 0 or box.h < 0:
        raise ValueError("BPMN DI: negative width or height in dc:Bounds")
    return box


def element_name(node: etree._Element | None) -> str:
    """The element's name (a text annotation's text), for titles and labels."""
    if node is None:
        return ""
    if etree.QName(node).localname == "textAnnotation":
        text = node.find(f"{{{BPMN_NS}}}text")
        return clean_text(text.text if text is not None else "").strip()
    return clean_text(node.get("name")).strip()


def read_diagram(root: etree._Element):
    """(BPMN elements by id, shapes, edges) of the first BPMNPlane; ValueError when there is nothing to draw."""
    elements: dict[str, etree._Element] = {}
    for node in root.iter(f"{{{BPMN_NS}}}*"):
        ident = node.get("id")
        if ident and ident not in elements:
            elements[ident] = node

    plane = next(root.iter(f"{{{BPMNDI_NS}}}BPMNPlane"), None)
    if plane is None:
        raise ValueError("BPMN 文件没有图形布局信息（BPMNDI）/ the BPMN document has no diagram interchange "
                         "(bpmndi:BPMNDiagram/BPMNPlane) to draw")

    shapes: list[Shape] = []
    edges: list[Edge] = []
    for di in plane:
        if not isinstance(di.tag, str):
            continue
        local = etree.QName(di).localname
        if local not in ("BPMNShape", "BPMNEdge"):
            continue
        ref = di.get("bpmnElement") or ""
        node = elements.get(ref)
        el = DiagramElement(ref or (di.get("id") or ""), etree.QName(node).localname if node is not None else "",
                            element_name(node), node)
        label = _bounds(di.find(f"{{{BPMNDI_NS}}}BPMNLabel"))
        if local == "BPMNShape":
            box = _bounds(di)
            if box is None:
                raise ValueError(f"BPMN DI: shape for {ref!r} has no dc:Bounds")
            shapes.append(Shape(el, box, label, di))
        else:
            pts = [(_num(wp, "x"), _num(wp, "y")) for wp in di.findall(f"{{{DI_NS}}}waypoint")]
            if len(pts) >= 2:
                edges.append(Edge(el, pts, label))
    if not shapes:
        raise ValueError("BPMN 文件没有图形布局信息（BPMNDI）/ the BPMN document's first BPMNPlane has no "
                         "BPMNShape: there is no diagram layout to draw")
    return elements, shapes, edges

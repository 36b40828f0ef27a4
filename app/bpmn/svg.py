"""Server-side rendering of a BPMN 2.0 diagram (its BPMNDI layout) as a self-contained SVG string.

Used by the staff web UI: the case page shows which steps of the case are completed and which are
current, and an operations view can put a badge (e.g. the number of open cases) on each step.

The output needs no script, no stylesheet and no external resource: every colour is a presentation
attribute, arrowheads are plain polygons (no <marker> ids that could clash when several diagrams are
inlined in one page). Groups that stand for a BPMN element carry ``data-element-id`` and a class:

* flow nodes:  ``class="bpmn-node done|current|todo"`` plus ``data-kind="userTask"`` etc.
* flows:       ``class="bpmn-edge done|current|todo"`` (sequence, message flows and associations)
* pool, lanes: ``class="bpmn-pool"`` / ``class="bpmn-lane"``
* artifacts:   ``class="bpmn-artifact"`` (text annotations, data objects and stores, groups)

Each group has a <title> child (the element's name, else its id) which browsers show as a tooltip.
The <svg> has width/height equal to the diagram's size at scale 1 (text stays readable); a page may
override them with CSS (e.g. ``width:100%; height:auto``) as the viewBox keeps the proportions.

The BPMN file is untrusted input: it is parsed by app.bpmn.xml (no entities, DTDs or network, a DOCTYPE
refused). All text goes into the SVG through lxml, which escapes it.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from lxml import etree

from app.bpmn.model import BPMN_NS, BPMNDI_NS, DC_NS, DI_NS
from app.bpmn.xml import parse_untrusted_xml

__all__ = ["render_svg", "FONT_FAMILY"]

SVG_NS = "http://www.w3.org/2000/svg"

FONT_FAMILY = ("Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, "
               "WenQuanYi Micro Hei, Hiragino Sans GB, sans-serif")

# ------------------------------------------------------------------------------------------ look

_STATE = {
    #          fill       stroke     text       edge colour
    "todo": ("#ffffff", "#5f6b7a", "#22272e", "#7d8794"),
    "done": ("#dcebdf", "#4d7a5a", "#23402c", "#4d7a5a"),
    "current": ("#ffd66e", "#c47a00", "#3b2800", "#c47a00"),
}
_HALO = "#f5a300"
_POOL_STROKE = "#8d99a6"
_POOL_FILL = "#fbfcfd"
_STRIP_FILL = "#eef2f6"
_LABEL_COLOUR = "#2f3740"
_BADGE_FILL = "#c0392b"

_TASK_FONT = 12
_LABEL_FONT = 11.5
_LANE_FONT = 13
_LINE_H = 1.25  # line height / font size

_TASKS = {"task", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask",
          "receiveTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"}
_EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
_GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
FLOW_NODE_KINDS = frozenset(_TASKS | _EVENTS | _GATEWAYS)
_EDGES = {"sequenceFlow", "messageFlow", "association", "dataInputAssociation", "dataOutputAssociation"}

_UNSAFE_URL = re.compile(r"^\s*(javascript|vbscript|data|file)\s*:", re.IGNORECASE)
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NO_LINE_START = set("，。、；：？！）》」』】〕…,.;:?!)]}%")


# ------------------------------------------------------------------------------------------ model


@dataclass
class _Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class _Element:
    id: str
    kind: str  # BPMN local name, e.g. "userTask"; "" when the DI points at nothing we know
    name: str
    node: etree._Element | None


@dataclass
class _Shape:
    el: _Element
    box: _Box
    label: _Box | None
    di: etree._Element


@dataclass
class _Edge:
    el: _Element
    points: list[tuple[float, float]]
    label: _Box | None
    extra: dict = field(default_factory=dict)


# The public service guide (app.publicity) reads the steps through this name until it moves to
# app.bpmn.model.read_process_steps; nothing else uses it.
_parse = parse_untrusted_xml


def _num(node: etree._Element, attr: str) -> float:
    raw = node.get(attr)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"BPMN DI: invalid {attr}={raw!r} in {etree.QName(node).localname}") from None
    if not math.isfinite(value) or abs(value) > 1e7:
        raise ValueError(f"BPMN DI: invalid {attr}={raw!r} in {etree.QName(node).localname}")
    return value


def _bounds(node: etree._Element | None) -> _Box | None:
    if node is None:
        return None
    b = node.find(f"{{{DC_NS}}}Bounds")
    if b is None:
        return None
    box = _Box(_num(b, "x"), _num(b, "y"), _num(b, "width"), _num(b, "height"))
    if box.w < 0 or box.h < 0:
        raise ValueError("BPMN DI: negative width or height in dc:Bounds")
    return box


def _clean(text: str | None) -> str:
    return _XML_INVALID.sub("", text or "")


def _element_name(node: etree._Element | None) -> str:
    if node is None:
        return ""
    if etree.QName(node).localname == "textAnnotation":
        text = node.find(f"{{{BPMN_NS}}}text")
        return _clean(text.text if text is not None else "").strip()
    return _clean(node.get("name")).strip()


def _collect(root: etree._Element):
    elements: dict[str, etree._Element] = {}
    for node in root.iter(f"{{{BPMN_NS}}}*"):
        ident = node.get("id")
        if ident and ident not in elements:
            elements[ident] = node

    plane = next(root.iter(f"{{{BPMNDI_NS}}}BPMNPlane"), None)
    if plane is None:
        raise ValueError("BPMN 文件没有图形布局信息（BPMNDI）/ the BPMN document has no diagram interchange "
                         "(bpmndi:BPMNDiagram/BPMNPlane) to draw")

    shapes: list[_Shape] = []
    edges: list[_Edge] = []
    for di in plane:
        if not isinstance(di.tag, str):
            continue
        local = etree.QName(di).localname
        if local not in ("BPMNShape", "BPMNEdge"):
            continue
        ref = di.get("bpmnElement") or ""
        node = elements.get(ref)
        el = _Element(ref or (di.get("id") or ""), etree.QName(node).localname if node is not None else "",
                      _element_name(node), node)
        label = _bounds(di.find(f"{{{BPMNDI_NS}}}BPMNLabel"))
        if local == "BPMNShape":
            box = _bounds(di)
            if box is None:
                raise ValueError(f"BPMN DI: shape for {ref!r} has no dc:Bounds")
            shapes.append(_Shape(el, box, label, di))
        else:
            pts = [(_num(wp, "x"), _num(wp, "y")) for wp in di.findall(f"{{{DI_NS}}}waypoint")]
            if len(pts) >= 2:
                edges.append(_Edge(el, pts, label))
    if not shapes:
        raise ValueError("BPMN 文件没有图形布局信息（BPMNDI）/ the BPMN document's first BPMNPlane has no "
                         "BPMNShape: there is no diagram layout to draw")
    return elements, shapes, edges


# ------------------------------------------------------------------------------------------ text


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _units(text: str) -> float:
    """Width in 'CJK character' units (a CJK character at the given font size is one unit)."""
    total = 0.0
    for ch in text:
        if _is_wide(ch) or ch == "…":
            total += 1.0
        elif ch.isupper() or ch in "mwMW@%&":
            total += 0.72
        elif ch in "iljtfI.,;:!'|() ":
            total += 0.32
        else:
            total += 0.56
    return total


def _tokens(text: str) -> list[str]:
    """CJK characters one by one, runs of other non-space characters as words, spaces separately."""
    out: list[str] = []
    word = ""
    for ch in text:
        if ch.isspace():
            if word:
                out.append(word)
                word = ""
            out.append(" ")
        elif _is_wide(ch):
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        else:
            word += ch
    if word:
        out.append(word)
    return out


def _wrap(text: str, capacity: float, max_lines: int) -> list[str]:
    """Greedy line breaking by width units; CJK text breaks between any two characters, other text at
    spaces (over-long words are split). Closing punctuation never starts a line. More than max_lines
    lines are cut with an ellipsis."""
    capacity = max(capacity, 1.0)
    lines: list[str] = []
    for para in (text or "").splitlines() or [""]:
        cur, cur_w, space = "", 0.0, False
        para_lines: list[str] = []
        for tok in _tokens(para.strip()):
            if tok == " ":
                space = bool(cur)
                continue
            w = _units(tok)
            sp = _units(" ") if (space and cur) else 0.0
            if cur and cur_w + sp + w > capacity:
                para_lines.append(cur)
                cur, cur_w, sp = "", 0.0, 0.0
            if not cur and w > capacity:
                for ch in tok:
                    cw = _units(ch)
                    if cur and cur_w + cw > capacity:
                        para_lines.append(cur)
                        cur, cur_w = "", 0.0
                    cur += ch
                    cur_w += cw
            else:
                cur += (" " if sp else "") + tok
                cur_w += sp + w
            space = False
        if cur or not para_lines:
            para_lines.append(cur)
        lines.extend(para_lines)
    # kinsoku: move closing punctuation at the start of a line to the end of the previous one
    for i in range(1, len(lines)):
        while lines[i] and lines[i][0] in _NO_LINE_START and lines[i - 1]:
            lines[i - 1] += lines[i][0]
            lines[i] = lines[i][1:]
    lines = [ln for ln in lines if ln] or [""]
    if len(lines) > max_lines:
        keep = lines[:max_lines]
        last = keep[-1]
        while last and _units(last) + 1.0 > capacity:
            last = last[:-1]
        keep[-1] = last.rstrip() + "…"
        lines = keep
    return lines


def _fmt(v: float) -> str:
    if abs(v - round(v)) < 1e-6:
        return str(int(round(v)))
    return f"{v:.2f}".rstrip("0").rstrip(".")


# ------------------------------------------------------------------------------------------ svg helpers


def _e(parent: etree._Element, tag: str, **attrs) -> etree._Element:
    el = etree.SubElement(parent, f"{{{SVG_NS}}}{tag}")
    for key, value in attrs.items():
        if value is None:
            continue
        key = key.rstrip("_").replace("_", "-")
        el.set(key, _fmt(value) if isinstance(value, float) else str(value))
    return el


def _text_block(parent, lines: list[str], cx: float, first_baseline: float, size: float, colour: str,
                anchor: str = "middle", halo: bool = False, weight: str | None = None):
    t = _e(parent, "text", x=float(cx), y=float(first_baseline), font_size=float(size), fill=colour,
           text_anchor=anchor, font_weight=weight)
    if halo:
        t.set("stroke", "#ffffff")
        t.set("stroke-width", "4")
        t.set("stroke-linejoin", "round")
        t.set("paint-order", "stroke")
    for i, line in enumerate(lines):
        span = _e(t, "tspan", x=float(cx), y=float(first_baseline + i * size * _LINE_H))
        span.text = line
    return t


def _pts(points: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)


def _diamond(box: _Box, grow: float = 0.0) -> str:
    return _pts([(box.cx, box.y - grow), (box.x + box.w + grow, box.cy), (box.cx, box.y + box.h + grow),
                 (box.x - grow, box.cy)])


# ------------------------------------------------------------------------------------------ drawing


class _Renderer:
    def __init__(self, elements, completed, current, counts, link):
        self.elements = elements
        self.completed = completed
        self.current = current
        self.counts = counts
        self.link = link
        self.extent: list[tuple[float, float]] = []

    def state(self, ident: str) -> str:
        if ident in self.current:
            return "current"
        if ident in self.completed:
            return "done"
        return "todo"

    def grow(self, x: float, y: float) -> None:
        self.extent.append((x, y))

    def grow_box(self, box: _Box) -> None:
        self.grow(box.x, box.y)
        self.grow(box.x + box.w, box.y + box.h)

    def grow_text(self, lines: list[str], cx: float, top: float, size: float, anchor: str = "middle"):
        width = max((_units(ln) for ln in lines), default=0) * size * 1.05
        left = cx - width / 2 if anchor == "middle" else (cx if anchor == "start" else cx - width)
        self.grow(left, top)
        self.grow(left + width, top + len(lines) * size * _LINE_H)

    def href_for(self, ident: str) -> str | None:
        if self.link is None:
            return None
        url = self.link(ident)
        if not url:
            return None
        url = _clean(str(url))
        if _UNSAFE_URL.match(url):
            return None
        return url

    # -- pools and lanes

    def container(self, parent, shape: _Shape, kind: str) -> None:
        box = shape.box
        self.grow_box(box)
        g = _e(parent, "g", class_=f"bpmn-{kind}", data_element_id=shape.el.id)
        _e(g, "title").text = shape.el.name or shape.el.id
        horizontal = shape.di.get("isHorizontal", "true").lower() != "false"
        if kind == "pool":
            _e(g, "rect", x=box.x, y=box.y, width=box.w, height=box.h, fill=_POOL_FILL, stroke=_POOL_STROKE,
               stroke_width=1.5)
        else:
            _e(g, "rect", x=box.x, y=box.y, width=box.w, height=box.h, fill="none", stroke=_POOL_STROKE,
               stroke_width=1)
        name = shape.el.name
        if kind == "pool" and not name and shape.el.node is not None:
            proc = self.elements.get(shape.el.node.get("processRef") or "")
            name = _element_name(proc)
        has_children = kind == "lane" or self._pool_has_lanes(shape)
        if not name and not has_children:
            return
        size = _LANE_FONT + (1 if kind == "pool" else 0)
        weight = "bold" if kind == "pool" else None
        strip = 30.0
        if horizontal:
            if kind == "pool" or has_children:
                _e(g, "rect", x=box.x, y=box.y, width=min(strip, box.w), height=box.h, fill=_STRIP_FILL,
                   stroke=_POOL_STROKE, stroke_width=1 if kind == "lane" else 1.5)
            self._vertical_label(g, name, box.x + strip / 2, box.y, box.h, size, weight)
        else:
            _e(g, "rect", x=box.x, y=box.y, width=box.w, height=min(strip, box.h), fill=_STRIP_FILL,
               stroke=_POOL_STROKE, stroke_width=1)
            lines = _wrap(name, (box.w - 10) / size, 1)
            _text_block(g, lines, box.cx, box.y + strip / 2 + size * 0.35, size, _LABEL_COLOUR, weight=weight)

    def _pool_has_lanes(self, shape: _Shape) -> bool:
        node = shape.el.node
        if node is None:
            return False
        proc = self.elements.get(node.get("processRef") or "")
        return proc is not None and proc.find(f"{{{BPMN_NS}}}laneSet/{{{BPMN_NS}}}lane") is not None

    def _vertical_label(self, g, name: str, cx: float, top: float, height: float, size: float, weight):
        if not name:
            return
        step = size * 1.12
        if all(_is_wide(ch) for ch in name) and len(name) * step <= height - 10:
            # Chinese reads well stacked upright, one character under the other
            start = top + height / 2 - (len(name) - 1) * step / 2 + size * 0.35
            t = _e(g, "text", x=cx, y=float(start), font_size=float(size), fill=_LABEL_COLOUR,
                   text_anchor="middle", font_weight=weight)
            for i, ch in enumerate(name):
                _e(t, "tspan", x=cx, y=float(start + i * step)).text = ch
            return
        line = _wrap(name, (height - 10) / size, 1)[0]
        cy = top + height / 2
        t = _e(g, "text", x=cx, y=cy, font_size=float(size), fill=_LABEL_COLOUR, text_anchor="middle",
               font_weight=weight, transform=f"rotate(-90 {_fmt(cx)} {_fmt(cy)})")
        t.set("y", _fmt(cy + size * 0.35))
        t.text = line

    # -- flow nodes

    def node(self, parent, shape: _Shape) -> None:
        el, box = shape.el, shape.box
        self.grow_box(box)
        kind = el.kind or "unknown"
        state = self.state(el.id)
        artifact = kind in ("textAnnotation", "dataObjectReference", "dataStoreReference", "group",
                            "dataObject", "dataInput", "dataOutput")
        cls = "bpmn-artifact" if artifact else f"bpmn-node {state}"
        g = _e(parent, "g", class_=cls, data_element_id=el.id, data_kind=kind)
        _e(g, "title").text = el.name or el.id
        body = g
        href = None if artifact else self.href_for(el.id)
        if href:
            body = _e(g, "a", href=href)
        fill, stroke, text_colour, _ = _STATE[state if not artifact else "todo"]
        width = 3.0 if state == "current" else 1.5

        if kind in _TASKS:
            self._task(body, shape, kind, fill, stroke, width, text_colour, state)
        elif kind in _EVENTS:
            self._event(body, shape, kind, fill, stroke, width, state)
            self._outside_label(body, shape)
        elif kind in _GATEWAYS:
            self._gateway(body, shape, kind, fill, stroke, width, state)
            self._outside_label(body, shape)
        elif kind == "textAnnotation":
            _e(body, "rect", x=box.x, y=box.y, width=box.w, height=box.h, fill="#ffffff", fill_opacity="0.6",
               stroke="none")
            _e(body, "path", d=f"M{_fmt(box.x + 12)},{_fmt(box.y)} h-12 v{_fmt(box.h)} h12", fill="none",
               stroke=_POOL_STROKE, stroke_width=1.2)
            lines = _wrap(el.name, (box.w - 10) / 12, max(1, int(box.h // (12 * _LINE_H))))
            _text_block(body, lines, box.x + 6, box.y + 4 + 12 * 0.9, 12, _LABEL_COLOUR, anchor="start")
        elif kind in ("dataObjectReference", "dataObject", "dataInput", "dataOutput"):
            fold = min(10.0, box.w / 3)
            x2, y2 = box.x + box.w, box.y + box.h
            _e(body, "path", d=f"M{_fmt(box.x)},{_fmt(box.y)} H{_fmt(x2 - fold)} L{_fmt(x2)},{_fmt(box.y + fold)} "
                              f"V{_fmt(y2)} H{_fmt(box.x)} Z M{_fmt(x2 - fold)},{_fmt(box.y)} "
                              f"V{_fmt(box.y + fold)} H{_fmt(x2)}",
               fill="#ffffff", stroke=_STATE["todo"][1], stroke_width=1.2)
            self._outside_label(body, shape)
        elif kind == "dataStoreReference":
            ry = min(6.0, box.h / 6)
            x2, y2 = box.x + box.w, box.y + box.h
            _e(body, "path", d=f"M{_fmt(box.x)},{_fmt(box.y + ry)} V{_fmt(y2 - ry)} "
                              f"A{_fmt(box.w / 2)},{_fmt(ry)} 0 0 0 {_fmt(x2)},{_fmt(y2 - ry)} V{_fmt(box.y + ry)} "
                              f"A{_fmt(box.w / 2)},{_fmt(ry)} 0 0 0 {_fmt(box.x)},{_fmt(box.y + ry)} "
                              f"A{_fmt(box.w / 2)},{_fmt(ry)} 0 0 0 {_fmt(x2)},{_fmt(box.y + ry)}",
               fill="#ffffff", stroke=_STATE["todo"][1], stroke_width=1.2)
            self._outside_label(body, shape)
        elif kind == "group":
            _e(body, "rect", x=box.x, y=box.y, width=box.w, height=box.h, rx=10, fill="none",
               stroke=_POOL_STROKE, stroke_width=1.2, stroke_dasharray="8 4 2 4")
            self._outside_label(body, shape)
        else:
            _e(body, "rect", x=box.x, y=box.y, width=box.w, height=box.h, rx=4, fill=fill, stroke=stroke,
               stroke_width=width, stroke_dasharray="4 3")
            lines = _wrap(el.name or el.id, (box.w - 10) / 13, 3)
            self._centered_text(body, lines, box, text_colour, box.y + 4, box.y + box.h - 4)

        if not artifact and el.id in self.counts:
            self._badge(body, box, self.counts[el.id])

    def _centered_text(self, g, lines, box: _Box, colour: str, top: float, bottom: float) -> None:
        size = _TASK_FONT
        lh = size * _LINE_H
        block = len(lines) * lh
        start = box.cy - block / 2
        if start < top:
            start = top
        if start + block > bottom:
            start = max(bottom - block, box.y + 2)
        _text_block(g, lines, box.cx, start + lh / 2 + size * 0.35, size, colour)

    def _task(self, g, shape: _Shape, kind, fill, stroke, width, text_colour, state) -> None:
        box = shape.box
        expanded = kind in ("subProcess", "transaction", "adHocSubProcess") and \
            shape.di.get("isExpanded", "false").lower() == "true"
        if kind == "callActivity":
            width = max(width, 3.5)
        if state == "current":
            _e(g, "rect", x=box.x - 4, y=box.y - 4, width=box.w + 8, height=box.h + 8, rx=13, fill="none",
               stroke=_HALO, stroke_width=5, stroke_opacity="0.35")
        _e(g, "rect", x=box.x, y=box.y, width=box.w, height=box.h, rx=10,
           fill=fill if not expanded else ("#ffffff" if state == "todo" else fill),
           fill_opacity=None if not expanded else "0.55", stroke=stroke, stroke_width=width)
        if kind == "transaction":
            _e(g, "rect", x=box.x + 3, y=box.y + 3, width=box.w - 6, height=box.h - 6, rx=8, fill="none",
               stroke=stroke, stroke_width=1)
        icon = self._task_icon(g, box, kind, stroke)
        bottom_marker = kind in ("callActivity", "subProcess", "transaction", "adHocSubProcess") and not expanded
        if bottom_marker:
            mx, my = box.cx - 7, box.y + box.h - 17
            _e(g, "rect", x=mx, y=my, width=14, height=14, fill="#ffffff", stroke=stroke, stroke_width=1.2)
            _e(g, "path", d=f"M{_fmt(mx + 3)},{_fmt(my + 7)} h8 M{_fmt(mx + 7)},{_fmt(my + 3)} v8", stroke=stroke,
               stroke_width=1.6)
        name = shape.el.name or ""
        if expanded:
            lines = _wrap(name, (box.w - 30) / 13, 2)
            _text_block(g, lines, box.x + 10, box.y + 8 + _TASK_FONT * 0.9, _TASK_FONT, text_colour, anchor="start")
            return
        lines = _wrap(name, (box.w - 10) / 13, 3)
        top = box.y + (20 if icon else 4)
        bottom = box.y + box.h - (19 if bottom_marker else 4)
        self._centered_text(g, lines, box, text_colour, top, bottom)

    def _task_icon(self, g, box: _Box, kind: str, stroke: str) -> bool:
        x, y = box.x + 6, box.y + 5
        if kind == "userTask":
            ig = _e(g, "g", class_="bpmn-icon", fill="#ffffff", stroke=stroke, stroke_width=1.1)
            _e(ig, "path", d=f"M{_fmt(x)},{_fmt(y + 15)} v-3 c0,-3.2 2.5,-5 7,-5 c4.5,0 7,1.8 7,5 v3 Z")
            _e(ig, "circle", cx=x + 7, cy=y + 4.2, r=3.6)
            return True
        if kind == "businessRuleTask":
            ig = _e(g, "g", class_="bpmn-icon", stroke=stroke, stroke_width=1)
            _e(ig, "rect", x=x, y=y + 1, width=17, height=12, fill="#ffffff")
            _e(ig, "rect", x=x, y=y + 1, width=17, height=3.5, fill=stroke)
            _e(ig, "path", d=f"M{_fmt(x)},{_fmt(y + 8.5)} h17 M{_fmt(x + 5.5)},{_fmt(y + 4.5)} v8.5", fill="none")
            return True
        if kind == "serviceTask":
            ig = _e(g, "g", class_="bpmn-icon", fill="none", stroke=stroke, stroke_width=1.2)
            cx, cy = x + 7, y + 7
            spokes = []
            for i in range(8):
                a = i * math.pi / 4
                spokes.append(f"M{_fmt(cx + 4.5 * math.cos(a))},{_fmt(cy + 4.5 * math.sin(a))} "
                              f"L{_fmt(cx + 7 * math.cos(a))},{_fmt(cy + 7 * math.sin(a))}")
            _e(ig, "path", d=" ".join(spokes), stroke_width=2.2)
            _e(ig, "circle", cx=cx, cy=cy, r=4.5, fill="#ffffff")
            _e(ig, "circle", cx=cx, cy=cy, r=1.8)
            return True
        if kind == "scriptTask":
            ig = _e(g, "g", class_="bpmn-icon", fill="#ffffff", stroke=stroke, stroke_width=1)
            _e(ig, "path", d=f"M{_fmt(x + 2)},{_fmt(y)} h12 c-3,3 -3,5 0,8 c3,3 3,5 0,7 h-12 c3,-2 3,-4 0,-7 "
                             f"c-3,-3 -3,-5 0,-8 Z")
            _e(ig, "path", d=f"M{_fmt(x + 4)},{_fmt(y + 4)} h6 M{_fmt(x + 5)},{_fmt(y + 8)} h6 "
                             f"M{_fmt(x + 5)},{_fmt(y + 12)} h6", fill="none")
            return True
        if kind in ("sendTask", "receiveTask"):
            filled = kind == "sendTask"
            ig = _e(g, "g", class_="bpmn-icon", stroke="#ffffff" if filled else stroke, stroke_width=1)
            _e(ig, "rect", x=x, y=y + 2, width=17, height=12, fill=stroke if filled else "#ffffff",
               stroke=stroke)
            _e(ig, "path", d=f"M{_fmt(x)},{_fmt(y + 2)} l8.5,6 l8.5,-6", fill="none")
            return True
        if kind == "manualTask":
            ig = _e(g, "g", class_="bpmn-icon", fill="#ffffff", stroke=stroke, stroke_width=1)
            _e(ig, "path", d=f"M{_fmt(x)},{_fmt(y + 6)} h10 a1.5,1.5 0 0 1 0,3 h-3 h5 a1.5,1.5 0 0 1 0,3 h-5 "
                             f"h4 a1.5,1.5 0 0 1 0,3 h-11 Z")
            return True
        return False

    def _event(self, g, shape: _Shape, kind, fill, stroke, width, state) -> None:
        box = shape.box
        r = min(box.w, box.h) / 2
        cx, cy = box.cx, box.cy
        if state == "current":
            _e(g, "circle", cx=cx, cy=cy, r=r + 4, fill="none", stroke=_HALO, stroke_width=5,
               stroke_opacity="0.35")
        node = shape.el.node
        interrupting = kind != "boundaryEvent" or (node is None or node.get("cancelActivity", "true") != "false")
        dash = None if interrupting else "5 3"
        if kind == "endEvent":
            _e(g, "circle", cx=cx, cy=cy, r=r - 1.5, fill=fill, stroke=stroke, stroke_width=4)
        elif kind == "startEvent":
            _e(g, "circle", cx=cx, cy=cy, r=r, fill=fill, stroke=stroke, stroke_width=max(width, 1.8))
        else:
            _e(g, "circle", cx=cx, cy=cy, r=r, fill=fill, stroke=stroke, stroke_width=max(width, 1.4),
               stroke_dasharray=dash)
            _e(g, "circle", cx=cx, cy=cy, r=r - 3.5, fill="none", stroke=stroke, stroke_width=1.2,
               stroke_dasharray=dash)
        if node is None:
            return
        throw = kind in ("endEvent", "intermediateThrowEvent")
        defs = {etree.QName(ch).localname for ch in node if isinstance(ch.tag, str)}
        s = r / 18.0  # markers are designed for a 36px event
        if "messageEventDefinition" in defs:
            w, h = 16 * s, 11 * s
            _e(g, "rect", x=cx - w / 2, y=cy - h / 2, width=w, height=h, fill=stroke if throw else "#ffffff",
               stroke=stroke, stroke_width=1.1)
            _e(g, "path", d=f"M{_fmt(cx - w / 2)},{_fmt(cy - h / 2)} L{_fmt(cx)},{_fmt(cy + 1 * s)} "
                            f"L{_fmt(cx + w / 2)},{_fmt(cy - h / 2)}",
               fill="none", stroke="#ffffff" if throw else stroke, stroke_width=1.1)
        elif "timerEventDefinition" in defs:
            rr = 10 * s
            _e(g, "circle", cx=cx, cy=cy, r=rr, fill="#ffffff", stroke=stroke, stroke_width=1.5)
            ticks = []
            for i in range(12):
                a = i * math.pi / 6
                ticks.append(f"M{_fmt(cx + rr * 0.75 * math.cos(a))},{_fmt(cy + rr * 0.75 * math.sin(a))} "
                             f"L{_fmt(cx + rr * math.cos(a))},{_fmt(cy + rr * math.sin(a))}")
            _e(g, "path", d=" ".join(ticks), stroke=stroke, stroke_width=0.9)
            _e(g, "path", d=f"M{_fmt(cx)},{_fmt(cy - rr * 0.65)} L{_fmt(cx)},{_fmt(cy)} "
                            f"L{_fmt(cx + rr * 0.5)},{_fmt(cy + rr * 0.2)}",
               fill="none", stroke=stroke, stroke_width=1.4)
        elif "terminateEventDefinition" in defs:
            _e(g, "circle", cx=cx, cy=cy, r=r * 0.55, fill=stroke)
        elif "signalEventDefinition" in defs:
            t = 11 * s
            _e(g, "polygon", points=_pts([(cx, cy - t * 0.8), (cx + t * 0.8, cy + t * 0.55),
                                          (cx - t * 0.8, cy + t * 0.55)]),
               fill=stroke if throw else "none", stroke=stroke, stroke_width=1.2)
        elif "errorEventDefinition" in defs:
            _e(g, "polygon", points=_pts([(cx - 8 * s, cy + 8 * s), (cx - 3 * s, cy - 7 * s), (cx + 2 * s, cy + 2 * s),
                                          (cx + 8 * s, cy - 8 * s), (cx + 3 * s, cy + 7 * s),
                                          (cx - 2 * s, cy - 2 * s)]),
               fill=stroke if throw else "none", stroke=stroke, stroke_width=1.2, stroke_linejoin="round")

    def _gateway(self, g, shape: _Shape, kind, fill, stroke, width, state) -> None:
        box = shape.box
        if state == "current":
            _e(g, "polygon", points=_diamond(box, 5), fill="none", stroke=_HALO, stroke_width=5,
               stroke_opacity="0.35", stroke_linejoin="round")
        _e(g, "polygon", points=_diamond(box), fill=fill, stroke=stroke, stroke_width=width, stroke_linejoin="round")
        cx, cy = box.cx, box.cy
        k = min(box.w, box.h) / 50.0
        if kind == "exclusiveGateway":
            a = 8 * k
            _e(g, "path", d=f"M{_fmt(cx - a)},{_fmt(cy - a)} L{_fmt(cx + a)},{_fmt(cy + a)} "
                            f"M{_fmt(cx + a)},{_fmt(cy - a)} L{_fmt(cx - a)},{_fmt(cy + a)}",
               stroke=stroke, stroke_width=3.5 * k, stroke_linecap="round")
        elif kind == "parallelGateway":
            a = 11 * k
            _e(g, "path", d=f"M{_fmt(cx - a)},{_fmt(cy)} H{_fmt(cx + a)} M{_fmt(cx)},{_fmt(cy - a)} V{_fmt(cy + a)}",
               stroke=stroke, stroke_width=3.5 * k, stroke_linecap="round")
        elif kind == "inclusiveGateway":
            _e(g, "circle", cx=cx, cy=cy, r=10 * k, fill="none", stroke=stroke, stroke_width=2.5 * k)
        elif kind == "complexGateway":
            a, d = 11 * k, 7.8 * k
            _e(g, "path", d=f"M{_fmt(cx - a)},{_fmt(cy)} H{_fmt(cx + a)} M{_fmt(cx)},{_fmt(cy - a)} V{_fmt(cy + a)} "
                            f"M{_fmt(cx - d)},{_fmt(cy - d)} L{_fmt(cx + d)},{_fmt(cy + d)} "
                            f"M{_fmt(cx + d)},{_fmt(cy - d)} L{_fmt(cx - d)},{_fmt(cy + d)}",
               stroke=stroke, stroke_width=3 * k, stroke_linecap="round")
        elif kind == "eventBasedGateway":
            _e(g, "circle", cx=cx, cy=cy, r=11 * k, fill="none", stroke=stroke, stroke_width=1)
            _e(g, "circle", cx=cx, cy=cy, r=8.5 * k, fill="none", stroke=stroke, stroke_width=1)
            pent = [(cx + 5.5 * k * math.sin(2 * math.pi * i / 5), cy - 5.5 * k * math.cos(2 * math.pi * i / 5))
                    for i in range(5)]
            _e(g, "polygon", points=_pts(pent), fill="none", stroke=stroke, stroke_width=1.2)

    def _outside_label(self, g, shape: _Shape) -> None:
        """Names of events, gateways and data are written outside the shape: in the BPMNLabel bounds that
        the modeller chose when there are any (placed so that they keep clear of the flows), else
        centred under the shape."""
        name = shape.el.name
        if not name:
            return
        size = _LABEL_FONT
        lh = size * _LINE_H
        box, label = shape.box, shape.label
        if label is not None and label.w > 0:
            lines = _wrap(name, max(label.w + 8, 4 * size) / size, 3)
            block = len(lines) * lh
            top = label.cy - block / 2 if len(lines) == 1 or label.h >= block else label.y
            # a label placed above its shape grows upwards, so that it never runs into it
            if label.y + label.h <= box.y + 1 and top + block > box.y - 2:
                top = box.y - 2 - block
            cx = label.cx
        else:
            lines = _wrap(name, max(box.w + 40, 90) / size, 3)
            top = box.y + box.h + 4
            cx = box.cx
        _text_block(g, lines, cx, top + lh / 2 + size * 0.35, size, _LABEL_COLOUR, halo=True)
        self.grow_text(lines, cx, top, size)

    def _badge(self, g, box: _Box, value) -> None:
        text = str(int(value))
        w = max(20.0, 7.2 * len(text) + 10)
        h = 20.0
        cx, cy = box.x + box.w - 2, box.y + 2
        bg = _e(g, "g", class_="bpmn-badge", data_count=text)
        _e(bg, "rect", x=cx - w / 2, y=cy - h / 2, width=w, height=h, rx=h / 2, fill=_BADGE_FILL, stroke="#ffffff",
           stroke_width=1.5)
        t = _e(bg, "text", x=cx, y=cy + 4, font_size=11.5, font_weight="bold", fill="#ffffff", text_anchor="middle")
        t.text = text
        self.grow(cx - w / 2, cy - h / 2)
        self.grow(cx + w / 2, cy + h / 2)

    # -- flows

    def edge(self, parent, edge: _Edge) -> None:
        el = edge.el
        kind = el.kind or "sequenceFlow"
        state = self.state(el.id)
        colour = _STATE[state][3]
        width = {"todo": 1.5, "done": 2.2, "current": 3.0}[state]
        pts = _dedupe(edge.points)
        if len(pts) < 2:
            return
        for x, y in pts:
            self.grow(x, y)
        g = _e(parent, "g", class_=f"bpmn-edge {state}", data_element_id=el.id, data_kind=kind)
        _e(g, "title").text = el.name or el.id
        arrow = kind in ("sequenceFlow", "messageFlow", "dataInputAssociation", "dataOutputAssociation")
        dash = {"messageFlow": "6 4", "association": "2 3", "dataInputAssociation": "2 3",
                "dataOutputAssociation": "2 3"}.get(kind)
        if kind == "association" and el.node is not None and el.node.get("associationDirection") in ("One", "Both"):
            arrow = True
        line_pts = list(pts)
        head_len = 9.0 + width * 1.3
        if arrow:
            (x1, y1), (x2, y2) = pts[-2], pts[-1]
            seg = math.hypot(x2 - x1, y2 - y1)
            pull = min(head_len * 0.7, seg)
            line_pts[-1] = (x2 - (x2 - x1) / seg * pull, y2 - (y2 - y1) / seg * pull)
        _e(g, "polyline", points=_pts(line_pts), fill="none", stroke=colour, stroke_width=width,
           stroke_linejoin="round", stroke_dasharray=dash)
        if arrow:
            (x1, y1), (x2, y2) = pts[-2], pts[-1]
            seg = math.hypot(x2 - x1, y2 - y1)
            ux, uy = (x2 - x1) / seg, (y2 - y1) / seg
            half = head_len * 0.42
            bx, by = x2 - ux * head_len, y2 - uy * head_len
            open_head = kind == "messageFlow" or kind.startswith("data") or kind == "association"
            _e(g, "polygon", class_="bpmn-arrow",
               points=_pts([(x2, y2), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)]),
               fill="#ffffff" if open_head else colour, stroke=colour, stroke_width=1 if not open_head else 1.2,
               stroke_linejoin="miter")
        if kind == "messageFlow":
            (x1, y1), (x2, y2) = pts[0], pts[1]
            seg = math.hypot(x2 - x1, y2 - y1)
            _e(g, "circle", cx=x1 + (x2 - x1) / seg * 4, cy=y1 + (y2 - y1) / seg * 4, r=4, fill="#ffffff",
               stroke=colour, stroke_width=1.2)
        node = el.node
        if kind == "sequenceFlow" and node is not None:
            source = self.elements.get(node.get("sourceRef") or "")
            if source is not None and source.get("default") == el.id:
                # default flow: a short slash across the line near its source
                (x1, y1), (x2, y2) = pts[0], pts[1]
                seg = math.hypot(x2 - x1, y2 - y1)
                ux, uy = (x2 - x1) / seg, (y2 - y1) / seg
                mx, my = x1 + ux * min(12, seg / 2), y1 + uy * min(12, seg / 2)
                px, py = -uy, ux
                _e(g, "path", d=f"M{_fmt(mx - 5 * ux - 6 * px)},{_fmt(my - 5 * uy - 6 * py)} "
                                f"L{_fmt(mx + 5 * ux + 6 * px)},{_fmt(my + 5 * uy + 6 * py)}",
                   stroke=colour, stroke_width=1.6)
            elif (source is not None and etree.QName(source).localname not in _GATEWAYS
                  and node.find(f"{{{BPMN_NS}}}conditionExpression") is not None):
                # conditional flow out of an activity: a small diamond at its source
                (x1, y1), (x2, y2) = pts[0], pts[1]
                seg = math.hypot(x2 - x1, y2 - y1)
                ux, uy = (x2 - x1) / seg, (y2 - y1) / seg
                px, py = -uy, ux
                _e(g, "polygon", points=_pts([(x1, y1), (x1 + ux * 7 + px * 4.5, y1 + uy * 7 + py * 4.5),
                                              (x1 + ux * 14, y1 + uy * 14),
                                              (x1 + ux * 7 - px * 4.5, y1 + uy * 7 - py * 4.5)]),
                   fill="#ffffff", stroke=colour, stroke_width=1.2)
        if el.name:
            self._edge_label(g, edge, pts, colour if state != "todo" else _LABEL_COLOUR)

    def _edge_label(self, g, edge: _Edge, pts, colour) -> None:
        size = _LABEL_FONT
        lh = size * _LINE_H
        label = edge.label
        if label is not None and label.w > 0:
            lines = _wrap(edge.el.name, max(label.w + 8, 4 * size) / size, 3)
            block = len(lines) * lh
            top = label.cy - block / 2 if len(lines) == 1 or label.h >= block else label.y
            anchor, x = "middle", label.cx
        else:
            (mx, my), (ux, uy), seg = _midpoint(pts)
            # keep a label on a short edge from spilling over the shapes at its ends
            capacity = 8.0 if abs(ux) < abs(uy) else min(10.0, max(4.0, (seg - 6) / size))
            lines = _wrap(edge.el.name, capacity, 3)
            block = len(lines) * lh
            if abs(ux) >= abs(uy):  # mostly horizontal: above the line
                anchor, x, top = "middle", mx, my - 4 - block
            else:  # mostly vertical: right of the line
                anchor, x, top = "start", mx + 6, my - block / 2
        _text_block(g, lines, x, top + lh / 2 + size * 0.35, size, colour, anchor=anchor, halo=True)
        self.grow_text(lines, x, top, size, anchor)


def _dedupe(points):
    out = []
    for p in points:
        if not out or math.hypot(p[0] - out[-1][0], p[1] - out[-1][1]) > 0.01:
            out.append(p)
    return out


def _midpoint(pts):
    lengths = [math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in zip(pts, pts[1:])]
    half = sum(lengths) / 2
    for (a, b), seg in zip(zip(pts, pts[1:]), lengths):
        if half <= seg and seg > 0:
            t = half / seg
            return ((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t),
                    ((b[0] - a[0]) / seg, (b[1] - a[1]) / seg), seg)
        half -= seg
    a, b = pts[-2], pts[-1]
    seg = math.hypot(b[0] - a[0], b[1] - a[1]) or 1.0
    return b, ((b[0] - a[0]) / seg, (b[1] - a[1]) / seg), seg


# ------------------------------------------------------------------------------------------ entry point


def render_svg(bpmn_xml: bytes, *, completed: Iterable[str] = (), current: Iterable[str] = (),
               counts: Mapping[str, int] | None = None, link: Callable[[str], str | None] | None = None,
               title: str | None = None) -> str:
    """SVG of the diagram's first BPMNPlane, as a string (no XML declaration, ready to inline in HTML).

    completed / current: BPMN element ids (flow nodes, and optionally sequence flows) drawn as done or as
    current; an id in both is current. counts: a badge with the number at the top-right of each listed
    flow node (every listed value is drawn, 0 included). link: element id -> URL or None; a URL wraps
    that node in <a href> (javascript:, data:, vbscript: and file: URLs are ignored). title: the <svg>'s
    <title> and aria-label; by default the pool's or the process's name.

    Raises ValueError for input that is not well-formed XML, that has a DOCTYPE or entity declaration,
    or that has no BPMNDI layout (no BPMNPlane, or no BPMNShape in the first one).
    """
    root = parse_untrusted_xml(bpmn_xml)
    elements, shapes, edges = _collect(root)
    r = _Renderer(elements, set(completed), set(current), dict(counts or {}), link)

    svg = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS})
    if title is None:
        title = next((s.el.name for s in shapes if s.el.kind == "participant" and s.el.name), None)
    if title is None:
        proc = root.find(f"{{{BPMN_NS}}}process")
        title = _element_name(proc) or None
    if title:
        svg.set("aria-label", _clean(title))
        _e(svg, "title").text = _clean(title)
    svg.set("role", "img")
    svg.set("class", "bpmn-diagram")
    svg.set("font-family", FONT_FAMILY)

    layer_pools = _e(svg, "g", class_="bpmn-layer-pools")
    layer_groups = _e(svg, "g", class_="bpmn-layer-containers")
    layer_edges = _e(svg, "g", class_="bpmn-layer-edges")
    layer_nodes = _e(svg, "g", class_="bpmn-layer-nodes")
    layer_top = _e(svg, "g", class_="bpmn-layer-boundary")

    pools = [s for s in shapes if s.el.kind == "participant"]
    lanes = [s for s in shapes if s.el.kind == "lane"]
    for s in pools:
        r.container(layer_pools, s, "pool")
    for s in lanes:
        r.container(layer_pools, s, "lane")
    seen: set[str] = set()
    for s in shapes:
        if s.el.kind in ("participant", "lane") or s.el.id in seen:
            continue
        seen.add(s.el.id)
        expanded = s.di.get("isExpanded", "false").lower() == "true" or s.el.kind == "group"
        if s.el.kind == "boundaryEvent":
            layer = layer_top
        elif expanded:
            layer = layer_groups
        else:
            layer = layer_nodes
        r.node(layer, s)
    seen_edges: set[str] = set()
    for e in edges:
        if e.el.id in seen_edges:
            continue
        seen_edges.add(e.el.id)
        r.edge(layer_edges, e)

    margin = 20.0
    xs = [p[0] for p in r.extent] or [0.0]
    ys = [p[1] for p in r.extent] or [0.0]
    x0, y0 = min(xs) - margin, min(ys) - margin
    w, h = max(xs) - min(xs) + 2 * margin, max(ys) - min(ys) + 2 * margin
    svg.set("viewBox", f"{_fmt(x0)} {_fmt(y0)} {_fmt(w)} {_fmt(h)}")
    svg.set("width", _fmt(math.ceil(w)))
    svg.set("height", _fmt(math.ceil(h)))
    # a white background, so that the picture reads the same on any page colour
    bg = etree.Element(f"{{{SVG_NS}}}rect")
    for k, v in (("x", x0), ("y", y0), ("width", w), ("height", h)):
        bg.set(k, _fmt(v))
    bg.set("fill", "#ffffff")
    bg.set("class", "bpmn-background")
    svg.insert(1 if title else 0, bg)
    return etree.tostring(svg, encoding="unicode")

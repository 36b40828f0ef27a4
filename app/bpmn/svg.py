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
from collections.abc import Callable, Iterable, Mapping

from lxml import etree

from app.bpmn.model import BPMN_NS, EVENT_TAGS, GATEWAY_TAGS, TASK_TAGS
from app.bpmn.svg_diagram import Edge, Shape, element_name, read_diagram
from app.bpmn.svg_geometry import SVG_NS, Box, dedupe, fmt, midpoint, sub, svg_points
from app.bpmn.svg_shapes import (
    BADGE_FILL,
    LABEL_COLOUR,
    LABEL_FONT,
    LANE_FONT,
    POOL_FILL,
    POOL_STROKE,
    STATE_COLOURS,
    STRIP_FILL,
    centered_text,
    draw_event,
    draw_gateway,
    draw_task,
)
from app.bpmn.svg_text import (
    LINE_HEIGHT,
    clean_text,
    is_wide,
    text_block,
    text_units,
    wrap_text,
)
from app.bpmn.xml import parse_untrusted_xml

__all__ = ["render_svg", "FONT_FAMILY"]

FONT_FAMILY = ("Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, "
               "WenQuanYi Micro Hei, Hiragino Sans GB, sans-serif")
_UNSAFE_URL = re.compile(r"^\s*(javascript|vbscript|data|file)\s*:", re.IGNORECASE)

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

    def grow_box(self, box: Box) -> None:
        self.grow(box.x, box.y)
        self.grow(box.x + box.w, box.y + box.h)

    def grow_text(self, lines: list[str], cx: float, top: float, size: float, anchor: str = "middle"):
        width = max((text_units(ln) for ln in lines), default=0) * size * 1.05
        left = cx - width / 2 if anchor == "middle" else (cx if anchor == "start" else cx - width)
        self.grow(left, top)
        self.grow(left + width, top + len(lines) * size * LINE_HEIGHT)

    def href_for(self, ident: str) -> str | None:
        if self.link is None:
            return None
        url = self.link(ident)
        if not url:
            return None
        url = clean_text(str(url))
        if _UNSAFE_URL.match(url):
            return None
        return url

    # -- pools and lanes

    def container(self, parent, shape: Shape, kind: str) -> None:
        box = shape.box
        self.grow_box(box)
        g = sub(parent, "g", class_=f"bpmn-{kind}", data_element_id=shape.el.id)
        sub(g, "title").text = shape.el.name or shape.el.id
        horizontal = shape.di.get("isHorizontal", "true").lower() != "false"
        if kind == "pool":
            sub(g, "rect", x=box.x, y=box.y, width=box.w, height=box.h, fill=POOL_FILL, stroke=POOL_STROKE,
                stroke_width=1.5)
        else:
            sub(g, "rect", x=box.x, y=box.y, width=box.w, height=box.h, fill="none", stroke=POOL_STROKE,
                stroke_width=1)
        name = shape.el.name
        if kind == "pool" and not name and shape.el.node is not None:
            proc = self.elements.get(shape.el.node.get("processRef") or "")
            name = element_name(proc)
        has_children = kind == "lane" or self._pool_has_lanes(shape)
        if not name and not has_children:
            return
        size = LANE_FONT + (1 if kind == "pool" else 0)
        weight = "bold" if kind == "pool" else None
        strip = 30.0
        if horizontal:
            if kind == "pool" or has_children:
                sub(g, "rect", x=box.x, y=box.y, width=min(strip, box.w), height=box.h, fill=STRIP_FILL,
                    stroke=POOL_STROKE, stroke_width=1 if kind == "lane" else 1.5)
            self._vertical_label(g, name, box.x + strip / 2, box.y, box.h, size, weight)
        else:
            sub(g, "rect", x=box.x, y=box.y, width=box.w, height=min(strip, box.h), fill=STRIP_FILL,
                stroke=POOL_STROKE, stroke_width=1)
            lines = wrap_text(name, (box.w - 10) / size, 1)
            text_block(g, lines, box.cx, box.y + strip / 2 + size * 0.35, size, LABEL_COLOUR, weight=weight)

    def _pool_has_lanes(self, shape: Shape) -> bool:
        node = shape.el.node
        if node is None:
            return False
        proc = self.elements.get(node.get("processRef") or "")
        return proc is not None and proc.find(f"{{{BPMN_NS}}}laneSet/{{{BPMN_NS}}}lane") is not None

    def _vertical_label(self, g, name: str, cx: float, top: float, height: float, size: float, weight):
        if not name:
            return
        step = size * 1.12
        if all(is_wide(ch) for ch in name) and len(name) * step <= height - 10:
            # Chinese reads well stacked upright, one character under the other
            start = top + height / 2 - (len(name) - 1) * step / 2 + size * 0.35
            t = sub(g, "text", x=cx, y=float(start), font_size=float(size), fill=LABEL_COLOUR,
                    text_anchor="middle", font_weight=weight)
            for i, ch in enumerate(name):
                sub(t, "tspan", x=cx, y=float(start + i * step)).text = ch
            return
        line = wrap_text(name, (height - 10) / size, 1)[0]
        cy = top + height / 2
        t = sub(g, "text", x=cx, y=cy, font_size=float(size), fill=LABEL_COLOUR, text_anchor="middle",
                font_weight=weight, transform=f"rotate(-90 {fmt(cx)} {fmt(cy)})")
        t.set("y", fmt(cy + size * 0.35))
        t.text = line

    # -- flow nodes

    def node(self, parent, shape: Shape) -> None:
        el, box = shape.el, shape.box
        self.grow_box(box)
        kind = el.kind or "unknown"
        state = self.state(el.id)
        artifact = kind in ("textAnnotation", "dataObjectReference", "dataStoreReference", "group",
                            "dataObject", "dataInput", "dataOutput")
        cls = "bpmn-artifact" if artifact else f"bpmn-node {state}"
        g = sub(parent, "g", class_=cls, data_element_id=el.id, data_kind=kind)
        sub(g, "title").text = el.name or el.id
        body = g
        href = None if artifact else self.href_for(el.id)
        if href:
            body = sub(g, "a", href=href)
        fill, stroke, text_colour, _ = STATE_COLOURS[state if not artifact else "todo"]
        width = 3.0 if state == "current" else 1.5

        if kind in TASK_TAGS:
            draw_task(body, shape, kind, fill, stroke, width, text_colour, state)
        elif kind in EVENT_TAGS:
            draw_event(body, shape, kind, fill, stroke, width, state)
            self._outside_label(body, shape)
        elif kind in GATEWAY_TAGS:
            draw_gateway(body, shape, kind, fill, stroke, width, state)
            self._outside_label(body, shape)
        elif kind == "textAnnotation":
            sub(body, "rect", x=box.x, y=box.y, width=box.w, height=box.h, fill="#ffffff", fill_opacity="0.6",
                stroke="none")
            sub(body, "path", d=f"M{fmt(box.x + 12)},{fmt(box.y)} h-12 v{fmt(box.h)} h12", fill="none",
                stroke=POOL_STROKE, stroke_width=1.2)
            lines = wrap_text(el.name, (box.w - 10) / 12, max(1, int(box.h // (12 * LINE_HEIGHT))))
            text_block(body, lines, box.x + 6, box.y + 4 + 12 * 0.9, 12, LABEL_COLOUR, anchor="start")
        elif kind in ("dataObjectReference", "dataObject", "dataInput", "dataOutput"):
            fold = min(10.0, box.w / 3)
            x2, y2 = box.x + box.w, box.y + box.h
            sub(body, "path", d=f"M{fmt(box.x)},{fmt(box.y)} H{fmt(x2 - fold)} L{fmt(x2)},{fmt(box.y + fold)} "
                              f"V{fmt(y2)} H{fmt(box.x)} Z M{fmt(x2 - fold)},{fmt(box.y)} "
                              f"V{fmt(box.y + fold)} H{fmt(x2)}",
                fill="#ffffff", stroke=STATE_COLOURS["todo"][1], stroke_width=1.2)
            self._outside_label(body, shape)
        elif kind == "dataStoreReference":
            ry = min(6.0, box.h / 6)
            x2, y2 = box.x + box.w, box.y + box.h
            sub(body, "path", d=f"M{fmt(box.x)},{fmt(box.y + ry)} V{fmt(y2 - ry)} "
                              f"A{fmt(box.w / 2)},{fmt(ry)} 0 0 0 {fmt(x2)},{fmt(y2 - ry)} V{fmt(box.y + ry)} "
                              f"A{fmt(box.w / 2)},{fmt(ry)} 0 0 0 {fmt(box.x)},{fmt(box.y + ry)} "
                              f"A{fmt(box.w / 2)},{fmt(ry)} 0 0 0 {fmt(x2)},{fmt(box.y + ry)}",
                fill="#ffffff", stroke=STATE_COLOURS["todo"][1], stroke_width=1.2)
            self._outside_label(body, shape)
        elif kind == "group":
            sub(body, "rect", x=box.x, y=box.y, width=box.w, height=box.h, rx=10, fill="none",
                stroke=POOL_STROKE, stroke_width=1.2, stroke_dasharray="8 4 2 4")
            self._outside_label(body, shape)
        else:
            sub(body, "rect", x=box.x, y=box.y, width=box.w, height=box.h, rx=4, fill=fill, stroke=stroke,
                stroke_width=width, stroke_dasharray="4 3")
            lines = wrap_text(el.name or el.id, (box.w - 10) / 13, 3)
            centered_text(body, lines, box, text_colour, box.y + 4, box.y + box.h - 4)

        if not artifact and el.id in self.counts:
            self._badge(body, box, self.counts[el.id])

    def _outside_label(self, g, shape: Shape) -> None:
        """Names of events, gateways and data are written outside the shape: in the BPMNLabel bounds that
        the modeller chose when there are any (placed so that they keep clear of the flows), else
        centred under the shape."""
        name = shape.el.name
        if not name:
            return
        size = LABEL_FONT
        lh = size * LINE_HEIGHT
        box, label = shape.box, shape.label
        if label is not None and label.w > 0:
            lines = wrap_text(name, max(label.w + 8, 4 * size) / size, 3)
            block = len(lines) * lh
            top = label.cy - block / 2 if len(lines) == 1 or label.h >= block else label.y
            # a label placed above its shape grows upwards, so that it never runs into it
            if label.y + label.h <= box.y + 1 and top + block > box.y - 2:
                top = box.y - 2 - block
            cx = label.cx
        else:
            lines = wrap_text(name, max(box.w + 40, 90) / size, 3)
            top = box.y + box.h + 4
            cx = box.cx
        text_block(g, lines, cx, top + lh / 2 + size * 0.35, size, LABEL_COLOUR, halo=True)
        self.grow_text(lines, cx, top, size)

    def _badge(self, g, box: Box, value) -> None:
        text = str(int(value))
        w = max(20.0, 7.2 * len(text) + 10)
        h = 20.0
        cx, cy = box.x + box.w - 2, box.y + 2
        bg = sub(g, "g", class_="bpmn-badge", data_count=text)
        sub(bg, "rect", x=cx - w / 2, y=cy - h / 2, width=w, height=h, rx=h / 2, fill=BADGE_FILL, stroke="#ffffff",
            stroke_width=1.5)
        t = sub(bg, "text", x=cx, y=cy + 4, font_size=11.5, font_weight="bold", fill="#ffffff", text_anchor="middle")
        t.text = text
        self.grow(cx - w / 2, cy - h / 2)
        self.grow(cx + w / 2, cy + h / 2)

    # -- flows

    def edge(self, parent, edge: Edge) -> None:
        el = edge.el
        kind = el.kind or "sequenceFlow"
        state = self.state(el.id)
        colour = STATE_COLOURS[state][3]
        width = {"todo": 1.5, "done": 2.2, "current": 3.0}[state]
        pts = dedupe(edge.points)
        if len(pts) < 2:
            return
        for x, y in pts:
            self.grow(x, y)
        g = sub(parent, "g", class_=f"bpmn-edge {state}", data_element_id=el.id, data_kind=kind)
        sub(g, "title").text = el.name or el.id
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
        sub(g, "polyline", points=svg_points(line_pts), fill="none", stroke=colour, stroke_width=width,
            stroke_linejoin="round", stroke_dasharray=dash)
        if arrow:
            (x1, y1), (x2, y2) = pts[-2], pts[-1]
            seg = math.hypot(x2 - x1, y2 - y1)
            ux, uy = (x2 - x1) / seg, (y2 - y1) / seg
            half = head_len * 0.42
            bx, by = x2 - ux * head_len, y2 - uy * head_len
            open_head = kind == "messageFlow" or kind.startswith("data") or kind == "association"
            sub(g, "polygon", class_="bpmn-arrow",
                points=svg_points([(x2, y2), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)]),
                fill="#ffffff" if open_head else colour, stroke=colour, stroke_width=1 if not open_head else 1.2,
                stroke_linejoin="miter")
        if kind == "messageFlow":
            (x1, y1), (x2, y2) = pts[0], pts[1]
            seg = math.hypot(x2 - x1, y2 - y1)
            sub(g, "circle", cx=x1 + (x2 - x1) / seg * 4, cy=y1 + (y2 - y1) / seg * 4, r=4, fill="#ffffff",
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
                sub(g, "path", d=f"M{fmt(mx - 5 * ux - 6 * px)},{fmt(my - 5 * uy - 6 * py)} "
                                f"L{fmt(mx + 5 * ux + 6 * px)},{fmt(my + 5 * uy + 6 * py)}",
                    stroke=colour, stroke_width=1.6)
            elif (source is not None and etree.QName(source).localname not in GATEWAY_TAGS
                  and node.find(f"{{{BPMN_NS}}}conditionExpression") is not None):
                # conditional flow out of an activity: a small diamond at its source
                (x1, y1), (x2, y2) = pts[0], pts[1]
                seg = math.hypot(x2 - x1, y2 - y1)
                ux, uy = (x2 - x1) / seg, (y2 - y1) / seg
                px, py = -uy, ux
                sub(g, "polygon", points=svg_points([(x1, y1), (x1 + ux * 7 + px * 4.5, y1 + uy * 7 + py * 4.5),
                                                     (x1 + ux * 14, y1 + uy * 14),
                                                     (x1 + ux * 7 - px * 4.5, y1 + uy * 7 - py * 4.5)]),
                    fill="#ffffff", stroke=colour, stroke_width=1.2)
        if el.name:
            self._edge_label(g, edge, pts, colour if state != "todo" else LABEL_COLOUR)

    def _edge_label(self, g, edge: Edge, pts, colour) -> None:
        size = LABEL_FONT
        lh = size * LINE_HEIGHT
        label = edge.label
        if label is not None and label.w > 0:
            lines = wrap_text(edge.el.name, max(label.w + 8, 4 * size) / size, 3)
            block = len(lines) * lh
            top = label.cy - block / 2 if len(lines) == 1 or label.h >= block else label.y
            anchor, x = "middle", label.cx
        else:
            (mx, my), (ux, uy), seg = midpoint(pts)
            # keep a label on a short edge from spilling over the shapes at its ends
            capacity = 8.0 if abs(ux) < abs(uy) else min(10.0, max(4.0, (seg - 6) / size))
            lines = wrap_text(edge.el.name, capacity, 3)
            block = len(lines) * lh
            if abs(ux) >= abs(uy):  # mostly horizontal: above the line
                anchor, x, top = "middle", mx, my - 4 - block
            else:  # mostly vertical: right of the line
                anchor, x, top = "start", mx + 6, my - block / 2
        text_block(g, lines, x, top + lh / 2 + size * 0.35, size, colour, anchor=anchor, halo=True)
        self.grow_text(lines, x, top, size, anchor)


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
    elements, shapes, edges = read_diagram(root)
    r = _Renderer(elements, set(completed), set(current), dict(counts or {}), link)

    svg = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS})
    if title is None:
        title = next((s.el.name for s in shapes if s.el.kind == "participant" and s.el.name), None)
    if title is None:
        proc = root.find(f"{{{BPMN_NS}}}process")
        title = element_name(proc) or None
    if title:
        svg.set("aria-label", clean_text(title))
        sub(svg, "title").text = clean_text(title)
    svg.set("role", "img")
    svg.set("class", "bpmn-diagram")
    svg.set("font-family", FONT_FAMILY)

    layer_pools = sub(svg, "g", class_="bpmn-layer-pools")
    layer_groups = sub(svg, "g", class_="bpmn-layer-containers")
    layer_edges = sub(svg, "g", class_="bpmn-layer-edges")
    layer_nodes = sub(svg, "g", class_="bpmn-layer-nodes")
    layer_top = sub(svg, "g", class_="bpmn-layer-boundary")

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
    svg.set("viewBox", f"{fmt(x0)} {fmt(y0)} {fmt(w)} {fmt(h)}")
    svg.set("width", fmt(math.ceil(w)))
    svg.set("height", fmt(math.ceil(h)))
    # a white background, so that the picture reads the same on any page colour
    bg = etree.Element(f"{{{SVG_NS}}}rect")
    for k, v in (("x", x0), ("y", y0), ("width", w), ("height", h)):
        bg.set(k, fmt(v))
    bg.set("fill", "#ffffff")
    bg.set("class", "bpmn-background")
    svg.insert(1 if title else 0, bg)
    return etree.tostring(svg, encoding="unicode")

"""The look of the diagram and the bodies of flow nodes: tasks with their type icons, events with their
markers, gateways with theirs. Colours are presentation attributes (the SVG has no stylesheet)."""
from __future__ import annotations

import math

from lxml import etree

from app.bpmn.svg_diagram import Shape
from app.bpmn.svg_geometry import Box, diamond, fmt, sub, svg_points
from app.bpmn.svg_text import LINE_HEIGHT, text_block, wrap_text

STATE_COLOURS = {
    #          fill       stroke     text       edge colour
    "todo": ("#ffffff", "#5f6b7a", "#22272e", "#7d8794"),
    "done": ("#dcebdf", "#4d7a5a", "#23402c", "#4d7a5a"),
    "current": ("#ffd66e", "#c47a00", "#3b2800", "#c47a00"),
}
HALO = "#f5a300"
POOL_STROKE = "#8d99a6"
POOL_FILL = "#fbfcfd"
STRIP_FILL = "#eef2f6"
LABEL_COLOUR = "#2f3740"
BADGE_FILL = "#c0392b"

TASK_FONT = 12
LABEL_FONT = 11.5
LANE_FONT = 13


def centered_text(g, lines, box: Box, colour: str, top: float, bottom: float) -> None:
    """Task text centred in the box, kept between ``top`` and ``bottom`` (clear of icon and marker)."""
    size = TASK_FONT
    lh = size * LINE_HEIGHT
    block = len(lines) * lh
    start = box.cy - block / 2
    if start < top:
        start = top
    if start + block > bottom:
        start = max(bottom - block, box.y + 2)
    text_block(g, lines, box.cx, start + lh / 2 + size * 0.35, size, colour)

def draw_task(g, shape: Shape, kind, fill, stroke, width, text_colour, state) -> None:
    """A rounded box with its type icon, the subprocess marker when collapsed, and the wrapped name."""
    box = shape.box
    expanded = kind in ("subProcess", "transaction", "adHocSubProcess") and \
        shape.di.get("isExpanded", "false").lower() == "true"
    if kind == "callActivity":
        width = max(width, 3.5)
    if state == "current":
        sub(g, "rect", x=box.x - 4, y=box.y - 4, width=box.w + 8, height=box.h + 8, rx=13, fill="none",
            stroke=HALO, stroke_width=5, stroke_opacity="0.35")
    sub(g, "rect", x=box.x, y=box.y, width=box.w, height=box.h, rx=10,
        fill=fill if not expanded else ("#ffffff" if state == "todo" else fill),
        fill_opacity=None if not expanded else "0.55", stroke=stroke, stroke_width=width)
    if kind == "transaction":
        sub(g, "rect", x=box.x + 3, y=box.y + 3, width=box.w - 6, height=box.h - 6, rx=8, fill="none",
            stroke=stroke, stroke_width=1)
    icon = _task_icon(g, box, kind, stroke)
    bottom_marker = kind in ("callActivity", "subProcess", "transaction", "adHocSubProcess") and not expanded
    if bottom_marker:
        mx, my = box.cx - 7, box.y + box.h - 17
        sub(g, "rect", x=mx, y=my, width=14, height=14, fill="#ffffff", stroke=stroke, stroke_width=1.2)
        sub(g, "path", d=f"M{fmt(mx + 3)},{fmt(my + 7)} h8 M{fmt(mx + 7)},{fmt(my + 3)} v8", stroke=stroke,
            stroke_width=1.6)
    name = shape.el.name or ""
    if expanded:
        lines = wrap_text(name, (box.w - 30) / 13, 2)
        text_block(g, lines, box.x + 10, box.y + 8 + TASK_FONT * 0.9, TASK_FONT, text_colour, anchor="start")
        return
    lines = wrap_text(name, (box.w - 10) / 13, 3)
    top = box.y + (20 if icon else 4)
    bottom = box.y + box.h - (19 if bottom_marker else 4)
    centered_text(g, lines, box, text_colour, top, bottom)

def _task_icon(g, box: Box, kind: str, stroke: str) -> bool:
    x, y = box.x + 6, box.y + 5
    if kind == "userTask":
        ig = sub(g, "g", class_="bpmn-icon", fill="#ffffff", stroke=stroke, stroke_width=1.1)
        sub(ig, "path", d=f"M{fmt(x)},{fmt(y + 15)} v-3 c0,-3.2 2.5,-5 7,-5 c4.5,0 7,1.8 7,5 v3 Z")
        sub(ig, "circle", cx=x + 7, cy=y + 4.2, r=3.6)
        return True
    if kind == "businessRuleTask":
        ig = sub(g, "g", class_="bpmn-icon", stroke=stroke, stroke_width=1)
        sub(ig, "rect", x=x, y=y + 1, width=17, height=12, fill="#ffffff")
        sub(ig, "rect", x=x, y=y + 1, width=17, height=3.5, fill=stroke)
        sub(ig, "path", d=f"M{fmt(x)},{fmt(y + 8.5)} h17 M{fmt(x + 5.5)},{fmt(y + 4.5)} v8.5", fill="none")
        return True
    if kind == "serviceTask":
        ig = sub(g, "g", class_="bpmn-icon", fill="none", stroke=stroke, stroke_width=1.2)
        cx, cy = x + 7, y + 7
        spokes = []
        for i in range(8):
            a = i * math.pi / 4
            spokes.append(f"M{fmt(cx + 4.5 * math.cos(a))},{fmt(cy + 4.5 * math.sin(a))} "
                          f"L{fmt(cx + 7 * math.cos(a))},{fmt(cy + 7 * math.sin(a))}")
        sub(ig, "path", d=" ".join(spokes), stroke_width=2.2)
        sub(ig, "circle", cx=cx, cy=cy, r=4.5, fill="#ffffff")
        sub(ig, "circle", cx=cx, cy=cy, r=1.8)
        return True
    if kind == "scriptTask":
        ig = sub(g, "g", class_="bpmn-icon", fill="#ffffff", stroke=stroke, stroke_width=1)
        sub(ig, "path", d=f"M{fmt(x + 2)},{fmt(y)} h12 c-3,3 -3,5 0,8 c3,3 3,5 0,7 h-12 c3,-2 3,-4 0,-7 "
                         f"c-3,-3 -3,-5 0,-8 Z")
        sub(ig, "path", d=f"M{fmt(x + 4)},{fmt(y + 4)} h6 M{fmt(x + 5)},{fmt(y + 8)} h6 "
                         f"M{fmt(x + 5)},{fmt(y + 12)} h6", fill="none")
        return True
    if kind in ("sendTask", "receiveTask"):
        filled = kind == "sendTask"
        ig = sub(g, "g", class_="bpmn-icon", stroke="#ffffff" if filled else stroke, stroke_width=1)
        sub(ig, "rect", x=x, y=y + 2, width=17, height=12, fill=stroke if filled else "#ffffff",
            stroke=stroke)
        sub(ig, "path", d=f"M{fmt(x)},{fmt(y + 2)} l8.5,6 l8.5,-6", fill="none")
        return True
    if kind == "manualTask":
        ig = sub(g, "g", class_="bpmn-icon", fill="#ffffff", stroke=stroke, stroke_width=1)
        sub(ig, "path", d=f"M{fmt(x)},{fmt(y + 6)} h10 a1.5,1.5 0 0 1 0,3 h-3 h5 a1.5,1.5 0 0 1 0,3 h-5 "
                         f"h4 a1.5,1.5 0 0 1 0,3 h-11 Z")
        return True
    return False

def draw_event(g, shape: Shape, kind, fill, stroke, width, state) -> None:
    """A circle (thick for an end, double for intermediate and boundary events) with its marker."""
    box = shape.box
    r = min(box.w, box.h) / 2
    cx, cy = box.cx, box.cy
    if state == "current":
        sub(g, "circle", cx=cx, cy=cy, r=r + 4, fill="none", stroke=HALO, stroke_width=5,
            stroke_opacity="0.35")
    node = shape.el.node
    interrupting = kind != "boundaryEvent" or (node is None or node.get("cancelActivity", "true") != "false")
    dash = None if interrupting else "5 3"
    if kind == "endEvent":
        sub(g, "circle", cx=cx, cy=cy, r=r - 1.5, fill=fill, stroke=stroke, stroke_width=4)
    elif kind == "startEvent":
        sub(g, "circle", cx=cx, cy=cy, r=r, fill=fill, stroke=stroke, stroke_width=max(width, 1.8))
    else:
        sub(g, "circle", cx=cx, cy=cy, r=r, fill=fill, stroke=stroke, stroke_width=max(width, 1.4),
            stroke_dasharray=dash)
        sub(g, "circle", cx=cx, cy=cy, r=r - 3.5, fill="none", stroke=stroke, stroke_width=1.2,
            stroke_dasharray=dash)
    if node is None:
        return
    throw = kind in ("endEvent", "intermediateThrowEvent")
    defs = {etree.QName(ch).localname for ch in node if isinstance(ch.tag, str)}
    s = r / 18.0  # markers are designed for a 36px event
    if "messageEventDefinition" in defs:
        w, h = 16 * s, 11 * s
        sub(g, "rect", x=cx - w / 2, y=cy - h / 2, width=w, height=h, fill=stroke if throw else "#ffffff",
            stroke=stroke, stroke_width=1.1)
        sub(g, "path", d=f"M{fmt(cx - w / 2)},{fmt(cy - h / 2)} L{fmt(cx)},{fmt(cy + 1 * s)} "
                        f"L{fmt(cx + w / 2)},{fmt(cy - h / 2)}",
            fill="none", stroke="#ffffff" if throw else stroke, stroke_width=1.1)
    elif "timerEventDefinition" in defs:
        rr = 10 * s
        sub(g, "circle", cx=cx, cy=cy, r=rr, fill="#ffffff", stroke=stroke, stroke_width=1.5)
        ticks = []
        for i in range(12):
            a = i * math.pi / 6
            ticks.append(f"M{fmt(cx + rr * 0.75 * math.cos(a))},{fmt(cy + rr * 0.75 * math.sin(a))} "
                         f"L{fmt(cx + rr * math.cos(a))},{fmt(cy + rr * math.sin(a))}")
        sub(g, "path", d=" ".join(ticks), stroke=stroke, stroke_width=0.9)
        sub(g, "path", d=f"M{fmt(cx)},{fmt(cy - rr * 0.65)} L{fmt(cx)},{fmt(cy)} "
                        f"L{fmt(cx + rr * 0.5)},{fmt(cy + rr * 0.2)}",
            fill="none", stroke=stroke, stroke_width=1.4)
    elif "terminateEventDefinition" in defs:
        sub(g, "circle", cx=cx, cy=cy, r=r * 0.55, fill=stroke)
    elif "signalEventDefinition" in defs:
        t = 11 * s
        sub(g, "polygon", points=svg_points([(cx, cy - t * 0.8), (cx + t * 0.8, cy + t * 0.55),
                                             (cx - t * 0.8, cy + t * 0.55)]),
            fill=stroke if throw else "none", stroke=stroke, stroke_width=1.2)
    elif "errorEventDefinition" in defs:
        sub(g, "polygon", points=svg_points([(cx - 8 * s, cy + 8 * s), (cx - 3 * s, cy - 7 * s),
                                             (cx + 2 * s, cy + 2 * s), (cx + 8 * s, cy - 8 * s),
                                             (cx + 3 * s, cy + 7 * s), (cx - 2 * s, cy - 2 * s)]),
            fill=stroke if throw else "none", stroke=stroke, stroke_width=1.2, stroke_linejoin="round")

def draw_gateway(g, shape: Shape, kind, fill, stroke, width, state) -> None:
    """A diamond with the marker of its type."""
    box = shape.box
    if state == "current":
        sub(g, "polygon", points=diamond(box, 5), fill="none", stroke=HALO, stroke_width=5,
            stroke_opacity="0.35", stroke_linejoin="round")
    sub(g, "polygon", points=diamond(box), fill=fill, stroke=stroke, stroke_width=width, stroke_linejoin="round")
    cx, cy = box.cx, box.cy
    k = min(box.w, box.h) / 50.0
    if kind == "exclusiveGateway":
        a = 8 * k
        sub(g, "path", d=f"M{fmt(cx - a)},{fmt(cy - a)} L{fmt(cx + a)},{fmt(cy + a)} "
                        f"M{fmt(cx + a)},{fmt(cy - a)} L{fmt(cx - a)},{fmt(cy + a)}",
            stroke=stroke, stroke_width=3.5 * k, stroke_linecap="round")
    elif kind == "parallelGateway":
        a = 11 * k
        sub(g, "path", d=f"M{fmt(cx - a)},{fmt(cy)} H{fmt(cx + a)} M{fmt(cx)},{fmt(cy - a)} V{fmt(cy + a)}",
            stroke=stroke, stroke_width=3.5 * k, stroke_linecap="round")
    elif kind == "inclusiveGateway":
        sub(g, "circle", cx=cx, cy=cy, r=10 * k, fill="none", stroke=stroke, stroke_width=2.5 * k)
    elif kind == "complexGateway":
        a, d = 11 * k, 7.8 * k
        sub(g, "path", d=f"M{fmt(cx - a)},{fmt(cy)} H{fmt(cx + a)} M{fmt(cx)},{fmt(cy - a)} V{fmt(cy + a)} "
                        f"M{fmt(cx - d)},{fmt(cy - d)} L{fmt(cx + d)},{fmt(cy + d)} "
                        f"M{fmt(cx + d)},{fmt(cy - d)} L{fmt(cx - d)},{fmt(cy + d)}",
            stroke=stroke, stroke_width=3 * k, stroke_linecap="round")
    elif kind == "eventBasedGateway":
        sub(g, "circle", cx=cx, cy=cy, r=11 * k, fill="none", stroke=stroke, stroke_width=1)
        sub(g, "circle", cx=cx, cy=cy, r=8.5 * k, fill="none", stroke=stroke, stroke_width=1)
        pent = [(cx + 5.5 * k * math.sin(2 * math.pi * i / 5), cy - 5.5 * k * math.cos(2 * math.pi * i / 5))
                for i in range(5)]
        sub(g, "polygon", points=svg_points(pent), fill="none", stroke=stroke, stroke_width=1.2)

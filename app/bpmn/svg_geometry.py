"""Geometry for the SVG renderer: boxes, numbers and point lists as SVG writes them, and SVG elements."""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"


@dataclass
class Box:
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


def fmt(v: float) -> str:
    """A coordinate as SVG gets it: whole numbers without a point, else at most two decimals."""
    if abs(v - round(v)) < 1e-6:
        return str(int(round(v)))
    return f"{v:.2f}".rstrip("0").rstrip(".")


def sub(parent: etree._Element, tag: str, **attrs) -> etree._Element:
    """A new SVG child of ``parent``: ``stroke_width=2`` is written stroke-width="2", ``class_`` class;
    attributes given as None are left out."""
    el = etree.SubElement(parent, f"{{{SVG_NS}}}{tag}")
    for key, value in attrs.items():
        if value is None:
            continue
        key = key.rstrip("_").replace("_", "-")
        el.set(key, fmt(value) if isinstance(value, float) else str(value))
    return el


def svg_points(points: Iterable[tuple[float, float]]) -> str:
    """The ``points`` attribute of a polyline or polygon."""
    return " ".join(f"{fmt(x)},{fmt(y)}" for x, y in points)


def diamond(box: Box, grow: float = 0.0) -> str:
    return svg_points([(box.cx, box.y - grow), (box.x + box.w + grow, box.cy), (box.cx, box.y + box.h + grow),
                       (box.x - grow, box.cy)])


def dedupe(points):
    """The waypoints without repeats (a zero-length segment has no direction for an arrowhead)."""
    out = []
    for p in points:
        if not out or math.hypot(p[0] - out[-1][0], p[1] - out[-1][1]) > 0.01:
            out.append(p)
    return out


def midpoint(pts):
    """(the point halfway along the polyline, the unit direction there, the length of that segment)."""
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

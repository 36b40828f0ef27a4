"""Text for the SVG renderer: width estimates for CJK and Latin text, line breaking that never starts a
line with closing punctuation, and text blocks (no font metrics are available on the server)."""
from __future__ import annotations

import re
import unicodedata

from app.bpmn.svg_geometry import sub

LINE_HEIGHT = 1.25  # line height / font size
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NO_LINE_START = set("，。、；：？！）》」』】〕…,.;:?!)]}%")


def clean_text(text: str | None) -> str:
    """The text without characters XML cannot hold."""
    return _XML_INVALID.sub("", text or "")


def is_wide(ch: str) -> bool:
    """A character that takes a full CJK cell."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def text_units(text: str) -> float:
    """Width in 'CJK character' units (a CJK character at the given font size is one unit)."""
    total = 0.0
    for ch in text:
        if is_wide(ch) or ch == "…":
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
        elif is_wide(ch):
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        else:
            word += ch
    if word:
        out.append(word)
    return out


def wrap_text(text: str, capacity: float, max_lines: int) -> list[str]:
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
            w = text_units(tok)
            sp = text_units(" ") if (space and cur) else 0.0
            if cur and cur_w + sp + w > capacity:
                para_lines.append(cur)
                cur, cur_w, sp = "", 0.0, 0.0
            if not cur and w > capacity:
                for ch in tok:
                    cw = text_units(ch)
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
        while last and text_units(last) + 1.0 > capacity:
            last = last[:-1]
        keep[-1] = last.rstrip() + "…"
        lines = keep
    return lines


def text_block(parent, lines: list[str], cx: float, first_baseline: float, size: float, colour: str,
               anchor: str = "middle", halo: bool = False, weight: str | None = None):
    """A <text> with one <tspan> per line; ``halo`` draws a white outline so it reads over lines."""
    t = sub(parent, "text", x=float(cx), y=float(first_baseline), font_size=float(size), fill=colour,
            text_anchor=anchor, font_weight=weight)
    if halo:
        t.set("stroke", "#ffffff")
        t.set("stroke-width", "4")
        t.set("stroke-linejoin", "round")
        t.set("paint-order", "stroke")
    for i, line in enumerate(lines):
        span = sub(t, "tspan", x=float(cx), y=float(first_baseline + i * size * LINE_HEIGHT))
        span.text = line
    return t

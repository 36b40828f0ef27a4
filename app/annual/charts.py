"""The annual report's charts: plain SVG bars, drawn on the server (no script), for the staff and public pages."""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.annual.figures import EXTRA_KEYS, LICENSING_KEYS, REVIEW_OUTCOMES, label
from app.annual.service import View


def _svg(width: int, height: int, text: str, body: list[str]) -> Markup:
    return Markup(f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(text)}" '
                  f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
                  f'<title>{escape(text)}</title>{"".join(body)}</svg>')


def bar_chart(rows: list[tuple[str, int, str]], title: str) -> Markup:
    """Horizontal bars, one per (label, value, css class); a zero shows as 0 with no bar."""
    left, bar_h, gap, top, plot_w = 150, 22, 10, 10, 360
    height = top + len(rows) * (bar_h + gap) + 10
    width = left + plot_w + 60
    peak = max([v for _l, v, _c in rows] + [1])
    body = [f'<line class="axis" x1="{left}" y1="{top - 4}" x2="{left}" y2="{height - 6}"/>']
    for i, (text, value, cls) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = round(plot_w * value / peak, 1)
        body.append(f'<text class="tick" x="{left - 8}" y="{y + bar_h * 0.7}" text-anchor="end">{escape(text)}</text>')
        if value:
            body.append(f'<rect class="bar {cls}" x="{left}" y="{y}" width="{w}" height="{bar_h}">'
                        f'<title>{escape(text)}: {value}</title></rect>')
        body.append(f'<text class="value" x="{left + w + 6}" y="{y + bar_h * 0.7}">{value}</text>')
    return _svg(width, height, title, body)


def charts(view: View) -> list[Markup]:
    """The licensing figures, then legal review, hearings, extensions and late counts."""
    lic = view.figures["licensing"]
    classes = {"applications": "open", "accepted": "open", "granted": "good", "denied": "poor", "revoked": "poor",
               "withdrawn": "wait", "changed": "open", "renewed": "good", "cancelled": "wait"}
    result = [bar_chart([(label(k), int(lic.get(k) or 0), classes[k]) for k in LICENSING_KEYS], _("行政许可办理情况"))]
    review = view.figures["legal_review"]
    result.append(bar_chart(
        [(label(f"legal_review.{o}"), int(review["by_outcome"].get(o) or 0), "good" if o == "approve" else "wait")
         for o in REVIEW_OUTCOMES]
        + [(label(k), int(view.figures[k] or 0), "poor" if k.startswith("late") else "open") for k in EXTRA_KEYS],
        _("法制审核、听证、延期与逾期")))
    return result

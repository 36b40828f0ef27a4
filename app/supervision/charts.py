"""The supervisor's charts, drawn as inline SVG (no script, printable): open tasks and waiting time per
step, and the monthly on-time rate; and waiting times as people read them."""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.supervision.stats import MonthRate, VersionSteps


def wait_text(hours: float | None) -> str:
    if hours is None:
        return "—"
    if hours >= 24:
        return _("%(d)s 天", d=f"{hours / 24:.1f}")
    if hours >= 1:
        return _("%(h)s 小时", h=f"{hours:.1f}")
    return _("%(m)d 分钟", m=int(hours * 60))


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    return Markup(f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
                  f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
                  f'<title>{escape(label)}</title>{"".join(body)}</svg>')


def steps_chart(group: VersionSteps) -> Markup:
    """Horizontal bars per step: open tasks (red) and average wait in days (amber), each on its own scale."""
    label_w, bar_w, row_h, top = 190, 420, 40, 26
    width, height = label_w + bar_w + 90, top + row_h * max(len(group.steps), 1) + 6
    max_open = max((s.open for s in group.steps), default=0) or 1
    max_wait = max((s.avg_wait_hours for s in group.steps), default=0) or 1
    body = [f'<rect class="key open" x="{label_w}" y="6" width="12" height="12"/>'
            f'<text x="{label_w + 18}" y="16">{escape(_("在办任务数"))}</text>'
            f'<rect class="key wait" x="{label_w + 140}" y="6" width="12" height="12"/>'
            f'<text x="{label_w + 158}" y="16">{escape(_("平均等待"))}</text>']
    for i, s in enumerate(group.steps):
        y = top + i * row_h
        open_w = round(bar_w * s.open / max_open, 1)
        wait_w = round(bar_w * s.avg_wait_hours / max_wait, 1)
        body.append(
            f'<g class="step" data-step="{escape(s.name)}">'
            f'<text class="label" x="{label_w - 10}" y="{y + 20}" text-anchor="end">{escape(s.title)}</text>'
            f'<rect class="bar open" x="{label_w}" y="{y + 4}" width="{max(open_w, 1)}" height="14"/>'
            f'<text class="value" x="{label_w + open_w + 6}" y="{y + 15}">{s.open}</text>'
            f'<rect class="bar wait" x="{label_w}" y="{y + 20}" width="{max(wait_w, 1)}" height="12"/>'
            f'<text class="value" x="{label_w + wait_w + 6}" y="{y + 30}">{escape(wait_text(s.avg_wait_hours))}</text>'
            f'</g>')
    body.append(f'<line class="axis" x1="{label_w}" y1="{top}" x2="{label_w}" y2="{height - 4}"/>')
    return _svg(width, height, _("%(name)s：各环节在办任务与平均等待时间", name=f"{group.name} v{group.version}"), body)


def on_time_chart(months: list[MonthRate]) -> Markup:
    """Vertical bars: the share of decisions made on time, per month; a dash where nothing was decided."""
    left, slot, plot_h, top = 44, 58, 150, 24
    width, height = left + slot * len(months) + 10, top + plot_h + 44
    base = top + plot_h
    body = []
    for pct in (0, 50, 100):
        y = base - plot_h * pct / 100
        body.append(f'<line class="{"axis" if pct == 0 else "grid"}" x1="{left}" y1="{y}" x2="{width - 10}" y2="{y}"/>'
                    f'<text class="tick" x="{left - 6}" y="{y + 4}" text-anchor="end">{pct}%</text>')
    for i, m in enumerate(months):
        x = left + i * slot + 10
        mid = x + (slot - 20) / 2
        if m.rate is None:
            body.append(f'<text class="value none" x="{mid}" y="{base - 6}" text-anchor="middle">—</text>')
        else:
            h = round(plot_h * m.rate, 1)
            cls = "good" if m.rate >= 0.95 else "fair" if m.rate >= 0.8 else "poor"
            body.append(f'<rect class="bar {cls}" x="{x}" y="{base - h}" width="{slot - 20}" height="{max(h, 1)}">'
                        f'<title>{escape(m.month)}: {m.on_time}/{m.with_deadline}</title></rect>'
                        f'<text class="value" x="{mid}" y="{base - h - 5}" text-anchor="middle">{round(m.rate * 100)}%</text>')
        body.append(f'<text class="tick" x="{mid}" y="{base + 18}" text-anchor="middle">{escape(m.month)}</text>'
                    f'<text class="tick small" x="{mid}" y="{base + 34}" text-anchor="middle">n={m.decided}</text>')
    return _svg(width, height, _("近 12 个月按时办结率"), body)

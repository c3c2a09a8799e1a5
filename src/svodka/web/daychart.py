"""A small server-rendered SVG bar chart of counts per day, with a dated x axis (no script, no CDN).

Days missing from the counts are drawn as zero, so gaps show; the axis names the first and last day and
about six evenly spaced days between, the y axis its maximum. Presentation attributes only (the pages'
CSP forbids inline styles).
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

WIDTH, HEIGHT = 640, 160
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 10, 34
TICKS = 6


def _days(by_day: dict[str, int]) -> list[tuple[date, int]]:
    dated = {date.fromisoformat(d): n for d, n in by_day.items()}
    first, last = min(dated), max(dated)
    span = [first + timedelta(i) for i in range((last - first).days + 1)]
    return [(d, dated.get(d, 0)) for d in span]


def day_chart(by_day: dict[str, int], label: str = "questions per day") -> str:
    """The SVG markup (escaped throughout); empty when there are no days."""
    if not by_day:
        return ""
    days = _days(by_day)
    top = max(n for _, n in days) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(days)
    bars = []
    for i, (d, n) in enumerate(days):
        h = plot_h * n / top
        x = LEFT + i * step
        bars.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{max(step - 1, 0.6):.1f}" '
            f'height="{h:.1f}" fill="#1f5fa8"><title>{d.isoformat()}: {n}</title></rect>'
        )
    every = max(1, round(len(days) / TICKS))
    marks = sorted({*range(0, len(days), every), len(days) - 1})
    if len(marks) > 1 and marks[-1] - marks[-2] < every / 2:
        marks.pop(-2)  # the last day's label would overlap its neighbour's
    ticks = []
    for i in marks:
        x = LEFT + (i + 0.5) * step
        ticks.append(
            f'<line x1="{x:.1f}" y1="{TOP + plot_h}" x2="{x:.1f}" y2="{TOP + plot_h + 4}" stroke="#555"/>'
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" font-size="10" text-anchor="middle" '
            f'fill="#333">{days[i][0].strftime("%d.%m.%y")}</text>'
        )
    axis = (
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#555"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#555"/>'
        f'<text x="{LEFT - 4}" y="{TOP + 8}" font-size="10" text-anchor="end" fill="#333">{top}</text>'
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" font-size="10" text-anchor="end" fill="#333">0</text>'
    )
    return (
        f'<svg class="daychart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{escape(label)}, {days[0][0].isoformat()} – {days[-1][0].isoformat()}">'
        + axis
        + "".join(bars)
        + "".join(ticks)
        + "</svg>"
    )

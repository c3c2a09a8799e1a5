"""Small charts drawn on the server as inline SVG (no script, no CDN): they print and work without JS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 160  # the drawing's own units; the SVG stretches to its box (style.css: svg.chart)
BAR_PX, MIN_PX = 28, 280  # its width on the page: 28 px a bar (at least 280), narrower on a small screen


def bar_chart(rows: Sequence[Mapping[str, object]], name: str, value: str, label: str) -> Markup:
    """Rows as a bar chart (a template filter: ``daily|bar_chart('day', 'posts', 'Posts per day')``): one
    bar per row, ``row[value]`` high, ``row[name]`` and the value as its tooltip, scaled to the largest
    value; ``label`` names the chart for screen readers (the page writes the axis under it)."""
    if not rows:
        return Markup("")
    pairs = [(str(r[name]), int(str(r[value]))) for r in rows]
    top = max(max(v for _, v in pairs), 1)
    slot = WIDTH / len(pairs)
    bar = max(slot * 0.8, 1.0)
    plot = HEIGHT
    parts = [
        f'<svg class="chart" width="{max(len(pairs) * BAR_PX, MIN_PX)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
    ]
    for i, (key, n) in enumerate(pairs):
        h = max(plot * n / top, 1.0 if n else 0.0)
        x = i * slot + (slot - bar) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{plot - h:.1f}" width="{bar:.1f}" height="{h:.1f}">'
            f"<title>{escape(key)}: {n}</title></rect>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))

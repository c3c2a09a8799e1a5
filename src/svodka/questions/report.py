"""Topic report: a self-contained HTML page (plotly with its JS inlined, so it opens offline) or a table.

The data is gathered once into :class:`TopicRow` records; HTML, CSV and XLSX are renderings of them.
"""

from __future__ import annotations

import csv
import html
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from svodka.errors import InputError
from svodka.questions.titles import topic_title
from svodka.store import Store


@dataclass(frozen=True, slots=True)
class TopicRow:
    tid: int
    parent: int | None
    label: str
    title: str
    size: int
    by_day: dict[str, int]
    by_region: dict[str, int]
    representatives: tuple[str, ...]


def gather(store: Store) -> list[TopicRow]:
    days: dict[int, Counter[str]] = {}
    regions: dict[int, Counter[str]] = {}
    for q in store.questions.iter_all():
        for tid in (q.topic_id, q.subtopic_id):
            if tid is None:
                continue
            if q.ts is not None:
                day = datetime.fromtimestamp(q.ts, UTC).strftime("%Y-%m-%d")
                days.setdefault(tid, Counter())[day] += 1
            regions.setdefault(tid, Counter())[q.region or "—"] += 1
    return [
        TopicRow(
            t.tid,
            t.parent,
            t.label,
            topic_title(t),
            t.size,
            dict(sorted(days.get(t.tid, Counter()).items())),
            dict(regions.get(t.tid, Counter()).most_common()),
            t.representatives,
        )
        for t in store.questions.topics()
    ]


def _table(rows: list[TopicRow]) -> tuple[list[str], list[list[int | str]]]:
    head = [
        "topic_id",
        "parent_id",
        "label",
        "count",
        "title",
        "top_regions",
        "representative_1",
        "representative_2",
        "representative_3",
    ]
    body = []
    for r in sorted(rows, key=lambda r: (r.parent or r.tid, r.parent is not None, -r.size)):
        reps = list(r.representatives[:3]) + [""] * (3 - len(r.representatives[:3]))
        regions = "; ".join(f"{k}: {v}" for k, v in list(r.by_region.items())[:5])
        body.append([r.tid, r.parent or "", r.label, r.size, r.title, regions, *reps])
    return head, body


def _html(rows: list[TopicRow]) -> str:
    import plotly.graph_objects as go
    from plotly.io import to_html

    tops = sorted((r for r in rows if r.parent is None), key=lambda r: -r.size)
    sizes = go.Figure(
        go.Bar(x=[r.size for r in tops], y=[f"{r.tid}: {r.title}" for r in tops], orientation="h")
    )
    sizes.update_layout(
        title="Questions per topic", yaxis={"autorange": "reversed"}, height=80 + 28 * len(tops)
    )
    trend = go.Figure(
        [
            go.Scatter(x=list(r.by_day), y=list(r.by_day.values()), name=r.title, mode="lines")
            for r in tops[:10]
        ]
    )
    trend.update_layout(title="Questions per day (largest 10 topics)")
    region_names = [
        k for k, _ in Counter({k: v for r in tops for k, v in r.by_region.items()}).most_common(12)
    ]
    regions = go.Figure(
        [
            go.Bar(name=r.title, x=region_names, y=[r.by_region.get(k, 0) for k in region_names])
            for r in tops[:10]
        ]
    )
    regions.update_layout(title="Topics by region", barmode="stack")
    charts = [
        to_html(fig, full_html=False, include_plotlyjs=(i == 0))
        for i, fig in enumerate((sizes, trend, regions))
    ]
    items = []
    for t in tops:
        subs = sorted((r for r in rows if r.parent == t.tid), key=lambda r: -r.size)
        reps = "".join(f"<li>{html.escape(q)}</li>" for q in t.representatives)
        sub_html = "".join(
            f"<li>{s.tid}: <b>{html.escape(s.title)}</b> <i>{html.escape(s.label)}</i> — {s.size}</li>"
            for s in subs
        )
        items.append(
            f"<section><h3>{t.tid}: {html.escape(t.title)} — {t.size}</h3>"
            f"<p><i>{html.escape(t.label)}</i></p><ol>{reps}</ol>"
            f"<details><summary>{len(subs)} subtopics</summary><ul>{sub_html}</ul></details></section>"
        )
    return (
        "<!doctype html><html lang=ru><meta charset=utf-8><title>Question topics</title>"
        "<body style='font-family:sans-serif;max-width:70rem;margin:auto'><h1>Question topics</h1>"
        + "".join(charts)
        + "<h2>Topics</h2>"
        + "".join(items)
        + "</body></html>"
    )


def write_report(store: Store, out: Path) -> None:
    rows = gather(store)
    if not rows:
        raise InputError(str(out), "no topics yet: run `svodka questions triage` first", None)
    suffix = out.suffix.lower()
    if suffix in (".html", ".htm"):
        out.write_text(_html(rows), encoding="utf-8")
    elif suffix == ".csv":
        head, body = _table(rows)
        with out.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(head)
            w.writerows(body)
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        head, body = _table(rows)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("topics")
        ws.append(head)
        for row in body:
            ws.append(row)
        wb.save(out)
    else:
        raise InputError(str(out), "report must be .html, .csv or .xlsx", None)

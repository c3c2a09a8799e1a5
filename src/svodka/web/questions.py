"""Question triage in the web app: ``/questions`` (topics, subtopics, trend, regions, representatives),
``/api/questions/topics`` (the same data as JSON) and ``/questions/topics/<id>`` (one topic's questions,
filtered by district and date, paged, per-day chart, CSV/XLSX export). Readable by every role."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from svodka.errors import InputError, NotFoundError
from svodka.model import QuestionTopic
from svodka.questions.browse import TopicFilter, TopicQuestions, select, to_csv, to_xlsx
from svodka.questions.titles import topic_title
from svodka.store import Store
from svodka.web.daychart import day_chart
from svodka.web.framework import Ctx, View, route
from svodka.web.pages import VIEWER

TREND_DAYS = 14  # the last days shown in a topic's trend
TOP_REGIONS = 5


def topics_data(store: Store) -> dict[str, Any]:
    """Topics, largest first, each with its subtopics; empty with ``built: false`` before any triage."""
    topics = store.questions.topics()
    total = store.questions.count()
    if not topics:
        return {"built": False, "questions": total, "topics": []}
    days, regions = store.questions.topic_stats()

    def card(t: Any) -> dict[str, Any]:
        trend = list(days.get(t.tid, {}).items())[-TREND_DAYS:]
        return {
            "id": t.tid,
            "title": topic_title(t),
            "label": t.label,
            "keywords": list(t.keywords),
            "count": t.size,
            "trend": [{"day": d, "questions": n} for d, n in trend],
            "regions": [
                {"region": r, "questions": n} for r, n in list(regions.get(t.tid, {}).items())[:TOP_REGIONS]
            ],
            "representatives": list(t.representatives),
        }

    subs: dict[int, list[Any]] = {}
    for t in topics:
        if t.parent is not None:
            subs.setdefault(t.parent, []).append(t)
    out = []
    for t in sorted((t for t in topics if t.parent is None), key=lambda t: (-t.size, t.tid)):
        children = sorted(subs.get(t.tid, []), key=lambda s: (-s.size, s.tid))
        out.append({**card(t), "subtopics": [card(s) for s in children]})
    return {"built": True, "questions": total, "topics": out}


@route("/questions", VIEWER)
def questions_page(ctx: Ctx) -> View:
    return View("questions.html", topics_data(ctx.store))


@route("/api/questions/topics", VIEWER)
def api_question_topics(ctx: Ctx) -> dict[str, Any]:
    return topics_data(ctx.store)


PAGE_SIZE = 50


def _filter(ctx: Ctx) -> TopicFilter:
    return TopicFilter.parse(
        ctx.path_params["topic_id"], ctx.param("district"), ctx.param("since"), ctx.param("until")
    )


def _topic(store: Store, tid: int) -> tuple[QuestionTopic, dict[int, QuestionTopic]]:
    topics = {t.tid: t for t in store.questions.topics()}
    if tid not in topics:
        raise NotFoundError(f"no question topic {tid}")
    return topics[tid], topics


def _selected(ctx: Ctx) -> tuple[TopicFilter, QuestionTopic, dict[int, QuestionTopic], TopicQuestions]:
    f = _filter(ctx)
    topic, topics = _topic(ctx.store, f.tid)
    return f, topic, topics, select(ctx.store.questions.iter_all(), f)


def _page_number(ctx: Ctx) -> int:
    raw = ctx.param("page", "1") or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise InputError("page", f"{raw[:20]!r} is not a page number (1, 2, …)")
    return int(raw)


def topic_page_data(ctx: Ctx) -> dict[str, Any]:
    """One topic: title, keywords, subtopics (or parent), the filtered questions' page, chart, exports."""
    f, t, topics, sel = _selected(ctx)
    page = _page_number(ctx)
    pages = max(1, -(-len(sel.rows) // PAGE_SIZE))
    shown = sel.rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    query = {k: v for k, v in (("district", f.district), ("since", f.since), ("until", f.until)) if v}

    def link(path: str, **extra: object) -> str:
        q = urlencode({**query, **extra})
        return f"/questions/topics/{t.tid}{path}" + (f"?{q}" if q else "")

    parent = topics.get(t.parent) if t.parent is not None else None
    subs = sorted((s for s in topics.values() if s.parent == t.tid), key=lambda s: (-s.size, s.tid))
    return {
        "id": t.tid,
        "title": topic_title(t),
        "label": t.label,
        "keywords": list(t.keywords),
        "count": t.size,
        "parent": None if parent is None else {"id": parent.tid, "title": topic_title(parent)},
        "subtopics": [{"id": s.tid, "title": topic_title(s), "count": s.size} for s in subs],
        "filters": {
            "district": f.district,
            "since": f.since.isoformat() if f.since else None,
            "until": f.until.isoformat() if f.until else None,
        },
        "districts": [{"district": d, "questions": n} for d, n in sel.districts.items()],
        "matching": len(sel.rows),
        "page": page,
        "pages": pages,
        "prev": link("", page=page - 1) if page > 1 else None,
        "next": link("", page=page + 1) if page < pages else None,
        "questions": [
            {"id": q.qid, "time": _iso(q.ts), "district": q.region, "subtopic": q.subtopic_id, "text": q.text}
            for q in shown
        ],
        "by_day": [{"day": d, "questions": n} for d, n in sel.by_day.items()],
        "chart": day_chart(sel.by_day, ctx._("questions per day")),
        "export": {"csv": link("/questions.csv"), "xlsx": link("/questions.xlsx")},
    }


def _iso(ts: int | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


@route("/questions/topics/{topic_id:int}", VIEWER)
def question_topic_page(ctx: Ctx) -> View:
    return View("questions_topic.html", topic_page_data(ctx))


def _download(body: bytes, media: str, name: str) -> Response:
    return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


@route("/questions/topics/{topic_id:int}/questions.csv", VIEWER)
def question_topic_csv(ctx: Ctx) -> Response:
    f, _, _, sel = _selected(ctx)
    return _download(to_csv(sel.rows), "text/csv; charset=utf-8", f"topic-{f.tid}.csv")


@route("/questions/topics/{topic_id:int}/questions.xlsx", VIEWER)
def question_topic_xlsx(ctx: Ctx) -> Response:
    f, _, _, sel = _selected(ctx)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(to_xlsx(sel.rows, f"topic {f.tid}"), media, f"topic-{f.tid}.xlsx")

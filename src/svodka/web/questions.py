"""Question triage in the web app: ``/questions`` (topics, subtopics, trend, regions, representatives) and
``/api/questions/topics`` (the same data as JSON). Readable by every role."""

from __future__ import annotations

from typing import Any

from svodka.store import Store
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

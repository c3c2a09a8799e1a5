"""An English channel with real view counts (@bbcbreaking, 2017): reach against the channel's own norm,
English sentences, t.me links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import open_test_store, shared
from svodka.digest import DigestQuery, build_digest
from svodka.digest.compose import DigestOptions
from svodka.ingest import import_file
from svodka.model import Story, StoryMember
from svodka.pipeline.rank import RankWeights, view_norms
from svodka.pipeline.summarize import clean_text


def test_bbcbreaking_reach_and_english(backend: str, tmp_path: Path) -> None:
    store = open_test_store(backend, tmp_path, "bbc")
    import_file(store, shared("tg_en_bbcbreaking_2017", "bbcbreaking_telegram_posts.jsonl"))
    posts = [p for p in store.posts.iter() if p.text.strip()]
    store.close()
    norms = view_norms(posts)
    assert len(norms) == 1 and next(iter(norms.values())) > 0
    day = max({p.date.date() for p in posts}, key=lambda d: sum(p.date.date() == d for p in posts))
    since = datetime(day.year, day.month, day.day, tzinfo=UTC)
    stories = [Story(p.id, (StoryMember(p),), p.date, p.date) for p in posts]
    # Importance off (issue 14 adds it): this test is about reach against the channel's own norm.
    no_importance = DigestOptions(weights=RankWeights(importance=0.0))
    d = build_digest(stories, DigestQuery(since, since + timedelta(days=1), top=10), no_importance)
    assert len(d.items) == 10
    by_id = {p.id: p for p in posts}
    for it in d.items:
        h = it.summary.headline
        assert h.text in clean_text(by_id[h.post_id].text)
        assert h.url == f"https://t.me/bbcbreaking/{by_id[h.post_id].message_id}"
        assert it.card.languages == ("en",) and it.card.single_source
        reach = next(t for t in it.score.terms if t.name == "reach")
        assert "× norm over 1 posts" in reach.note
    # One channel, one post per story: reach (views against the channel's median) and recency decide, so
    # the posts chosen are read far more than the day's typical post.
    scores = [it.score.score for it in d.items]
    assert scores == sorted(scores, reverse=True)
    day_views = sorted(p.views or 0 for p in posts if since <= p.date < since + timedelta(days=1))
    chosen = [by_id[it.summary.headline.post_id].views or 0 for it in d.items]
    assert sum(chosen) / len(chosen) > day_views[len(day_views) // 2]

"""The alert scan's stories watermark (the highest post id placed) never passes over a post a later batch
places: a run places its posts in date order, so when ids are not in date order (a channel's older posts
stored after newer ones) a later batch places lower ids than an earlier one. A scan between the two batches
must still look at the stories the second batch's posts join (the watermark moves only up to the
pipeline's own, below which every post is placed)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from svodka.model import ChannelRef, Post
from svodka.monitor.rules import RuleOptions
from svodka.monitor.run import scan
from svodka.monitor.watchlist import watchlist
from svodka.pipeline.credibility import independent_sources
from svodka.pipeline.embed import USEEmbedder
from svodka.process import process
from svodka.settings import defaults
from svodka.store import Store

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
LISTS = [watchlist({"name": "all", "query": "сообщает", "rules": ["sources>=1"], "targets": ["t"]})]
ANY_AGE = RuleOptions(max_age=None)
EARLY = [
    "Центробанк сохранил ключевую ставку на уровне 21 процента, сообщает пресс-служба регулятора",
    "В Казани открылся новый мост через реку Казанку, сообщает мэрия города",
    "Сборная России по хоккею выиграла турнир в Санкт-Петербурге, сообщает федерация",
    "Синоптики обещают сильный снегопад в Новосибирске на выходных, сообщает гидрометцентр",
]
LATE = [
    "Археологи нашли под Псковом клад серебряных монет XII века, сообщает институт археологии",
    "Авиакомпания запустила прямые рейсы из Владивостока в Сеул, сообщает аэропорт",
    "В Эрмитаже открылась выставка японской гравюры, сообщает музей",
    "Цены на бензин на бирже выросли третью неделю подряд, сообщает биржа",
]


@pytest.mark.slow
def test_a_scan_between_batches_still_sees_the_stories_a_later_batch_places(store: Store) -> None:
    # stored first: the day's later posts (low ids); then its earlier ones (higher ids), which the run's
    # first batch takes, being earlier in date
    late = [Post(ChannelRef(handle=f"late{i}"), 1, T0 + timedelta(hours=10), t) for i, t in enumerate(LATE)]
    early = [Post(ChannelRef(handle=f"early{i}"), 1, T0, t) for i, t in enumerate(EARLY)]
    store.posts.save(late)
    store.posts.save(early)
    settings = {**defaults(), "pipeline.batch_posts": len(early)}
    embedder = USEEmbedder()
    stop = threading.Event()
    first = process(store, settings, on_progress=lambda done, total: stop.set(), embedder=embedder, stop=stop)
    assert first.batches == 1  # the earlier posts, with the higher ids, placed; the run goes on later
    placed = store.stories.assignments()
    assert min(placed) > max(p.id for p in store.posts.iter() if p.channel.startswith("late"))
    scan(store, LISTS, ANY_AGE, T0 + timedelta(hours=11))
    assert process(store, settings, embedder=embedder).batches == 1  # the rest: the lower ids
    scan(store, LISTS, ANY_AGE, T0 + timedelta(hours=11))

    stories = {store.stories.resolve(s) for s in store.stories.assignments().values()}
    alerts = {a.subject: a.level for a in store.alerts.recent(100) if a.rule == "sources"}
    expected = {f"story:{s}": len(independent_sources(store.stories.get(s))) for s in stories}
    assert len(stories) > len(EARLY)  # the later posts' stories are new ones …
    assert alerts == expected  # … and every story is alerted, at its final count of sources

"""``digest.card_topic.cached_card_topics`` keeps topics per open store, not per URL: a store made anew where
another was (a file deleted and created again, a database dropped and created — as tests and a demo reset
do) starts with nothing told, though its story ids and sizes are the old one's; and a store's topics are told
again once its not-news marks change (a post marked not news leaves the story's size as it was).

Real posts of tg_ru_news_2024 (2024-12-02): a story of two finance posts, and one of two game posts, each
story 1 of its store; both backends."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import new_store_url, pg_server, shared
from svodka.digest import card_topic
from svodka.model import ChannelRef, Post, PostAnalysis
from svodka.process.corrections import mark_not_news
from svodka.store import Store, open_store
from svodka.store.postgres.scratch import PgServer

FINANCE = (("Банкста", 61653), ("Банкста", 61666))
GAMES = (("КиберТопор", 19150), ("КиберТопор", 19147))


def _rows(keys: Iterable[tuple[str, int]]) -> list[dict[str, object]]:
    want, out = set(keys), []
    with shared("tg_ru_news_2024", "posts.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if '"2024-12-02' in line:
                r = json.loads(line)
                if (r["channel"], r["message_id"]) in want:
                    out.append(r)
    assert len(out) == len(want)
    return out


def _one_story(store: Store, keys: Iterable[tuple[str, int]]) -> int:
    """The posts as one story of the store (its first); the story's id."""
    rows = _rows(keys)
    store.posts.save(
        Post(
            ChannelRef(handle=f"c{r['sender_id']}"),
            int(str(r["message_id"])),
            datetime.fromisoformat(str(r["date"])),
            str(r["text"]),
        )
        for r in rows
    )
    ids = [p.id for p in store.posts.iter()]
    sid = store.stories.reserve_ids(1)
    store.analysis.save(PostAnalysis(p, "ru", False, None, "", p, None) for p in ids)
    store.stories.save((p, sid, 1.0) for p in ids)
    return sid


def _made_anew(backend: str, url: str) -> Store:
    """A new, empty store at ``url``, where the old one was."""
    if backend == "sqlite":
        for path in Path(url).parent.glob(Path(url).name + "*"):
            path.unlink()
    else:
        name = urlparse(url).path.lstrip("/")
        pg_server().admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        pg_server().admin.execute(f"CREATE DATABASE {name} TEMPLATE {PgServer.TEMPLATE}")
    return open_store(url)


def test_a_store_made_anew_at_one_url_tells_its_own_topics(backend: str, tmp_path: Path) -> None:
    url = new_store_url(backend, tmp_path, "one")
    first = open_store(url)
    sid = _one_story(first, FINANCE)
    told = card_topic.cached_card_topics(first, [(sid, 2)])
    first.close()
    second = _made_anew(backend, url)
    try:
        assert second.url == first.url and _one_story(second, GAMES) == sid  # one id, one size
        own = card_topic.card_topics_of(second, [sid])
        assert own != told  # finance, then games: the premise
        assert card_topic.cached_card_topics(second, [(sid, 2)]) == own
    finally:
        second.close()


def test_topics_are_told_again_once_the_not_news_marks_change(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = _one_story(store, FINANCE + GAMES)
    asked: list[list[int]] = []
    real = card_topic.card_topics_of

    def counted(s: Store, ids: Iterable[int], embedder: str = card_topic.EMBEDDER) -> dict[int, str]:
        asked.append(list(ids))
        return real(s, asked[-1], embedder)

    monkeypatch.setattr(card_topic, "card_topics_of", counted)
    first = card_topic.cached_card_topics(store, [(sid, 4)])
    assert card_topic.cached_card_topics(store, [(sid, 4)]) == first and len(asked) == 1  # kept
    game = next(p.id for p in store.posts.iter() if "Fortnite" in p.text)
    mark_not_news(store, "post", game, "analyst")
    again = card_topic.cached_card_topics(store, [(sid, 4)])  # the size as before, the story less a post
    assert len(asked) == 2 and again == real(store, [sid])

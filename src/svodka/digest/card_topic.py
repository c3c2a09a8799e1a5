"""The topic a story's digest card shows, for what names a story's topic outside a digest — the stories
browser (its topic filter and column) and a watchlist's topic filter: the classifier
(:func:`svodka.pipeline.story_topics.classify`) over all the story's posts, with its card's headline
(:func:`svodka.digest.compose.story_summary`) and its mean post vector for the topic head
(:func:`svodka.digest.topic_vectors.story_vectors`: the e5 head where the store holds e5 vectors, else the
words' model alone), as :func:`svodka.digest.compose.build_digest` tells a story's topic.

:func:`cached_card_topics` keeps the topics told, per open store, embedder, story and size, for the web's
stories browser, the stories feed and the alert rules alike: a story that grew (or shrank: a merge, a split)
is told again, and every story of a store once the posts and stories analysts marked not news change."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from svodka.digest.compose import load_story, story_summary
from svodka.digest.topic_vectors import story_vectors
from svodka.errors import NotFoundError
from svodka.model import Story
from svodka.pipeline.corrections import drop_not_news
from svodka.pipeline.story_topics import classify
from svodka.pipeline.summarize import SummaryOptions

if TYPE_CHECKING:
    from svodka.store.base import Store

EMBEDDER = "e5"  # pipeline.embedder's default: whose cached vectors the head reads where none is given


def card_topics(store: Store, stories: Sequence[Story], embedder: str = EMBEDDER) -> dict[int, str]:
    """Story id -> the topic its digest card shows, for ``stories`` whole (every development, as
    :func:`svodka.digest.compose.load_story` gives them); the vectors of all of them read at once."""
    if not stories:
        return {}
    vectors = story_vectors(store, embedder, stories)
    tiers = {c.id: c.tier for c in store.channels.list()}
    out = {}
    for s in stories:
        headline = story_summary(store, s, SummaryOptions(), tiers).headline.text
        out[s.id] = classify(s, headline, vector=vectors.get(s.id)).topic
    return out


def card_topics_of(store: Store, story_ids: Iterable[int], embedder: str = EMBEDDER) -> dict[int, str]:
    """Story or development id -> the topic of its story's digest card: each story loaded whole once
    (:func:`~svodka.digest.compose.load_story`), without the posts analysts marked not news, as its card
    and its page show it; an id that names no story is left out."""
    ids = list(dict.fromkeys(story_ids))
    story_of = store.developments.story_of(ids)
    marked = store.corrections.not_news()[1]
    whole: dict[int, Story] = {}
    asked: dict[int, int] = {}
    for sid in ids:
        key = story_of.get(sid, sid)
        if key not in whole:
            try:
                story = load_story(store, key)
            except NotFoundError:
                continue
            whole[key] = (drop_not_news([story], frozenset(), marked) or [story])[0]
        asked[sid] = key
    topics = card_topics(store, list(whole.values()), embedder)
    return {sid: topics[whole[key].id] for sid, key in asked.items()}


@dataclass(slots=True)
class _Told:
    """The topics told for one open store, while its not-news marks are ``marks``."""

    marks: tuple[frozenset[int], frozenset[int]]  # store.corrections.not_news() when they were told
    topics: dict[tuple[str, int, int], str] = field(default_factory=dict)  # (embedder, story, posts) -> topic


# Keyed by the open store itself, not its URL: a store made anew where another was (a file deleted and
# created again, a database dropped and created) is other content, and starts with nothing told.
_CACHE: MutableMapping[Store, _Told] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 200_000


def cached_card_topics(
    store: Store, stories: Sequence[tuple[int, int]], embedder: str = EMBEDDER
) -> dict[int, str]:
    """:func:`card_topics_of` for each ``(story id, posts)``, told once per open store, embedder, story and
    size while the store's not-news marks stay as they were (kept in this process; a store's topics are
    cleared whole past :data:`_CACHE_MAX`)."""
    marks = store.corrections.not_news()
    out, missing = {}, []
    with _CACHE_LOCK:
        told = _CACHE.get(store)
        if told is None or told.marks != marks or len(told.topics) > _CACHE_MAX:
            told = _CACHE[store] = _Told(marks)
        for sid, n in stories:
            topic = told.topics.get((embedder, sid, n))
            if topic is None:
                missing.append(sid)
            else:
                out[sid] = topic
    if missing:
        found = card_topics_of(store, missing, embedder)
        sizes = dict(stories)
        with _CACHE_LOCK:
            for sid, topic in found.items():
                told.topics[(embedder, sid, sizes[sid])] = topic
        out.update(found)
    return out

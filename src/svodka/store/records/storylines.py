"""Stories in storylines as both backends store them (migration 0023_storylines): a row ↔
:class:`~svodka.store.base.StorylineEntry`, and the SQL both dialects write alike (``?`` placeholders;
``{ids}``: the dialect's test against a list, :mod:`svodka.store.records.lists`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from svodka.store.base import StorylineEntry

COLUMNS = "story_id, storyline_id, first_ts, last_ts, posts, centroid, names, links, channels"
MOVE = "UPDATE storyline_of_story SET storyline_id = ?, updated_at = ? WHERE storyline_id = ?"
SINCE = f"SELECT {COLUMNS} FROM storyline_of_story WHERE last_ts >= ? ORDER BY story_id"
OF_STORYLINE = f"SELECT {COLUMNS} FROM storyline_of_story WHERE storyline_id = ? ORDER BY first_ts, story_id"
OF_STORIES = "SELECT story_id, storyline_id FROM storyline_of_story WHERE story_id {ids}"
# Rows read with :func:`svodka.store.records.developments.link`.
LINKS = "SELECT a, b, score, signals FROM storyline_links WHERE a {ids} AND b {ids} ORDER BY a, b"
LARGEST = (
    "SELECT storyline_id, COUNT(*) AS n FROM storyline_of_story GROUP BY storyline_id "
    "HAVING COUNT(*) >= ? ORDER BY n DESC, storyline_id LIMIT ?"
)


def entry(row: Sequence[Any]) -> StorylineEntry:
    """A row of :data:`COLUMNS` as its record."""
    sid, lid, first, last, posts, centroid, names, links, channels = row
    return StorylineEntry(
        int(sid),
        int(lid),
        float(first),
        float(last),
        int(posts),
        bytes(centroid) if centroid is not None else None,
        tuple(orjson.loads(names)),
        tuple(orjson.loads(links)),
        tuple(int(c) for c in orjson.loads(channels)),
    )


def entry_rows(entries: Iterable[StorylineEntry], updated_at: int) -> list[tuple[Any, ...]]:
    """The rows of ``entries`` (:data:`COLUMNS`, then when)."""
    return [
        (
            e.story_id,
            e.storyline_id,
            e.first,
            e.last,
            e.posts,
            e.centroid,
            orjson.dumps(list(e.names)).decode(),
            orjson.dumps(list(e.links)).decode(),
            orjson.dumps(list(e.channels)).decode(),
            updated_at,
        )
        for e in entries
    ]


def link_rows(links: Iterable[tuple[int, int, float, str]], created_at: int) -> list[tuple[Any, ...]]:
    """The rows of ``storyline_links`` for ``(a, b, score, signals)`` links."""
    return [(a, b, score, signals, created_at) for a, b, score, signals in links]


def largest(rows: Iterable[Sequence[Any]]) -> list[tuple[int, int]]:
    """The rows of :data:`LARGEST`: ``(storyline, stories)``."""
    return [(int(line), int(n)) for line, n in rows]

"""Stories in storylines as both backends store them (migration 0023_storylines): a row ↔
:class:`~svodka.store.base.StorylineEntry`, the repository and the SQL both dialects write alike (``?``
placeholders; ``{ids}``: the dialect's test against a list, :mod:`svodka.store.records.dialect`)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from svodka.store.base import StorylineEntry
from svodka.store.records.developments import link
from svodka.store.records.dialect import (
    Database,
    changed_in,
    now_ts,
    rows,
    rows_among,
    rows_in,
    upsert,
    write_many,
)

COLUMNS = "story_id, storyline_id, first_ts, last_ts, posts, centroid, names, links, channels"
MOVE = "UPDATE storyline_of_story SET storyline_id = ?, updated_at = ? WHERE storyline_id = ?"
DROP = "DELETE FROM storyline_of_story WHERE story_id {ids}"
SAVE = (
    f"INSERT INTO storyline_of_story ({COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    + upsert("story_id", f"{COLUMNS.removeprefix('story_id, ')}, updated_at")
)
ADD_LINK = (
    "INSERT INTO storyline_links (a, b, score, signals, created_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)
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


class SharedStorylines:
    """Stories in storylines on either backend: a story (the story level of migration 0014) is kept with its
    storyline and the summary it is compared by; svodka.pipeline.storylines decides, svodka.process.storylines
    writes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def save(
        self,
        entries: Iterable[StorylineEntry],
        links: Iterable[tuple[int, int, float, str]] = (),
        gone: Iterable[int] = (),
        moves: Mapping[int, int] | None = None,
    ) -> None:
        ts = now_ts()
        with self.db.write():
            changed_in(self.db, DROP, gone)
            write_many(self.db, MOVE, [(into, ts, old) for old, into in (moves or {}).items()])
            write_many(self.db, SAVE, entry_rows(entries, ts))
            write_many(self.db, ADD_LINK, link_rows(links, ts))

    def since(self, ts: float) -> builtins.list[StorylineEntry]:
        return [entry(r) for r in rows(self.db, SINCE, (ts,))]

    def of_stories(self, story_ids: Sequence[int]) -> dict[int, int]:
        return {int(s): int(line) for s, line in rows_in(self.db, OF_STORIES, story_ids)}

    def stories(self, storyline_id: int) -> builtins.list[StorylineEntry]:
        return [entry(r) for r in rows(self.db, OF_STORYLINE, (storyline_id,))]

    def links(self, story_ids: Sequence[int]) -> builtins.list[tuple[int, int, float, str]]:
        return [link(r) for r in rows_among(self.db, LINKS, list(story_ids))]

    def largest(self, limit: int = 20, min_stories: int = 2) -> builtins.list[tuple[int, int]]:
        return largest(rows(self.db, LARGEST, (min_stories, limit)))

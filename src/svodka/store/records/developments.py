"""Developments in stories as both backends store them (migration 0014_developments): the repository, the
rows read back and the SQL both write alike (``?`` placeholders; ``{ids}``:
:mod:`svodka.store.records.dialect`).

A development is a cluster (``stories.id``); :class:`SharedDevelopments` keeps which story each one is in
and the links that joined them (svodka.pipeline.developing decides, svodka.process.develop writes).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from svodka.store.records.dialect import Database, changed_in, now_ts, rows, rows_among, rows_in, write_many

DROP = "DELETE FROM story_of_development WHERE development_id {ids}"
# A development's story, rewritten only when it changed (a story's ``updated_at`` says when it last did).
SAVE = (
    "INSERT INTO story_of_development (development_id, story_id, updated_at) VALUES (?, ?, ?) "
    "ON CONFLICT (development_id) DO UPDATE SET story_id = excluded.story_id, "
    "updated_at = excluded.updated_at WHERE story_of_development.story_id <> excluded.story_id"
)
ADD_LINK = (
    "INSERT INTO development_links (a, b, score, signals, created_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)
STORY_OF = "SELECT development_id, story_id FROM story_of_development WHERE development_id {ids}"
LINKS = "SELECT a, b, score, signals FROM development_links WHERE a {ids} AND b {ids} ORDER BY a, b"
POST_LINKS = "SELECT id, links FROM posts WHERE id {ids} AND links IS NOT NULL AND links <> '[]'"
DEVELOPMENTS = (
    "SELECT d.development_id FROM story_of_development d JOIN stories s "
    "ON s.id = d.development_id WHERE d.story_id = ? ORDER BY s.first_date, s.id"
)


def developments(rows: Iterable[Sequence[Any]], story_id: int) -> list[int]:
    """The :data:`DEVELOPMENTS` of a story, oldest first; a development in none is its own story."""
    return [int(r[0]) for r in rows] or [story_id]


def link(r: Sequence[Any]) -> tuple[int, int, float, str]:
    """A row ``(a, b, score, signals)`` of ``development_links``."""
    return int(r[0]), int(r[1]), float(r[2]), str(r[3])


def post_links(raw: str | bytes) -> tuple[str, ...]:
    """A post's stored links (a JSON array)."""
    return tuple(str(u) for u in orjson.loads(raw))


class SharedDevelopments:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(
        self,
        story_of: Mapping[int, int],
        links: Iterable[tuple[int, int, float, str]] = (),
        gone: Iterable[int] = (),
    ) -> None:
        """Record ``{development: story}``, ``(a, b, score, signals)`` links, and forget developments the
        clusterer merged away (``gone``), in one transaction."""
        ts = now_ts()
        with self.db.write():
            changed_in(self.db, DROP, gone)
            write_many(self.db, SAVE, [(d, s, ts) for d, s in story_of.items()])
            write_many(self.db, ADD_LINK, [(a, b, score, signals, ts) for a, b, score, signals in links])

    def story_of(self, development_ids: Sequence[int]) -> dict[int, int]:
        """``{development: story}`` of those already in a story."""
        return {int(d): int(s) for d, s in rows_in(self.db, STORY_OF, development_ids)}

    def developments(self, story_id: int) -> builtins.list[int]:
        """The developments of a story, oldest first (a development in none is its own story)."""
        return developments(rows(self.db, DEVELOPMENTS, (story_id,)), story_id)

    def links(self, development_ids: Sequence[int]) -> builtins.list[tuple[int, int, float, str]]:
        """The links between the given developments: ``(a, b, score, signals)``."""
        return [link(r) for r in rows_among(self.db, LINKS, list(development_ids))]

    def post_links(self, post_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        """``{post id: its links}`` of the posts that have any (the window's posts carry none)."""
        return {int(pid): post_links(links) for pid, links in rows_in(self.db, POST_LINKS, post_ids)}

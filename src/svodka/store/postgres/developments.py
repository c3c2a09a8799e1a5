"""Developments in stories, in PostgreSQL (migration 0014_developments).

A development is a cluster (``stories.id``); :class:`PgDevelopments` keeps which story each one is in and
the links that joined them (svodka.pipeline.developing decides, svodka.process.develop writes).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence

from svodka.store.postgres.db import Database, now_ts, pyformat
from svodka.store.records.developments import DEVELOPMENTS, developments, link, post_links


class PgDevelopments:
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
        with self.db.write() as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM story_of_development WHERE development_id = ANY(%s)", (list(gone),))
            cur.executemany(
                "INSERT INTO story_of_development (development_id, story_id, updated_at) "
                "VALUES (%s, %s, %s) ON CONFLICT (development_id) "
                "DO UPDATE SET story_id = excluded.story_id, updated_at = excluded.updated_at "
                "WHERE story_of_development.story_id <> excluded.story_id",
                [(d, s, ts) for d, s in story_of.items()],
            )
            cur.executemany(
                "INSERT INTO development_links (a, b, score, signals, created_at) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [(a, b, score, signals, ts) for a, b, score, signals in links],
            )

    def story_of(self, development_ids: Sequence[int]) -> dict[int, int]:
        """``{development: story}`` of those already in a story."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT development_id, story_id FROM story_of_development WHERE development_id = ANY(%s)",
                (list(development_ids),),
            ).fetchall()
        return {int(d): int(s) for d, s in rows}

    def developments(self, story_id: int) -> builtins.list[int]:
        """The developments of a story, oldest first (a development in none is its own story)."""
        with self.db.read() as conn:
            rows = conn.execute(pyformat(DEVELOPMENTS), (story_id,)).fetchall()
        return developments(rows, story_id)

    def links(self, development_ids: Sequence[int]) -> builtins.list[tuple[int, int, float, str]]:
        """The links between the given developments: ``(a, b, score, signals)``."""
        ids = list(development_ids)
        if not ids:
            return []
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT a, b, score, signals FROM development_links WHERE a = ANY(%s) AND b = ANY(%s) "
                "ORDER BY a, b",
                (ids, ids),
            ).fetchall()
        return [link(r) for r in rows]

    def post_links(self, post_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        """``{post id: its links}`` of the posts that have any (the window's posts carry none)."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT id, links FROM posts WHERE id = ANY(%s) AND links IS NOT NULL AND links <> '[]'",
                (list(post_ids),),
            ).fetchall()
        return {int(pid): post_links(links) for pid, links in rows}

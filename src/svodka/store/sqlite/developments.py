"""Developments in stories, in SQLite (migration 0014_developments).

A development is a cluster (``stories.id``); :class:`SqliteDevelopments` keeps which story each one is in
and the links that joined them (svodka.pipeline.developing decides, svodka.process.develop writes).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence

from svodka.store.records.developments import DEVELOPMENTS, developments, link, post_links
from svodka.store.sqlite.db import Database, now_ts


class SqliteDevelopments:
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
        with self.db.write() as conn:
            conn.executemany(
                "DELETE FROM story_of_development WHERE development_id = ?", [(g,) for g in gone]
            )
            conn.executemany(
                "INSERT INTO story_of_development VALUES (?, ?, ?) ON CONFLICT (development_id) "
                "DO UPDATE SET story_id = excluded.story_id, updated_at = excluded.updated_at "
                "WHERE story_id <> excluded.story_id",
                [(d, s, ts) for d, s in story_of.items()],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO development_links VALUES (?, ?, ?, ?, ?)",
                [(a, b, score, signals, ts) for a, b, score, signals in links],
            )

    def story_of(self, development_ids: Sequence[int]) -> dict[int, int]:
        """``{development: story}`` of those already in a story."""
        out: dict[int, int] = {}
        ids = list(development_ids)
        with self.db.read() as conn:
            for i in range(0, len(ids), 900):
                chunk = ids[i : i + 900]
                out.update(
                    conn.execute(
                        "SELECT development_id, story_id FROM story_of_development "
                        f"WHERE development_id IN ({','.join('?' * len(chunk))})",
                        chunk,
                    ).fetchall()
                )
        return out

    def developments(self, story_id: int) -> builtins.list[int]:
        """The developments of a story, oldest first (a development in none is its own story)."""
        with self.db.read() as conn:
            rows = conn.execute(DEVELOPMENTS, (story_id,)).fetchall()
        return developments(rows, story_id)

    def links(self, development_ids: Sequence[int]) -> builtins.list[tuple[int, int, float, str]]:
        """The links between the given developments: ``(a, b, score, signals)``."""
        ids = list(development_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        with self.db.read() as conn:
            return [
                link(r)
                for r in conn.execute(
                    f"SELECT a, b, score, signals FROM development_links WHERE a IN ({marks}) "
                    f"AND b IN ({marks}) ORDER BY a, b",
                    (*ids, *ids),
                )
            ]

    def post_links(self, post_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        """``{post id: its links}`` of the posts that have any (the window's posts carry none)."""
        out: dict[int, tuple[str, ...]] = {}
        ids = list(post_ids)
        with self.db.read() as conn:
            for i in range(0, len(ids), 900):
                chunk = ids[i : i + 900]
                for pid, links in conn.execute(
                    f"SELECT id, links FROM posts WHERE id IN ({','.join('?' * len(chunk))}) "
                    "AND links IS NOT NULL AND links <> '[]'",
                    chunk,
                ):
                    out[int(pid)] = post_links(links)
        return out

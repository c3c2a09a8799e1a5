"""Stories in storylines, in PostgreSQL (migration 0023_storylines).

A story (the story level of migration 0014) is kept with its storyline and the summary it is compared by;
svodka.pipeline.storylines decides, svodka.process.storylines writes.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from svodka.store.base import StorylineEntry
from svodka.store.postgres.db import Database, now_ts

_COLUMNS = "story_id, storyline_id, first_ts, last_ts, posts, centroid, names, links, channels"


def _entry(row: Sequence[Any]) -> StorylineEntry:
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


class PgStorylines:
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
        rows = [
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
                ts,
            )
            for e in entries
        ]
        with self.db.write() as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM storyline_of_story WHERE story_id = ANY(%s)", (list(gone),))
            cur.executemany(
                "UPDATE storyline_of_story SET storyline_id = %s, updated_at = %s WHERE storyline_id = %s",
                [(into, ts, old) for old, into in (moves or {}).items()],
            )
            cur.executemany(
                f"INSERT INTO storyline_of_story ({_COLUMNS}, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (story_id) DO UPDATE SET "
                "storyline_id = excluded.storyline_id, first_ts = excluded.first_ts, "
                "last_ts = excluded.last_ts, posts = excluded.posts, centroid = excluded.centroid, "
                "names = excluded.names, links = excluded.links, channels = excluded.channels, "
                "updated_at = excluded.updated_at",
                rows,
            )
            cur.executemany(
                "INSERT INTO storyline_links (a, b, score, signals, created_at) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [(a, b, score, signals, ts) for a, b, score, signals in links],
            )

    def since(self, ts: float) -> builtins.list[StorylineEntry]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM storyline_of_story WHERE last_ts >= %s ORDER BY story_id", (ts,)
            ).fetchall()
        return [_entry(r) for r in rows]

    def of_stories(self, story_ids: Sequence[int]) -> dict[int, int]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT story_id, storyline_id FROM storyline_of_story WHERE story_id = ANY(%s)",
                (list(story_ids),),
            ).fetchall()
        return {int(s): int(line) for s, line in rows}

    def stories(self, storyline_id: int) -> builtins.list[StorylineEntry]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM storyline_of_story WHERE storyline_id = %s "
                "ORDER BY first_ts, story_id",
                (storyline_id,),
            ).fetchall()
        return [_entry(r) for r in rows]

    def links(self, story_ids: Sequence[int]) -> builtins.list[tuple[int, int, float, str]]:
        ids = list(story_ids)
        if not ids:
            return []
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT a, b, score, signals FROM storyline_links WHERE a = ANY(%s) AND b = ANY(%s) "
                "ORDER BY a, b",
                (ids, ids),
            ).fetchall()
        return [(int(a), int(b), float(score), str(signals)) for a, b, score, signals in rows]

    def largest(self, limit: int = 20, min_stories: int = 2) -> builtins.list[tuple[int, int]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT storyline_id, COUNT(*) AS n FROM storyline_of_story GROUP BY storyline_id "
                "HAVING COUNT(*) >= %s ORDER BY n DESC, storyline_id LIMIT %s",
                (min_stories, limit),
            ).fetchall()
        return [(int(line), int(n)) for line, n in rows]

"""Stories in storylines, in PostgreSQL (migration 0023_storylines); rows and the shared SQL:
:mod:`svodka.store.records.storylines`."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence

from svodka.store.base import StorylineEntry
from svodka.store.postgres.db import Database, now_ts, pyformat
from svodka.store.records import storylines as rec
from svodka.store.records.developments import link
from svodka.store.records.lists import ANY


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
        rows = rec.entry_rows(entries, ts)
        with self.db.write() as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM storyline_of_story WHERE story_id = ANY(%s)", (list(gone),))
            cur.executemany(pyformat(rec.MOVE), [(into, ts, old) for old, into in (moves or {}).items()])
            cur.executemany(
                f"INSERT INTO storyline_of_story ({rec.COLUMNS}, updated_at) "
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
                rec.link_rows(links, ts),
            )

    def since(self, ts: float) -> builtins.list[StorylineEntry]:
        with self.db.read() as conn:
            rows = conn.execute(pyformat(rec.SINCE), (ts,)).fetchall()
        return [rec.entry(r) for r in rows]

    def of_stories(self, story_ids: Sequence[int]) -> dict[int, int]:
        with self.db.read() as conn:
            rows = conn.execute(pyformat(rec.OF_STORIES.format(ids=ANY)), (list(story_ids),)).fetchall()
        return {int(s): int(line) for s, line in rows}

    def stories(self, storyline_id: int) -> builtins.list[StorylineEntry]:
        with self.db.read() as conn:
            rows = conn.execute(pyformat(rec.OF_STORYLINE), (storyline_id,)).fetchall()
        return [rec.entry(r) for r in rows]

    def links(self, story_ids: Sequence[int]) -> builtins.list[tuple[int, int, float, str]]:
        ids = list(story_ids)
        if not ids:
            return []
        with self.db.read() as conn:
            rows = conn.execute(pyformat(rec.LINKS.format(ids=ANY)), (ids, ids)).fetchall()
        return [link(r) for r in rows]

    def largest(self, limit: int = 20, min_stories: int = 2) -> builtins.list[tuple[int, int]]:
        with self.db.read() as conn:
            return rec.largest(conn.execute(pyformat(rec.LARGEST), (min_stories, limit)).fetchall())

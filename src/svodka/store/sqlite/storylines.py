"""Stories in storylines, in SQLite (migration 0023_storylines).

A story (the story level of migration 0014) is kept with its storyline and the summary it is compared by;
svodka.pipeline.storylines decides, svodka.process.storylines writes. Rows and the shared SQL:
:mod:`svodka.store.records.storylines`.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence

from svodka.store.base import StorylineEntry
from svodka.store.records import storylines as rec
from svodka.store.records.developments import link
from svodka.store.records.lists import chunks, in_marks
from svodka.store.sqlite.db import Database, now_ts


class SqliteStorylines:
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
        with self.db.write() as conn:
            conn.executemany("DELETE FROM storyline_of_story WHERE story_id = ?", [(g,) for g in gone])
            conn.executemany(rec.MOVE, [(into, ts, old) for old, into in (moves or {}).items()])
            conn.executemany(
                f"INSERT OR REPLACE INTO storyline_of_story ({rec.COLUMNS}, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.executemany(
                "INSERT OR IGNORE INTO storyline_links VALUES (?, ?, ?, ?, ?)", rec.link_rows(links, ts)
            )

    def since(self, ts: float) -> builtins.list[StorylineEntry]:
        with self.db.read() as conn:
            rows = conn.execute(rec.SINCE, (ts,)).fetchall()
        return [rec.entry(r) for r in rows]

    def of_stories(self, story_ids: Sequence[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        with self.db.read() as conn:
            for chunk in chunks(story_ids):
                rows = conn.execute(rec.OF_STORIES.format(ids=in_marks(len(chunk))), chunk)
                out.update((int(s), int(line)) for s, line in rows)
        return out

    def stories(self, storyline_id: int) -> builtins.list[StorylineEntry]:
        with self.db.read() as conn:
            rows = conn.execute(rec.OF_STORYLINE, (storyline_id,)).fetchall()
        return [rec.entry(r) for r in rows]

    def links(self, story_ids: Sequence[int]) -> builtins.list[tuple[int, int, float, str]]:
        ids = list(story_ids)
        if not ids:
            return []
        with self.db.read() as conn:
            return [link(r) for r in conn.execute(rec.LINKS.format(ids=in_marks(len(ids))), (*ids, *ids))]

    def largest(self, limit: int = 20, min_stories: int = 2) -> builtins.list[tuple[int, int]]:
        with self.db.read() as conn:
            return rec.largest(conn.execute(rec.LARGEST, (min_stories, limit)).fetchall())

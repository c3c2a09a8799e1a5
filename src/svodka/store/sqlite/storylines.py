"""Stories in storylines, in SQLite (migration 0023_storylines).

A story (the story level of migration 0014) is kept with its storyline and the summary it is compared by;
svodka.pipeline.storylines decides, svodka.process.storylines writes.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from svodka.store.base import StorylineEntry
from svodka.store.sqlite.db import Database, now_ts

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
        tuple(json.loads(names)),
        tuple(json.loads(links)),
        tuple(int(c) for c in json.loads(channels)),
    )


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
        rows = [
            (
                e.story_id,
                e.storyline_id,
                e.first,
                e.last,
                e.posts,
                e.centroid,
                json.dumps(list(e.names), ensure_ascii=False),
                json.dumps(list(e.links), ensure_ascii=False),
                json.dumps(list(e.channels)),
                ts,
            )
            for e in entries
        ]
        with self.db.write() as conn:
            conn.executemany("DELETE FROM storyline_of_story WHERE story_id = ?", [(g,) for g in gone])
            conn.executemany(
                "UPDATE storyline_of_story SET storyline_id = ?, updated_at = ? WHERE storyline_id = ?",
                [(into, ts, old) for old, into in (moves or {}).items()],
            )
            conn.executemany(
                f"INSERT OR REPLACE INTO storyline_of_story ({_COLUMNS}, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.executemany(
                "INSERT OR IGNORE INTO storyline_links VALUES (?, ?, ?, ?, ?)",
                [(a, b, score, signals, ts) for a, b, score, signals in links],
            )

    def since(self, ts: float) -> builtins.list[StorylineEntry]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM storyline_of_story WHERE last_ts >= ? ORDER BY story_id", (ts,)
            ).fetchall()
        return [_entry(r) for r in rows]

    def of_stories(self, story_ids: Sequence[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        ids = list(story_ids)
        with self.db.read() as conn:
            for i in range(0, len(ids), 900):
                chunk = ids[i : i + 900]
                out.update(
                    (int(s), int(line))
                    for s, line in conn.execute(
                        "SELECT story_id, storyline_id FROM storyline_of_story "
                        f"WHERE story_id IN ({','.join('?' * len(chunk))})",
                        chunk,
                    )
                )
        return out

    def stories(self, storyline_id: int) -> builtins.list[StorylineEntry]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM storyline_of_story WHERE storyline_id = ? "
                "ORDER BY first_ts, story_id",
                (storyline_id,),
            ).fetchall()
        return [_entry(r) for r in rows]

    def links(self, story_ids: Sequence[int]) -> builtins.list[tuple[int, int, float, str]]:
        ids = list(story_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        with self.db.read() as conn:
            return [
                (int(a), int(b), float(score), str(signals))
                for a, b, score, signals in conn.execute(
                    f"SELECT a, b, score, signals FROM storyline_links WHERE a IN ({marks}) "
                    f"AND b IN ({marks}) ORDER BY a, b",
                    (*ids, *ids),
                )
            ]

    def largest(self, limit: int = 20, min_stories: int = 2) -> builtins.list[tuple[int, int]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT storyline_id, COUNT(*) AS n FROM storyline_of_story GROUP BY storyline_id "
                "HAVING COUNT(*) >= ? ORDER BY n DESC, storyline_id LIMIT ?",
                (min_stories, limit),
            ).fetchall()
        return [(int(line), int(n)) for line, n in rows]

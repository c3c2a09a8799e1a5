"""Analysts' corrections in SQLite (migration 0024_corrections), and the placement writes they make; rows,
the reads and the SQL both backends share: :mod:`svodka.store.records.corrections`."""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from svodka.store.records import corrections as rec
from svodka.store.sqlite.db import Database, now_ts


class SqliteCorrections(rec.SharedCorrections):
    db: Database

    def place_posts(self, rows: Iterable[tuple[int, int]]) -> None:
        rows = builtins.list(rows)
        if not rows:
            return
        ts = now_ts()
        with self.db.write() as conn:
            before = self.development_of([p for p, _d in rows])
            for _p, dev in rows:
                conn.execute(rec.PLACE_DEVELOPMENT, (dev, ts, ts))
            conn.executemany(rec.PLACE_POST, [(p, d, ts) for p, d in rows])
            touched = sorted({d for _p, d in rows} | set(before.values()))
            conn.executemany(
                "UPDATE stories SET (first_date, last_date, n_posts) = (SELECT COALESCE(MIN(p.date), "
                "stories.first_date), COALESCE(MAX(p.date), stories.last_date), COUNT(*) FROM story_posts sp "
                "JOIN posts p ON p.id = sp.post_id WHERE sp.story_id = stories.id) WHERE id = ?",
                [(d,) for d in touched],
            )
            conn.executemany(
                "DELETE FROM story_of_development WHERE development_id = ? "
                "AND NOT EXISTS (SELECT 1 FROM story_posts WHERE story_id = ?)",
                [(d, d) for d in touched],
            )

"""Analysts' corrections in SQLite (migration 0024_corrections), and the placement writes they make.

Each row keeps who and when, the two posts its constraint binds and the placement it overwrote (JSON), so
:mod:`svodka.process.corrections` can undo it; ``undone_at``/``undone_by`` say it was. Rows and the shared
SQL: :mod:`svodka.store.records.corrections`.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

from svodka.model import Correction, NewCorrection
from svodka.store.records import corrections as rec
from svodka.store.records.lists import chunks, in_marks
from svodka.store.sqlite.db import Database, now_ts


class SqliteCorrections:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, correction: NewCorrection) -> Correction:
        with self.db.write() as conn:
            cur = conn.execute(rec.INSERT, rec.new_row(correction, now_ts()))
            return rec.found(conn.execute(rec.GET, (cur.lastrowid,)).fetchone(), int(cur.lastrowid or 0))

    def get(self, correction_id: int) -> Correction:
        with self.db.read() as conn:
            return rec.found(conn.execute(rec.GET, (correction_id,)).fetchone(), correction_id)

    def list(self, limit: int = 200) -> builtins.list[Correction]:
        with self.db.read() as conn:
            return [rec.to_correction(r) for r in conn.execute(rec.LIST, (limit,))]

    def active(self) -> builtins.list[Correction]:
        with self.db.read() as conn:
            return [rec.to_correction(r) for r in conn.execute(rec.ACTIVE)]

    def concerning(self, story_ids: Sequence[int], post_ids: Sequence[int]) -> builtins.list[Correction]:
        stories, posts = list(story_ids) or [0], list(post_ids) or [0]
        sql = rec.CONCERNING.format(stories=in_marks(len(stories)), posts=in_marks(len(posts)))
        with self.db.read() as conn:
            return [rec.to_correction(r) for r in conn.execute(sql, (*stories * 4, *posts))]

    def undo(self, correction_id: int, user: str) -> Correction:
        with self.db.write() as conn:
            if not conn.execute(rec.UNDO, (now_ts(), user, correction_id)).rowcount:
                self.get(correction_id)  # NotFoundError for an unknown one
                raise rec.undone_already(correction_id)
        return self.get(correction_id)

    def not_news(self) -> tuple[frozenset[int], frozenset[int]]:
        with self.db.read() as conn:
            return rec.not_news(conn.execute(rec.NOT_NEWS).fetchall())

    def development_of(self, post_ids: Sequence[int]) -> dict[int, int]:
        return self._placements(rec.DEVELOPMENT_OF, post_ids)

    def story_of_posts(self, post_ids: Sequence[int]) -> dict[int, int]:
        return self._placements(rec.STORY_OF_POSTS, post_ids)

    def _placements(self, sql: str, post_ids: Sequence[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        with self.db.read() as conn:
            for chunk in chunks(post_ids):
                out.update(rec.placements(conn.execute(sql.format(ids=in_marks(len(chunk))), chunk)))
        return out

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

    def revive(self, development_ids: Sequence[int]) -> None:
        ids = builtins.list(development_ids)
        with self.db.write() as conn:
            conn.executemany("DELETE FROM story_aliases WHERE old_id = ?", [(d,) for d in ids])

    def aliases_to(self, development_ids: Sequence[int]) -> dict[int, int]:
        return self._placements(rec.ALIASES_TO, development_ids)

    def point_aliases(self, rows: Iterable[tuple[int, int]]) -> None:
        with self.db.write() as conn:
            conn.executemany(rec.POINT_ALIAS, [(d, old) for old, d in rows])

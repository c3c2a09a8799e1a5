"""Analysts' corrections in PostgreSQL (migration 0024_corrections), and the placement writes they make;
rows and the shared SQL: :mod:`svodka.store.records.corrections`."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

from svodka.model import Correction, NewCorrection
from svodka.store.postgres.db import Database, now_ts, pyformat
from svodka.store.records import corrections as rec
from svodka.store.records.lists import ANY


class PgCorrections:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, correction: NewCorrection) -> Correction:
        with self.db.write() as conn:
            row = conn.execute(
                pyformat(f"{rec.INSERT} RETURNING {rec.COLUMNS}"), rec.new_row(correction, now_ts())
            ).fetchone()
        assert row is not None
        return rec.to_correction(row)

    def get(self, correction_id: int) -> Correction:
        with self.db.read() as conn:
            return rec.found(conn.execute(pyformat(rec.GET), (correction_id,)).fetchone(), correction_id)

    def list(self, limit: int = 200) -> builtins.list[Correction]:
        with self.db.read() as conn:
            return [rec.to_correction(r) for r in conn.execute(pyformat(rec.LIST), (limit,)).fetchall()]

    def active(self) -> builtins.list[Correction]:
        with self.db.read() as conn:
            return [rec.to_correction(r) for r in conn.execute(rec.ACTIVE).fetchall()]

    def concerning(self, story_ids: Sequence[int], post_ids: Sequence[int]) -> builtins.list[Correction]:
        stories, posts = list(story_ids), list(post_ids)
        sql = pyformat(rec.CONCERNING.format(stories=ANY, posts=ANY))
        with self.db.read() as conn:
            return [rec.to_correction(r) for r in conn.execute(sql, (*[stories] * 4, posts)).fetchall()]

    def undo(self, correction_id: int, user: str) -> Correction:
        with self.db.write() as conn:
            if not conn.execute(pyformat(rec.UNDO), (now_ts(), user, correction_id)).rowcount:
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
        with self.db.read() as conn:
            return rec.placements(conn.execute(pyformat(sql.format(ids=ANY)), (list(post_ids),)).fetchall())

    def place_posts(self, rows: Iterable[tuple[int, int]]) -> None:
        rows = builtins.list(rows)
        if not rows:
            return
        ts = now_ts()
        with self.db.write() as conn, conn.cursor() as cur:
            before = self.development_of([p for p, _d in rows])
            cur.executemany(pyformat(rec.PLACE_DEVELOPMENT), [(d, ts, ts) for _p, d in rows])
            cur.executemany(pyformat(rec.PLACE_POST), [(p, d, ts) for p, d in rows])
            touched = sorted({d for _p, d in rows} | set(before.values()))
            cur.execute(
                "UPDATE stories s SET first_date = COALESCE(x.lo, s.first_date), "
                "last_date = COALESCE(x.hi, s.last_date), n_posts = COALESCE(x.n, 0) "
                "FROM (SELECT t.id, MIN(p.date) AS lo, MAX(p.date) AS hi, COUNT(p.id) AS n "
                "FROM unnest(%s::bigint[]) AS t(id) LEFT JOIN story_posts sp ON sp.story_id = t.id "
                "LEFT JOIN posts p ON p.id = sp.post_id GROUP BY t.id) x WHERE s.id = x.id",
                (touched,),
            )
            cur.execute(
                "DELETE FROM story_of_development d WHERE d.development_id = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM story_posts WHERE story_id = d.development_id)",
                (touched,),
            )

    def revive(self, development_ids: Sequence[int]) -> None:
        with self.db.write() as conn:
            conn.execute(
                "DELETE FROM story_aliases WHERE old_id = ANY(%s)", (builtins.list(development_ids),)
            )

    def aliases_to(self, development_ids: Sequence[int]) -> dict[int, int]:
        return self._placements(rec.ALIASES_TO, development_ids)

    def point_aliases(self, rows: Iterable[tuple[int, int]]) -> None:
        with self.db.write() as conn, conn.cursor() as cur:
            cur.executemany(pyformat(rec.POINT_ALIAS), [(d, old) for old, d in rows])

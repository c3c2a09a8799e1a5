"""Analysts' corrections in PostgreSQL (migration 0024_corrections), and the placement writes they make;
rows, the reads and the SQL both backends share: :mod:`svodka.store.records.corrections`."""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from svodka.store.postgres.db import Database, now_ts, pyformat
from svodka.store.records import corrections as rec


class PgCorrections(rec.SharedCorrections):
    db: Database

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

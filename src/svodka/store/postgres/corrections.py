"""Analysts' corrections in PostgreSQL (migration 0024_corrections), and the placement writes they make.

Rows as :mod:`svodka.store.sqlite.corrections` keeps them (its row functions read both).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

from svodka.errors import NotFoundError, StoreError
from svodka.model import Correction, NewCorrection
from svodka.store.postgres.db import Database, now_ts
from svodka.store.sqlite.corrections import COLUMNS, new_row, to_correction


class PgCorrections:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, correction: NewCorrection) -> Correction:
        with self.db.write() as conn:
            row = conn.execute(
                "INSERT INTO corrections (kind, subject, target, result, anchor_a, anchor_b, restore, "
                f"user_name, at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING {COLUMNS}",
                new_row(correction, now_ts()),
            ).fetchone()
        assert row is not None
        return to_correction(row)

    def get(self, correction_id: int) -> Correction:
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {COLUMNS} FROM corrections WHERE id = %s", (correction_id,)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no correction with id {correction_id}")
        return to_correction(row)

    def list(self, limit: int = 200) -> builtins.list[Correction]:
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {COLUMNS} FROM corrections ORDER BY id DESC LIMIT %s", (limit,))
            return [to_correction(r) for r in rows.fetchall()]

    def active(self) -> builtins.list[Correction]:
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {COLUMNS} FROM corrections WHERE undone_at IS NULL ORDER BY id")
            return [to_correction(r) for r in rows.fetchall()]

    def concerning(self, story_ids: Sequence[int], post_ids: Sequence[int]) -> builtins.list[Correction]:
        stories, posts = list(story_ids), list(post_ids)
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM corrections WHERE "
                "(kind IN ('merge', 'split', 'not-news-story') AND (subject = ANY(%(s)s) "
                "OR target = ANY(%(s)s) OR result = ANY(%(s)s))) OR (kind = 'move' AND target = ANY(%(s)s)) "
                "OR (kind IN ('move', 'detach', 'not-news-post') AND subject = ANY(%(p)s)) ORDER BY id DESC",
                {"s": stories, "p": posts},
            )
            return [to_correction(r) for r in rows.fetchall()]

    def undo(self, correction_id: int, user: str) -> Correction:
        with self.db.write() as conn:
            cur = conn.execute(
                "UPDATE corrections SET undone_at = %s, undone_by = %s WHERE id = %s AND undone_at IS NULL",
                (now_ts(), user, correction_id),
            )
            if not cur.rowcount:
                self.get(correction_id)
                raise StoreError(f"correction {correction_id} is undone already")
        return self.get(correction_id)

    def not_news(self) -> tuple[frozenset[int], frozenset[int]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT kind, subject FROM corrections WHERE undone_at IS NULL "
                "AND kind IN ('not-news-story', 'not-news-post')"
            ).fetchall()
        return (
            frozenset(int(s) for k, s in rows if k == "not-news-story"),
            frozenset(int(s) for k, s in rows if k == "not-news-post"),
        )

    def development_of(self, post_ids: Sequence[int]) -> dict[int, int]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT post_id, story_id FROM story_posts WHERE post_id = ANY(%s)", (list(post_ids),)
            ).fetchall()
        return {int(p): int(d) for p, d in rows}

    def story_of_posts(self, post_ids: Sequence[int]) -> dict[int, int]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT sp.post_id, COALESCE(d.story_id, sp.story_id) FROM story_posts sp "
                "LEFT JOIN story_of_development d ON d.development_id = sp.story_id "
                "WHERE sp.post_id = ANY(%s)",
                (list(post_ids),),
            ).fetchall()
        return {int(p): int(s) for p, s in rows}

    def place_posts(self, rows: Iterable[tuple[int, int]]) -> None:
        rows = builtins.list(rows)
        if not rows:
            return
        ts = now_ts()
        with self.db.write() as conn, conn.cursor() as cur:
            before = self.development_of([p for p, _d in rows])
            cur.executemany(
                "INSERT INTO stories (id, first_date, last_date, n_posts, created_at, updated_at) "
                "VALUES (%s, 0, 0, 0, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
                [(d, ts, ts) for _p, d in rows],
            )
            cur.executemany(
                "INSERT INTO story_posts (post_id, story_id, similarity, added_at) VALUES (%s, %s, 1.0, %s) "
                "ON CONFLICT (post_id) DO UPDATE SET story_id = excluded.story_id, "
                "added_at = excluded.added_at",
                [(p, d, ts) for p, d in rows],
            )
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

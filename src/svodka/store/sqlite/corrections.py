"""Analysts' corrections in SQLite (migration 0024_corrections), and the placement writes they make.

Each row keeps who and when, the two posts its constraint binds and the placement it overwrote (JSON), so
:mod:`svodka.process.corrections` can undo it; ``undone_at``/``undone_by`` say it was.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Sequence
from typing import Any

from svodka.errors import NotFoundError, StoreError
from svodka.model import Correction, NewCorrection, Restore, from_ts
from svodka.store.sqlite.db import Database, now_ts

COLUMNS = (
    "id, kind, subject, target, result, anchor_a, anchor_b, restore, user_name, at, undone_at, undone_by"
)


def restore_json(r: Restore) -> str:
    return json.dumps(
        {"posts": [list(x) for x in r.posts], "developments": [list(x) for x in r.developments]}
    )


def to_correction(row: Sequence[Any]) -> Correction:
    """A row of ``SELECT COLUMNS`` as a record (both backends)."""
    data = json.loads(row[7])
    anchors = (int(row[5]), int(row[6])) if row[5] is not None and row[6] is not None else None
    at = from_ts(row[9])
    assert at is not None
    return Correction(
        id=int(row[0]),
        kind=str(row[1]),
        subject=int(row[2]),
        target=None if row[3] is None else int(row[3]),
        user=str(row[8]),
        at=at,
        restore=Restore(
            tuple((int(p), int(d)) for p, d in data.get("posts", ())),
            tuple((int(d), int(s)) for d, s in data.get("developments", ())),
        ),
        anchors=anchors,
        result=None if row[4] is None else int(row[4]),
        undone_at=from_ts(row[10]),
        undone_by=row[11],
    )


def new_row(c: NewCorrection, ts: int) -> tuple[object, ...]:
    a, b = c.anchors if c.anchors else (None, None)
    return (c.kind, c.subject, c.target, c.result, a, b, restore_json(c.restore), c.user, ts)


class SqliteCorrections:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, correction: NewCorrection) -> Correction:
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO corrections (kind, subject, target, result, anchor_a, anchor_b, restore, "
                "user_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                new_row(correction, now_ts()),
            )
            row = conn.execute(f"SELECT {COLUMNS} FROM corrections WHERE id = ?", (cur.lastrowid,)).fetchone()
        return to_correction(row)

    def get(self, correction_id: int) -> Correction:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT {COLUMNS} FROM corrections WHERE id = ?", (correction_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no correction with id {correction_id}")
        return to_correction(row)

    def list(self, limit: int = 200) -> builtins.list[Correction]:
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {COLUMNS} FROM corrections ORDER BY id DESC LIMIT ?", (limit,))
            return [to_correction(r) for r in rows]

    def active(self) -> builtins.list[Correction]:
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {COLUMNS} FROM corrections WHERE undone_at IS NULL ORDER BY id")
            return [to_correction(r) for r in rows]

    def concerning(self, story_ids: Sequence[int], post_ids: Sequence[int]) -> builtins.list[Correction]:
        stories, posts = list(story_ids) or [0], list(post_ids) or [0]
        s, p = ",".join("?" * len(stories)), ",".join("?" * len(posts))
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM corrections WHERE "
                f"(kind IN ('merge', 'split', 'not-news-story') AND (subject IN ({s}) OR target IN ({s}) "
                f"OR result IN ({s}))) OR (kind = 'move' AND target IN ({s})) "
                f"OR (kind IN ('move', 'detach', 'not-news-post') AND subject IN ({p})) ORDER BY id DESC",
                (*stories, *stories, *stories, *stories, *posts),
            )
            return [to_correction(r) for r in rows]

    def undo(self, correction_id: int, user: str) -> Correction:
        with self.db.write() as conn:
            cur = conn.execute(
                "UPDATE corrections SET undone_at = ?, undone_by = ? WHERE id = ? AND undone_at IS NULL",
                (now_ts(), user, correction_id),
            )
            if not cur.rowcount:
                self.get(correction_id)  # NotFoundError for an unknown one
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
        out: dict[int, int] = {}
        ids = list(post_ids)
        with self.db.read() as conn:
            for i in range(0, len(ids), 900):
                chunk = ids[i : i + 900]
                out.update(
                    conn.execute(
                        "SELECT post_id, story_id FROM story_posts "
                        f"WHERE post_id IN ({','.join('?' * len(chunk))})",
                        chunk,
                    ).fetchall()
                )
        return out

    def story_of_posts(self, post_ids: Sequence[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        ids = list(post_ids)
        with self.db.read() as conn:
            for i in range(0, len(ids), 900):
                chunk = ids[i : i + 900]
                out.update(
                    conn.execute(
                        "SELECT sp.post_id, COALESCE(d.story_id, sp.story_id) FROM story_posts sp "
                        "LEFT JOIN story_of_development d ON d.development_id = sp.story_id "
                        f"WHERE sp.post_id IN ({','.join('?' * len(chunk))})",
                        chunk,
                    ).fetchall()
                )
        return out

    def place_posts(self, rows: Iterable[tuple[int, int]]) -> None:
        rows = builtins.list(rows)
        if not rows:
            return
        ts = now_ts()
        with self.db.write() as conn:
            before = self.development_of([p for p, _d in rows])
            for _p, dev in rows:
                conn.execute(
                    "INSERT INTO stories (id, first_date, last_date, n_posts, created_at, updated_at) "
                    "VALUES (?, 0, 0, 0, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
                    (dev, ts, ts),
                )
            conn.executemany(
                "INSERT INTO story_posts (post_id, story_id, similarity, added_at) VALUES (?, ?, 1.0, ?) "
                "ON CONFLICT (post_id) DO UPDATE SET story_id = excluded.story_id, "
                "added_at = excluded.added_at",
                [(p, d, ts) for p, d in rows],
            )
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

"""Stories and per-post analysis in SQLite (migration 0003_pipeline).

:class:`SqliteAnalysis` keeps what the pipeline derives from a post (language, ad verdict, normalised
text, origin) and the embedding cache; :class:`SqliteStories` keeps stories with stable ids and reads
them back as :class:`~svodka.model.Story` records for the digest and the web app.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from svodka.errors import NotFoundError
from svodka.model import PostAnalysis, Story, StoryMember, WindowPost, utc
from svodka.store.base import SEARCH_RANK_WINDOW
from svodka.store.records.stories import (
    ANALYSIS_COLUMNS,
    ANALYSIS_WRITE,
    FAR_FUTURE,
    FORWARD_ORIGINS,
    MEMBERS,
    SET_KIND,
    UNJUDGED,
    WINDOW_COLUMNS,
    add_members,
    analysis_rows,
    post_analysis,
    stories,
)
from svodka.store.sqlite.db import Database, now_ts
from svodka.store.sqlite.fulltext import fts_query, index_pending


class SqliteAnalysis:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, rows: Iterable[PostAnalysis]) -> int:
        data = analysis_rows(rows, now_ts())
        with self.db.write() as conn:
            conn.executemany(f"INSERT OR REPLACE INTO {ANALYSIS_WRITE} VALUES ({', '.join('?' * 9)})", data)
        return len(data)

    def get_many(self, post_ids: Sequence[int]) -> dict[int, PostAnalysis]:
        out: dict[int, PostAnalysis] = {}
        with self.db.read() as conn:
            for i in range(0, len(post_ids), 900):
                chunk = post_ids[i : i + 900]
                for r in conn.execute(
                    f"SELECT {ANALYSIS_COLUMNS} FROM post_analysis "
                    f"WHERE post_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ):
                    out[r[0]] = post_analysis(r)
        return out

    def unjudged(self, limit: int) -> builtins.list[tuple[int, str]]:
        with self.db.read() as conn:
            return [(r[0], r[1]) for r in conn.execute(UNJUDGED, (limit,))]

    def set_kinds(self, kinds: Mapping[int, str]) -> None:
        with self.db.write() as conn:
            conn.executemany(SET_KIND, [(k, pid) for pid, k in kinds.items()])

    def counts(self) -> dict[str, int]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT COUNT(*), SUM(is_ad), SUM(origin_post_id IS NOT NULL) FROM post_analysis"
            ).fetchone()
        return {"analysed": rows[0] or 0, "ads": rows[1] or 0, "copies": rows[2] or 0}

    def copies_of(self, post_id: int) -> builtins.list[int]:
        with self.db.read() as conn:
            return [
                r[0]
                for r in conn.execute(
                    "SELECT post_id FROM post_analysis WHERE origin_post_id = ? ORDER BY post_id", (post_id,)
                )
            ]

    # --- embedding cache -------------------------------------------------------------------------------
    def vectors(self, model: str, keys: Sequence[tuple[int, int]]) -> dict[int, bytes]:
        """Cached vectors for ``(post_id, text_hash)`` pairs whose text is unchanged."""
        want = dict(keys)
        out: dict[int, bytes] = {}
        ids = list(want)
        with self.db.read() as conn:
            for i in range(0, len(ids), 900):
                chunk = ids[i : i + 900]
                for pid, h, blob in conn.execute(
                    "SELECT post_id, text_hash, vector FROM embeddings "
                    f"WHERE model = ? AND post_id IN ({','.join('?' * len(chunk))})",
                    (model, *chunk),
                ):
                    if want.get(pid) == h:
                        out[pid] = blob
        return out

    def vectors_by_hash(self, model: str, hashes: Sequence[int]) -> dict[int, bytes]:
        """``{text_hash: vector}`` of texts embedded before, whichever post they came with."""
        out: dict[int, bytes] = {}
        wanted = list(dict.fromkeys(hashes))
        with self.db.read() as conn:
            for i in range(0, len(wanted), 900):
                chunk = wanted[i : i + 900]
                for h, blob in conn.execute(
                    "SELECT text_hash, vector FROM embeddings "
                    f"WHERE model = ? AND text_hash IN ({','.join('?' * len(chunk))})",
                    (model, *chunk),
                ):
                    out.setdefault(h, blob)
        return out

    def put_vectors(self, model: str, rows: Iterable[tuple[int, int, bytes]]) -> None:
        with self.db.write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)",
                [(pid, model, h, blob) for pid, h, blob in rows],
            )

    # --- watermark -------------------------------------------------------------------------------------
    def get_state(self, key: str, default: int = 0) -> int:
        with self.db.read() as conn:
            row = conn.execute("SELECT value FROM pipeline_state WHERE key = ?", (key,)).fetchone()
        return default if row is None else int(row[0])

    def set_state(self, key: str, value: int) -> None:
        with self.db.write() as conn:
            conn.execute("INSERT OR REPLACE INTO pipeline_state VALUES (?, ?)", (key, value))

    def forward_origins(self, post_ids: Sequence[int]) -> dict[int, int]:
        """``{post_id: origin post id}`` where a post's forward metadata names a stored post."""
        out: dict[int, int] = {}
        with self.db.read() as conn:
            for i in range(0, len(post_ids), 900):
                chunk = list(post_ids[i : i + 900])
                for pid, oid in conn.execute(
                    FORWARD_ORIGINS.format(posts=f"IN ({','.join('?' * len(chunk))})"),
                    chunk,
                ):
                    if oid != pid:
                        out[pid] = oid
        return out

    def window(self, since: int, before_id: int, until: int | None = None) -> list[WindowPost]:
        """Analysed, non-ad posts dated in ``[since, until)`` (no end: up to now) with id ≤ ``before_id``,
        in date order.

        Read through the posts_date index: ``+a.post_id`` keeps the planner, whatever its statistics, off
        the post_analysis primary key, whose range ``post_id ≤ before_id`` is the whole table."""
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {WINDOW_COLUMNS} "
                "WHERE p.date >= ? AND p.date < ? AND +a.post_id <= ? AND a.is_ad = 0 ORDER BY p.date, p.id",
                (since, FAR_FUTURE if until is None else until, before_id),
            ).fetchall()
        return [WindowPost(*r) for r in rows]


class SqliteStories:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- writing (the pipeline) -----------------------------------------------------------------------
    def reserve_ids(self, n: int) -> int:
        """Reserve ``n`` new story ids (from the sequence of migration 0011); returns the first.

        Inside the caller's write transaction when there is one, so ids reserved for a batch that is
        rolled back are handed out again, and two writers never get the same id."""
        with self.db.write() as conn:
            # past any id stored without a reservation too (a bulk load, an older writer): two lookups
            first = int(
                conn.execute(
                    "SELECT MAX(next, 1 + (SELECT COALESCE(MAX(id), 0) FROM stories), "
                    "1 + (SELECT COALESCE(MAX(old_id), 0) FROM story_aliases)) FROM story_id_seq"
                ).fetchone()[0]
            )
            conn.execute("UPDATE story_id_seq SET next = ?", (first + n,))
        return first

    def save(
        self, assignments: Iterable[tuple[int, int, float]], merges: Iterable[tuple[int, int]] = ()
    ) -> None:
        """Record ``(post_id, story_id, similarity)`` and ``(absorbed, into)`` merges in one transaction."""
        ts = now_ts()
        rows = list(assignments)
        merges = list(merges)
        with self.db.write() as conn:
            for gone, keep in merges:
                conn.execute(
                    "INSERT OR IGNORE INTO stories SELECT ?, 0, 0, 0, ?, ? WHERE true", (keep, ts, ts)
                )
                conn.execute("UPDATE story_posts SET story_id = ? WHERE story_id = ?", (keep, gone))
                conn.execute("UPDATE story_aliases SET story_id = ? WHERE story_id = ?", (keep, gone))
                conn.execute("INSERT OR REPLACE INTO story_aliases VALUES (?, ?, ?)", (gone, keep, ts))
                conn.execute("DELETE FROM stories WHERE id = ?", (gone,))
            for _pid, sid, _sim in rows:
                conn.execute(
                    "INSERT INTO stories (id, first_date, last_date, n_posts, created_at, updated_at) "
                    "VALUES (?, 0, 0, 0, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
                    (sid, ts, ts),
                )
            conn.executemany(
                "INSERT OR REPLACE INTO story_posts VALUES (?, ?, ?, ?)",
                [(p, s, sim, ts) for p, s, sim in rows],
            )
            touched = {s for _p, s, _x in rows} | {k for _g, k in merges}
            conn.executemany(
                "UPDATE stories SET (first_date, last_date, n_posts) = "
                "(SELECT MIN(p.date), MAX(p.date), COUNT(*) FROM story_posts sp "
                "JOIN posts p ON p.id = sp.post_id WHERE sp.story_id = stories.id) WHERE id = ?",
                [(s,) for s in touched],
            )

    # --- reading (digest, web, CLI) --------------------------------------------------------------------
    def resolve(self, story_id: int) -> int:
        with self.db.read() as conn:
            row = conn.execute("SELECT story_id FROM story_aliases WHERE old_id = ?", (story_id,)).fetchone()
        return story_id if row is None else int(row[0])

    def get(self, story_id: int) -> Story:
        found = self._load([self.resolve(story_id)])
        if not found:
            raise NotFoundError(f"no story with id {story_id}")
        return found[0]

    def in_period(self, since: datetime, until: datetime) -> builtins.list[Story]:
        """Stories with a post in ``[since, until)``, oldest first."""
        with self.db.read() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM stories WHERE last_date >= ? AND first_date < ? ORDER BY first_date, id",
                    (int(utc(since).timestamp()), int(utc(until).timestamp())),
                )
            ]
        return self._load(ids)

    def list(
        self, since: datetime | None = None, limit: int = 50, offset: int = 0, min_posts: int = 1
    ) -> builtins.list[Story]:
        """Stories active since ``since``, the most recently active first."""
        with self.db.read() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM stories WHERE last_date >= ? AND n_posts >= ? "
                    "ORDER BY last_date DESC, id DESC LIMIT ? OFFSET ?",
                    (int(utc(since).timestamp()) if since else 0, min_posts, limit, offset),
                )
            ]
        return self._load(ids)

    def search(self, query: str, limit: int = 10) -> builtins.list[Story]:
        match = fts_query(query)
        index_pending(self.db)
        with self.db.read() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    # Rank (bm25) the newest SEARCH_RANK_WINDOW matching posts that belong to a story, as
                    # PostRepo.search does, so a common word costs a bounded amount; bm25() is not allowed
                    # under GROUP BY, hence the materialised step before grouping posts into stories.
                    "WITH hits AS MATERIALIZED (SELECT posts_fts.rowid AS post_id, rank AS score "
                    "FROM posts_fts CROSS JOIN story_posts s ON s.post_id = posts_fts.rowid "
                    "WHERE posts_fts MATCH ? ORDER BY posts_fts.rowid DESC LIMIT ?) "
                    "SELECT sp.story_id FROM hits JOIN story_posts sp ON sp.post_id = hits.post_id "
                    "GROUP BY sp.story_id ORDER BY MIN(hits.score) LIMIT ?",
                    (match, SEARCH_RANK_WINDOW, limit),
                )
            ]
        return self._load(ids)

    def count(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0])

    def assignments(self) -> dict[int, int]:
        """``{post_id: story_id}`` of every placed post."""
        with self.db.read() as conn:
            return dict(conn.execute("SELECT post_id, story_id FROM story_posts").fetchall())

    def _load(self, ids: Sequence[int]) -> builtins.list[Story]:
        if not ids:
            return []
        members: dict[int, list[StoryMember]] = {i: [] for i in ids}
        updated_at: dict[int, int] = {}
        with self.db.read() as conn:
            for i in range(0, len(ids), 500):
                chunk = list(ids[i : i + 500])
                marks = ",".join("?" * len(chunk))
                for r in conn.execute(f"SELECT id, updated_at FROM stories WHERE id IN ({marks})", chunk):
                    updated_at[r[0]] = r[1]
                add_members(members, conn.execute(MEMBERS.format(stories=f"IN ({marks})"), chunk))
        return stories(ids, updated_at, members)

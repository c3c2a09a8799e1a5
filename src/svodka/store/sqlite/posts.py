"""Posts in SQLite: batched, idempotent saves with every edit kept, soft deletions, full-text search."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from svodka.errors import NotFoundError
from svodka.model import Post, PostVersion, SaveResult, SearchHit, StoredPost, utc
from svodka.store.base import SEARCH_RANK_WINDOW
from svodka.store.records.posts import (
    GET_MANY_CHUNK,
    KEEP_VERSIONS,
    N_STAGE,
    SELECT_POST,
    SELECT_VERSIONS,
    STAGE_COLUMNS,
    post_row,
    post_version,
    stored_post,
    walk,
)
from svodka.store.sqlite.channels import SqliteChannels
from svodka.store.sqlite.db import Database, now_ts
from svodka.store.sqlite.fulltext import fts_query, index_pending

FEW_POSTS = 20_000  # a search filter leaving at most this many posts is applied as a set of their ids


class SqlitePosts:
    def __init__(self, db: Database, channels: SqliteChannels) -> None:
        self.db = db
        self.channels = channels
        with db.write() as conn:
            # Posts of one batch are staged here and merged with set-based SQL.
            conn.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS stage ({STAGE_COLUMNS}, "
                "PRIMARY KEY (channel_id, message_id))"
            )

    # --- writing -------------------------------------------------------------------------------------
    def save(self, posts: Iterable[Post], seen_at: datetime | None = None) -> SaveResult:
        """Store one batch in one transaction.

        A post not seen before is added; one whose text or entities changed keeps its old text as a
        :class:`PostVersion` (unless the incoming copy is older than the stored edit); one unchanged only
        refreshes its counters. Saving the same batch twice stores nothing twice.
        """
        seen = int(utc(seen_at).timestamp()) if seen_at else now_ts()
        result = SaveResult()
        with self.db.write() as conn:
            rows = [post_row(p, self.channels.resolve_in_transaction(conn, p.channel)) for p in posts]
            if not rows:
                return result
            conn.execute("DELETE FROM stage")
            conn.executemany(f"INSERT OR REPLACE INTO stage VALUES ({','.join('?' * N_STAGE)})", rows)
            staged = conn.execute("SELECT COUNT(*) FROM stage").fetchone()[0]
            conn.execute(KEEP_VERSIONS)
            result.edited = conn.execute("SELECT changes()").fetchone()[0]
            if result.edited:
                conn.execute(
                    """
                    UPDATE posts SET text = s.text, entities = s.entities, links = s.links, edited = s.edited,
                        content_hash = s.content_hash, raw = COALESCE(s.raw, posts.raw), last_seen = ?
                    FROM stage s
                    WHERE posts.channel_id = s.channel_id AND posts.message_id = s.message_id
                      AND posts.content_hash != s.content_hash
                      AND (s.edited IS NULL OR posts.edited IS NULL OR s.edited >= posts.edited)
                      AND NOT (s.edited IS NULL AND posts.edited IS NOT NULL)
                    """,
                    (seen,),
                )
            conn.execute(
                """
                UPDATE posts SET views = COALESCE(s.views, posts.views),
                    forwards = COALESCE(s.forwards, posts.forwards),
                    reactions = COALESCE(s.reactions, posts.reactions)
                FROM stage s
                WHERE posts.channel_id = s.channel_id AND posts.message_id = s.message_id
                  AND (s.views IS NOT posts.views AND s.views IS NOT NULL
                    OR s.forwards IS NOT posts.forwards AND s.forwards IS NOT NULL
                    OR s.reactions IS NOT posts.reactions AND s.reactions IS NOT NULL)
                """
            )
            conn.execute(
                f"INSERT INTO posts ({STAGE_COLUMNS}, first_seen, last_seen) "
                f"SELECT {STAGE_COLUMNS}, ?, ? FROM stage WHERE true "
                "ON CONFLICT (channel_id, message_id) DO NOTHING",
                (seen, seen),
            )
            result.new = conn.execute("SELECT changes()").fetchone()[0]
            result.unchanged = staged - result.new - result.edited
            conn.execute("DELETE FROM stage")
        return result

    def mark_deleted(self, channel_id: int, message_ids: Iterable[int], source: str) -> int:
        ids = list(message_ids)
        if not ids:
            return 0
        ts = now_ts()
        with self.db.write() as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS gone (message_id INTEGER PRIMARY KEY)")
            conn.execute("DELETE FROM gone")
            conn.executemany("INSERT OR IGNORE INTO gone VALUES (?)", [(i,) for i in ids])
            conn.execute(
                "INSERT OR IGNORE INTO deletions (post_id, detected_at, source) "
                "SELECT id, ?, ? FROM posts WHERE channel_id = ? AND deleted_at IS NULL "
                "AND message_id IN (SELECT message_id FROM gone)",
                (ts, source, channel_id),
            )
            conn.execute(
                "UPDATE posts SET deleted_at = ? WHERE channel_id = ? AND deleted_at IS NULL "
                "AND message_id IN (SELECT message_id FROM gone)",
                (ts, channel_id),
            )
            return int(conn.execute("SELECT changes()").fetchone()[0])

    def mark_restored(self, channel_id: int, message_ids: Iterable[int]) -> int:
        """Posts seen again after having been marked deleted (a source hiccup, or an un-deletion)."""
        with self.db.write() as conn:
            conn.executemany(
                "UPDATE posts SET deleted_at = NULL WHERE channel_id = ? AND message_id = ? "
                "AND deleted_at IS NOT NULL",
                [(channel_id, i) for i in message_ids],
            )
            return int(conn.execute("SELECT total_changes()").fetchone()[0])

    def index_pending(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Make every stored post searchable (bulk full-text indexing); returns how many were added."""
        return index_pending(self.db, on_progress)

    # --- reading -------------------------------------------------------------------------------------
    def get(self, post_id: int) -> StoredPost:
        with self.db.read() as conn:
            row = conn.execute(f"{SELECT_POST} WHERE p.id = ?", (post_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no post with id {post_id}")
        return stored_post(row)

    def by_key(self, channel_id: int, message_id: int) -> StoredPost | None:
        with self.db.read() as conn:
            row = conn.execute(
                f"{SELECT_POST} WHERE p.channel_id = ? AND p.message_id = ?", (channel_id, message_id)
            ).fetchone()
        return None if row is None else stored_post(row)

    def versions(self, post_id: int) -> list[PostVersion]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"{SELECT_VERSIONS} WHERE post_id = ? ORDER BY version", (post_id,)
            ).fetchall()
        return [post_version(r) for r in rows]

    def iter(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int = 0,
        channel_ids: Sequence[int] | None = None,
        include_deleted: bool = True,
        batch: int = 2000,
    ) -> Iterator[StoredPost]:
        where = ["p.id > ?"]
        params: list[object] = []
        if since is not None:
            where.append("p.date >= ?")
            params.append(int(utc(since).timestamp()))
        if until is not None:
            where.append("p.date < ?")
            params.append(int(utc(until).timestamp()))
        if channel_ids is not None:
            where.append(f"p.channel_id IN ({','.join('?' * len(channel_ids))})")
            params.extend(channel_ids)
        if not include_deleted:
            where.append("p.deleted_at IS NULL")
        sql = f"{SELECT_POST} WHERE {' AND '.join(where)} ORDER BY p.id LIMIT ?"

        def page(last: int) -> list[Any]:
            with self.db.read() as conn:
                return conn.execute(sql, (last, *params, batch)).fetchall()

        return walk(page, after_id)

    def message_ids(self, channel_id: int, min_id: int, max_id: int) -> list[int]:
        with self.db.read() as conn:
            return [
                r[0]
                for r in conn.execute(
                    "SELECT message_id FROM posts WHERE channel_id = ? AND message_id BETWEEN ? AND ? "
                    "AND deleted_at IS NULL ORDER BY message_id",
                    (channel_id, min_id, max_id),
                )
            ]

    def count(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0])

    def search(
        self,
        query: str,
        limit: int = 20,
        offset: int = 0,
        channel_ids: Sequence[int] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        language: str | None = None,
        rank_window: int = SEARCH_RANK_WINDOW,
    ) -> list[SearchHit]:
        """Posts matching ``query`` and the filters, most relevant (bm25) first, newest first among equals.

        Relevance is computed for the newest ``rank_window`` matching posts (after the filters), so a word
        found in hundreds of thousands of posts costs no more than one found in ``rank_window``; below that
        the order is the exact bm25 order over every match. ``language`` is the pipeline's
        (``post_analysis.language``): posts not analysed yet have none and are left out by it.
        """
        match = fts_query(query)
        self.index_pending()
        with self.db.read() as conn:
            # 1. The newest matches that pass the filters (FTS5 walks its doclist by rowid, newest first,
            #    scoring only those), then the page of them by score.
            joins, where, params = _search_filters(conn, channel_ids, since, until, language)
            ranked = conn.execute(
                "WITH hits AS MATERIALIZED ("
                f"SELECT f.rowid AS id, bm25(posts_fts) AS score FROM posts_fts f{joins} "
                f"WHERE posts_fts MATCH ?{where} ORDER BY f.rowid DESC LIMIT ?) "
                "SELECT id, score FROM hits ORDER BY score, id DESC LIMIT ? OFFSET ?",
                (match, *params, rank_window, limit, offset),
            ).fetchall()
            return _hits(conn, match, ranked)

    def search_recent(
        self,
        query: str,
        limit: int = 20,
        offset: int = 0,
        channel_ids: Sequence[int] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        language: str | None = None,
    ) -> list[SearchHit]:
        """Posts matching ``query`` and the filters, newest (by date) first, over every match."""
        match = fts_query(query)
        self.index_pending()
        with self.db.read() as conn:
            joins, where, params = _search_filters(conn, channel_ids, since, until, language)
            if "JOIN posts p " not in joins:
                joins += " CROSS JOIN posts p ON p.id = f.rowid"
            ranked = conn.execute(
                f"SELECT f.rowid, bm25(posts_fts) FROM posts_fts f{joins} WHERE posts_fts MATCH ?{where} "
                "ORDER BY p.date DESC, f.rowid DESC LIMIT ? OFFSET ?",
                (match, *params, limit, offset),
            ).fetchall()
            return _hits(conn, match, ranked)

    def count_matches(
        self,
        query: str,
        channel_ids: Sequence[int] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        language: str | None = None,
    ) -> int:
        """How many posts match ``query`` and the filters (every match, beyond the rank window too)."""
        match = fts_query(query)
        self.index_pending()
        with self.db.read() as conn:
            joins, where, params = _search_filters(conn, channel_ids, since, until, language)
            row = conn.execute(
                f"SELECT COUNT(*) FROM posts_fts f{joins} WHERE posts_fts MATCH ?{where}", (match, *params)
            ).fetchone()
        return int(row[0])

    def get_many(self, post_ids: Iterable[int]) -> dict[int, StoredPost]:
        """The stored posts of ``post_ids`` by id, a statement per :data:`GET_MANY_CHUNK` ids; an id that
        names no post is left out."""
        ids = sorted(set(post_ids))
        out: dict[int, StoredPost] = {}
        with self.db.read() as conn:
            for i in range(0, len(ids), GET_MANY_CHUNK):
                chunk = ids[i : i + GET_MANY_CHUNK]
                marks = ",".join("?" * len(chunk))
                for r in conn.execute(f"{SELECT_POST} WHERE p.id IN ({marks})", chunk):
                    out[r[0]] = stored_post(r)
        return out


def _hits(conn: sqlite3.Connection, match: str, ranked: Sequence[tuple[int, float]]) -> list[SearchHit]:
    """The page ``ranked`` (``(post id, bm25)`` in order) as hits with their snippets."""
    if not ranked:
        return []
    ids = [r[0] for r in ranked]
    # Snippets for the page only: one more walk of the matches between the page's lowest and highest id,
    # marking up just those rows (``+f.rowid`` keeps the list out of FTS5's plan).
    marks = ",".join("?" * len(ids))
    snippets = dict(
        conn.execute(
            "SELECT f.rowid, snippet(posts_fts, 0, '[', ']', '…', 24) FROM posts_fts f "
            f"WHERE posts_fts MATCH ? AND f.rowid BETWEEN ? AND ? AND +f.rowid IN ({marks})",
            (match, min(ids), max(ids), *ids),
        ).fetchall()
    )
    posts = {r[0]: stored_post(r) for r in conn.execute(f"{SELECT_POST} WHERE p.id IN ({marks})", ids)}
    return [
        SearchHit(post=posts[i], snippet=snippets.get(i, posts[i].text[:200]), rank=-score)
        for i, score in ranked
        if i in posts
    ]


def _search_filters(
    conn: sqlite3.Connection,
    channel_ids: Sequence[int] | None,
    since: datetime | None,
    until: datetime | None,
    language: str | None,
) -> tuple[str, str, list[object]]:
    """The joins, ``AND …`` conditions and parameters that apply the filters to a walk of posts_fts ``f``.

    A filter that leaves few posts (one channel, a week) is applied as a set of ids built once from the
    indexes, probed in memory for each match; a broad one (half a year, a language) as a lookup of each
    match's row, which is cheaper than building a set of most of the store.
    """
    on_posts: list[str] = []
    params: list[object] = []
    if channel_ids is not None:
        on_posts.append(f"p.channel_id IN ({','.join('?' * len(channel_ids))})")
        params.extend(channel_ids)
    if since is not None:
        on_posts.append("p.date >= ?")
        params.append(int(utc(since).timestamp()))
    if until is not None:
        on_posts.append("p.date < ?")
        params.append(int(utc(until).timestamp()))
    if on_posts:
        cond = " AND ".join(on_posts)
        few = conn.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM posts p WHERE {cond} LIMIT {FEW_POSTS + 1})", params
        ).fetchone()[0]
        if few <= FEW_POSTS:
            if language is not None:
                cond += (
                    " AND EXISTS (SELECT 1 FROM post_analysis a WHERE a.post_id = p.id AND a.language = ?)"
                )
                params.append(language)
            return "", f" AND +f.rowid IN (SELECT p.id FROM posts p WHERE {cond})", params
    joins, where = "", list(on_posts)
    if on_posts:
        # CROSS JOIN keeps posts_fts the outer loop: the rowid order and bm25() need its full-text cursor.
        joins += " CROSS JOIN posts p ON p.id = f.rowid"
    if language is not None:
        joins += " CROSS JOIN post_analysis a ON a.post_id = f.rowid"
        where.append("a.language = ?")
        params.append(language)
    return joins, "".join(f" AND {w}" for w in where), params

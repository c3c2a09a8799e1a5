"""Posts in PostgreSQL: batched, idempotent saves (COPY into a staging table, then set-based SQL) with every
edit kept, soft deletions, full-text search (``tsvector`` with a GIN index, ranked by ``ts_rank_cd``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import psycopg

from svodka.errors import NotFoundError
from svodka.model import Post, PostVersion, SaveResult, SearchHit, StoredPost, utc
from svodka.store.base import SEARCH_RANK_WINDOW
from svodka.store.postgres.bulk import LZ4, changes, copy_rows, has_lz4, nul_free, stored_keys
from svodka.store.postgres.channels import PgChannels
from svodka.store.postgres.db import Database, now_ts
from svodka.store.postgres.fulltext import (
    count_sql,
    index_pending,
    index_values,
    page_hits,
    page_rows,
    post_match,
    ranked_sql,
    recent_sql,
)
from svodka.store.records.posts import (
    CHANGED,
    KEEP_VERSIONS,
    SELECT_POST,
    SELECT_VERSIONS,
    STAGE_COLUMNS,
    post_row,
    post_version,
    stored_post,
    walk,
)

_STAGE_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS stage (ord INTEGER NOT NULL, channel_id BIGINT, message_id BIGINT, "
    "date BIGINT, text TEXT, entities TEXT, links TEXT, views BIGINT, forwards BIGINT, reactions BIGINT, "
    "fwd_platform TEXT, fwd_ext_id TEXT, fwd_handle TEXT, fwd_name TEXT, fwd_message_id BIGINT, "
    "reply_to BIGINT, media TEXT, author TEXT, url TEXT, edited BIGINT, content_hash BIGINT, raw BYTEA, "
    "PRIMARY KEY (channel_id, message_id))"
)


_STAGE_TYPES = [
    "int8", "int8", "int8", "text", "text", "text", "int8", "int8", "int8", "text", "text", "text",
    "text", "int8", "int8", "text", "text", "text", "int8", "int8", "bytea",
]  # fmt: skip


def _copy(
    conn: psycopg.Connection, target: str, rows: list[tuple[Any, ...]], extra: tuple[int, ...] = ()
) -> None:
    """COPY (binary) ``rows`` (:func:`~svodka.store.postgres.bulk.nul_free` post rows, each with ``extra``
    after it) into ``target``; the stage gets each row's position first."""
    stage = target.startswith("stage")
    columns = f"stage (ord, {target[len('stage (') :]}" if stage else target
    types = (["int4"] if stage else []) + _STAGE_TYPES + ["int8"] * len(extra)
    statement = f"COPY {columns} FROM STDIN (FORMAT BINARY)"
    if stage:
        copy_rows(conn, statement, types, ((i, *row) for i, row in enumerate(rows)))
    else:
        copy_rows(conn, statement, types, ((*row, *extra) for row in rows) if extra else rows)


def _merge_known(conn: psycopg.Connection, seen: int) -> int:
    """Merge the staged copies of posts already stored: a changed text keeps the old one as a version (and is
    re-indexed when it was indexed), changed counters are refreshed; returns how many were edited."""
    conn.execute("ANALYZE stage")  # what is left of it: the planner then joins by the posts' unique key
    edited = conn.execute(KEEP_VERSIONS).rowcount
    if edited:
        ids = [
            r[0]
            for r in conn.execute(
                "UPDATE posts p SET text = s.text, entities = s.entities, links = s.links, "
                "edited = s.edited, content_hash = s.content_hash, raw = COALESCE(s.raw, p.raw), "
                "last_seen = %s FROM stage s WHERE p.channel_id = s.channel_id "
                f"AND p.message_id = s.message_id AND {CHANGED} RETURNING p.id",
                (seen,),
            )
        ]
        # an indexed post is indexed as edited (one not indexed yet will be, by index_pending)
        conn.execute(
            "UPDATE post_search ps SET tsv = v.tsv, words = v.words FROM posts p "
            f"CROSS JOIN LATERAL {index_values('p.text')} v WHERE p.id = ps.post_id AND ps.post_id = ANY(%s)",
            (ids,),
        )
    conn.execute(
        """
        UPDATE posts p SET views = COALESCE(s.views, p.views),
            forwards = COALESCE(s.forwards, p.forwards),
            reactions = COALESCE(s.reactions, p.reactions)
        FROM stage s
        WHERE p.channel_id = s.channel_id AND p.message_id = s.message_id
          AND (s.views IS DISTINCT FROM p.views AND s.views IS NOT NULL
            OR s.forwards IS DISTINCT FROM p.forwards AND s.forwards IS NOT NULL
            OR s.reactions IS DISTINCT FROM p.reactions AND s.reactions IS NOT NULL)
        """
    )
    return edited


class PgPosts:
    def __init__(self, db: Database, channels: PgChannels) -> None:
        self.db = db
        self.channels = channels
        self._lz4: bool | None = None  # whether the server compresses with lz4 (asked once)

    # --- writing -------------------------------------------------------------------------------------
    def save(self, posts: Iterable[Post], seen_at: datetime | None = None) -> SaveResult:
        """Store one batch in one transaction (see :meth:`svodka.store.base.PostRepo.save`): the posts not
        stored yet are COPied (binary) straight into ``posts``; only the stored ones whose copy may change
        them (:func:`~svodka.store.postgres.bulk.changes`) go through a staging table and set-based merges
        (:func:`_merge_known`) — all of them when a writer beside us stored one of the new ones first."""
        seen = int(utc(seen_at).timestamp()) if seen_at else now_ts()
        result = SaveResult()
        with self.db.write() as conn:
            staged: dict[tuple[int, int], tuple[Any, ...]] = {}
            ref, channel_id = None, 0  # a batch's posts mostly share one channel's record: resolved once
            for p in posts:
                if p.channel is not ref:
                    ref, channel_id = p.channel, self.channels.resolve_in_transaction(conn, p.channel)
                row = nul_free(post_row(p, channel_id, bytes.decode))
                staged.pop((row[0], row[1]), None)  # a repeat within the batch: the last copy wins
                staged[row[0], row[1]] = row
            if not staged:
                return result
            if self._lz4 is None:
                self._lz4 = has_lz4(conn)
            if self._lz4:
                conn.execute(LZ4)
            known = stored_keys(conn, list(staged))
            fresh = [row for key, row in staged.items() if key not in known]
            # the stored posts this copy may change (the others are unchanged: nothing to write)
            rest = [row for key, row in staged.items() if key in known and changes(row, known[key])]
            if fresh:
                try:
                    with conn.transaction():  # a savepoint: a writer beside us may store one of them first
                        _copy(conn, f"posts ({STAGE_COLUMNS}, first_seen, last_seen)", fresh, (seen, seen))
                    result.new = len(fresh)
                except psycopg.errors.UniqueViolation:
                    rest = list(staged.values())  # all of them through the stage: it skips what is there now
            if rest:
                conn.execute(_STAGE_TABLE)
                conn.execute("DELETE FROM stage")
                _copy(conn, f"stage ({STAGE_COLUMNS})", rest)
                result.new += conn.execute(
                    f"INSERT INTO posts ({STAGE_COLUMNS}, first_seen, last_seen) "
                    f"SELECT {STAGE_COLUMNS}, %s, %s FROM stage ORDER BY ord "
                    "ON CONFLICT (channel_id, message_id) DO NOTHING",
                    (seen, seen),
                ).rowcount
                result.edited = _merge_known(conn, seen)
            result.unchanged = len(staged) - result.new - result.edited
        return result

    def mark_deleted(self, channel_id: int, message_ids: Iterable[int], source: str) -> int:
        ids = sorted(set(message_ids))
        if not ids:
            return 0
        ts = now_ts()
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO deletions (post_id, detected_at, source) "
                "SELECT id, %s, %s FROM posts WHERE channel_id = %s AND deleted_at IS NULL "
                "AND message_id = ANY(%s) ON CONFLICT DO NOTHING",
                (ts, source, channel_id, ids),
            )
            return conn.execute(
                "UPDATE posts SET deleted_at = %s WHERE channel_id = %s AND deleted_at IS NULL "
                "AND message_id = ANY(%s)",
                (ts, channel_id, ids),
            ).rowcount

    def mark_restored(self, channel_id: int, message_ids: Iterable[int]) -> int:
        """Posts seen again after having been marked deleted (a source hiccup, or an un-deletion)."""
        ids = sorted(set(message_ids))
        if not ids:
            return 0
        with self.db.write() as conn:
            return conn.execute(
                "UPDATE posts SET deleted_at = NULL WHERE channel_id = %s AND message_id = ANY(%s) "
                "AND deleted_at IS NOT NULL",
                (channel_id, ids),
            ).rowcount

    def index_pending(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Make every stored post searchable (bulk full-text indexing); returns how many were added."""
        return index_pending(self.db, on_progress)

    # --- reading -------------------------------------------------------------------------------------
    def get(self, post_id: int) -> StoredPost:
        with self.db.read() as conn:
            row = conn.execute(f"{SELECT_POST} WHERE p.id = %s", (post_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no post with id {post_id}")
        return stored_post(row)

    def by_key(self, channel_id: int, message_id: int) -> StoredPost | None:
        with self.db.read() as conn:
            row = conn.execute(
                f"{SELECT_POST} WHERE p.channel_id = %s AND p.message_id = %s", (channel_id, message_id)
            ).fetchone()
        return None if row is None else stored_post(row)

    def versions(self, post_id: int) -> list[PostVersion]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"{SELECT_VERSIONS} WHERE post_id = %s ORDER BY version", (post_id,)
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
        where = ["p.id > %s"]
        params: list[object] = []
        if since is not None:
            where.append("p.date >= %s")
            params.append(int(utc(since).timestamp()))
        if until is not None:
            where.append("p.date < %s")
            params.append(int(utc(until).timestamp()))
        if channel_ids is not None:
            where.append("p.channel_id = ANY(%s)")
            params.append(list(channel_ids))
        if not include_deleted:
            where.append("p.deleted_at IS NULL")
        sql = f"{SELECT_POST} WHERE {' AND '.join(where)} ORDER BY p.id LIMIT %s"

        def page(last: int) -> list[tuple[Any, ...]]:
            with self.db.read() as conn:
                return conn.execute(sql, (last, *params, batch)).fetchall()

        return walk(page, after_id)

    def message_ids(self, channel_id: int, min_id: int, max_id: int) -> list[int]:
        with self.db.read() as conn:
            return [
                r[0]
                for r in conn.execute(
                    "SELECT message_id FROM posts WHERE channel_id = %s AND message_id BETWEEN %s AND %s "
                    "AND deleted_at IS NULL ORDER BY message_id",
                    (channel_id, min_id, max_id),
                )
            ]

    def count(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0])  # type: ignore[index]

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
        """Posts matching ``query`` and the filters, most relevant (``ts_rank_cd``) first, newest first among
        equals; relevance is computed for the newest ``rank_window`` matches (as on SQLite)."""
        match = post_match(query)
        where, params = _filters(channel_ids, since, until, language)
        args = (match.rank, *match.params, *params, rank_window, limit, offset)
        return self._page(ranked_sql(where, match), args, match.rank)

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
        match = post_match(query)
        where, params = _filters(channel_ids, since, until, language)
        args = (match.rank, *match.params, *params, limit, offset)
        return self._page(recent_sql(where, match), args, match.rank)

    def count_matches(
        self,
        query: str,
        channel_ids: Sequence[int] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        language: str | None = None,
    ) -> int:
        """How many posts match ``query`` and the filters (every match, beyond the rank window too)."""
        match = post_match(query)
        where, params = _filters(channel_ids, since, until, language)
        sql, args = count_sql(where, match), (*match.params, *params)
        with self.db.read() as conn:
            count, stale = conn.execute(sql, args, prepare=False).fetchone() or (0, False)
        if stale and self.index_pending():
            with self.db.read() as conn:
                count = conn.execute(sql, args, prepare=False).fetchone()[0]  # type: ignore[index]
        return int(count)

    def _page(self, sql: str, args: tuple[object, ...], rank: str) -> list[SearchHit]:
        """The hits of a page query (:func:`svodka.store.postgres.fulltext.ranked_sql` / ``recent_sql``)
        with their posts and snippets (:func:`~svodka.store.postgres.fulltext.page_rows`).

        Posts stored since the last indexing are indexed first, as before any search: the page says so
        (or is empty), and is asked again after indexing — one connection when nothing is pending. The
        hits' statement is never prepared: a generic plan would parse and stem the query (``to_tsquery`` of
        a parameter) again for every row it reads, and could not choose by how common the words are."""
        with self.db.read() as conn:
            rows = page_rows(conn, sql, args, rank)
        if (not rows or rows[0][-1]) and self.index_pending():
            with self.db.read() as conn:
                rows = page_rows(conn, sql, args, rank)
        return page_hits(self.db, rows, rank)

    def get_many(self, post_ids: Iterable[int]) -> dict[int, StoredPost]:
        """The stored posts of ``post_ids`` by id, in one statement (an array of ids); an id that names no
        post is left out."""
        ids = sorted(set(post_ids))
        if not ids:
            return {}
        with self.db.read() as conn:
            rows = conn.execute(f"{SELECT_POST} WHERE p.id = ANY(%s)", (ids,)).fetchall()
        return {r[0]: stored_post(r) for r in rows}


def _filters(
    channel_ids: Sequence[int] | None, since: datetime | None, until: datetime | None, language: str | None
) -> tuple[str, list[object]]:
    """The ``AND …`` conditions on posts ``p`` and their parameters for the search filters."""
    where: list[str] = []
    params: list[object] = []
    if channel_ids is not None:
        where.append("p.channel_id = ANY(%s)")
        params.append(list(channel_ids))
    if since is not None:
        where.append("p.date >= %s")
        params.append(int(utc(since).timestamp()))
    if until is not None:
        where.append("p.date < %s")
        params.append(int(utc(until).timestamp()))
    if language is not None:
        where.append("EXISTS (SELECT 1 FROM post_analysis a WHERE a.post_id = p.id AND a.language = %s)")
        params.append(language)
    return "".join(f" AND {w}" for w in where), params

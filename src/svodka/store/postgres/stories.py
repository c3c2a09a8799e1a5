"""Stories and per-post analysis in PostgreSQL (migration 0003_pipeline).

:class:`PgAnalysis` keeps what the pipeline derives from a post (language, ad verdict, normalised text,
origin) and the embedding cache (vectors as BYTEA, the bytes the SQLite backend stores);
:class:`PgStories` keeps stories with stable ids and reads them back as :class:`~svodka.model.Story`.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from svodka.errors import NotFoundError
from svodka.model import PostAnalysis, Story, StoryMember, WindowPost, utc
from svodka.store.base import SEARCH_RANK_WINDOW
from svodka.store.postgres.db import Database, now_ts, pyformat
from svodka.store.postgres.fulltext import CONFIG, index_pending, ts_query
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


class PgAnalysis:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, rows: Iterable[PostAnalysis]) -> int:
        data = analysis_rows(rows, now_ts())
        if not data:
            return 0
        with self.db.write() as conn, conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {ANALYSIS_WRITE} VALUES ({', '.join(['%s'] * 9)}) ON CONFLICT (post_id) DO "
                "UPDATE SET language = excluded.language, is_ad = excluded.is_ad, ad_reason = "
                "excluded.ad_reason, "
                "norm_text = excluded.norm_text, text_hash = excluded.text_hash, "
                "origin_post_id = excluded.origin_post_id, kind = excluded.kind, "
                "analysed_at = excluded.analysed_at",
                data,
            )
        return len(data)

    def get_many(self, post_ids: Sequence[int]) -> dict[int, PostAnalysis]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {ANALYSIS_COLUMNS} FROM post_analysis WHERE post_id = ANY(%s)",
                (list(post_ids),),
            ).fetchall()
        return {r[0]: post_analysis(r) for r in rows}

    def unjudged(self, limit: int) -> builtins.list[tuple[int, str]]:
        with self.db.read() as conn:
            return [(r[0], r[1]) for r in conn.execute(pyformat(UNJUDGED), (limit,))]

    def set_kinds(self, kinds: Mapping[int, str]) -> None:
        with self.db.write() as conn, conn.cursor() as cur:
            cur.executemany(pyformat(SET_KIND), [(k, pid) for pid, k in kinds.items()])

    def counts(self) -> dict[str, int]:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE is_ad), COUNT(origin_post_id) FROM post_analysis"
            ).fetchone()
        assert row is not None
        return {"analysed": row[0] or 0, "ads": row[1] or 0, "copies": row[2] or 0}

    def copies_of(self, post_id: int) -> builtins.list[int]:
        with self.db.read() as conn:
            return [
                r[0]
                for r in conn.execute(
                    "SELECT post_id FROM post_analysis WHERE origin_post_id = %s ORDER BY post_id", (post_id,)
                )
            ]

    # --- embedding cache -------------------------------------------------------------------------------
    def vectors(self, model: str, keys: Sequence[tuple[int, int]]) -> dict[int, bytes]:
        """Cached vectors for ``(post_id, text_hash)`` pairs whose text is unchanged."""
        want = dict(keys)
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT post_id, text_hash, vector FROM embeddings WHERE model = %s AND post_id = ANY(%s)",
                (model, list(want)),
            ).fetchall()
        return {pid: bytes(blob) for pid, h, blob in rows if want.get(pid) == h}

    def vectors_by_hash(self, model: str, hashes: Sequence[int]) -> dict[int, bytes]:
        """``{text_hash: vector}`` of texts embedded before, whichever post they came with."""
        out: dict[int, bytes] = {}
        with self.db.read() as conn:
            for h, blob in conn.execute(
                "SELECT text_hash, vector FROM embeddings WHERE model = %s AND text_hash = ANY(%s) "
                "ORDER BY post_id",
                (model, list(dict.fromkeys(hashes))),
            ):
                out.setdefault(h, bytes(blob))
        return out

    def put_vectors(self, model: str, rows: Iterable[tuple[int, int, bytes]]) -> None:
        data = [(pid, model, h, blob) for pid, h, blob in rows]
        if not data:
            return
        with self.db.write() as conn, conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO embeddings VALUES (%s, %s, %s, %s) ON CONFLICT (post_id, model) DO UPDATE "
                "SET text_hash = excluded.text_hash, vector = excluded.vector",
                data,
            )

    # --- watermark -------------------------------------------------------------------------------------
    def get_state(self, key: str, default: int = 0) -> int:
        with self.db.read() as conn:
            row = conn.execute("SELECT value FROM pipeline_state WHERE key = %s", (key,)).fetchone()
        return default if row is None else int(row[0])

    def set_state(self, key: str, value: int) -> None:
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO pipeline_state VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET "
                "value = excluded.value",
                (key, value),
            )

    def forward_origins(self, post_ids: Sequence[int]) -> dict[int, int]:
        """``{post_id: origin post id}`` where a post's forward metadata names a stored post."""
        out: dict[int, int] = {}
        with self.db.read() as conn:
            for pid, oid in conn.execute(
                FORWARD_ORIGINS.format(posts="= ANY(%s)") + " ORDER BY p.id, o.id",
                (list(post_ids),),
            ):
                if oid != pid:
                    out[pid] = oid
        return out

    def window(self, since: int, before_id: int, until: int | None = None) -> list[WindowPost]:
        """Analysed, non-ad posts dated in ``[since, until)`` (no end: up to now) with id ≤ ``before_id``,
        in date order."""
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {WINDOW_COLUMNS} "
                "WHERE p.date >= %s AND p.date < %s AND a.post_id <= %s AND NOT a.is_ad ORDER "
                "BY p.date, p.id",
                (since, FAR_FUTURE if until is None else until, before_id),
            ).fetchall()
        return [WindowPost(*r) for r in rows]


class PgStories:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- writing (the pipeline) -----------------------------------------------------------------------
    def reserve_ids(self, n: int) -> int:
        """Reserve ``n`` new story ids (from the sequence row of migration 0011); returns the first.

        Inside the caller's write transaction when there is one: the row lock makes a second writer wait,
        and ids reserved for a batch that is rolled back are handed out again."""
        with self.db.write() as conn:
            row = conn.execute(
                "UPDATE story_id_seq SET next = GREATEST(next, "
                "1 + (SELECT COALESCE(MAX(id), 0) FROM stories), "
                "1 + (SELECT COALESCE(MAX(old_id), 0) FROM story_aliases)) + %s RETURNING next - %s",
                (n, n),
            ).fetchone()
        return int(row[0])  # type: ignore[index]

    def save(
        self, assignments: Iterable[tuple[int, int, float]], merges: Iterable[tuple[int, int]] = ()
    ) -> None:
        """Record ``(post_id, story_id, similarity)`` and ``(absorbed, into)`` merges in one transaction."""
        ts = now_ts()
        rows = list(assignments)
        merges = list(merges)
        with self.db.write() as conn, conn.cursor() as cur:
            for gone, keep in merges:
                cur.execute(
                    "INSERT INTO stories VALUES (%s, 0, 0, 0, %s, %s) ON CONFLICT DO NOTHING", (keep, ts, ts)
                )
                cur.execute("UPDATE story_posts SET story_id = %s WHERE story_id = %s", (keep, gone))
                cur.execute("UPDATE story_aliases SET story_id = %s WHERE story_id = %s", (keep, gone))
                cur.execute(
                    "INSERT INTO story_aliases VALUES (%s, %s, %s) ON CONFLICT (old_id) DO UPDATE "
                    "SET story_id = excluded.story_id, merged_at = excluded.merged_at",
                    (gone, keep, ts),
                )
                cur.execute("DELETE FROM stories WHERE id = %s", (gone,))
            sids = sorted({s for _p, s, _x in rows})
            if sids:
                cur.executemany(
                    "INSERT INTO stories (id, first_date, last_date, n_posts, created_at, updated_at) "
                    "VALUES (%s, 0, 0, 0, %s, %s) ON CONFLICT (id) DO UPDATE SET updated_at = "
                    "excluded.updated_at",
                    [(s, ts, ts) for s in sids],
                )
            if rows:
                last = {p: (s, sim) for p, s, sim in rows}  # a post placed twice in a batch: the last wins
                cur.executemany(
                    "INSERT INTO story_posts VALUES (%s, %s, %s, %s) ON CONFLICT (post_id) DO UPDATE "
                    "SET story_id = excluded.story_id, similarity = excluded.similarity, "
                    "added_at = excluded.added_at",
                    [(p, s, sim, ts) for p, (s, sim) in last.items()],
                )
            touched = sorted(set(sids) | {k for _g, k in merges})
            if touched:
                cur.execute(
                    "UPDATE stories SET first_date = x.first, last_date = x.last, n_posts = x.n FROM ("
                    "SELECT sp.story_id, MIN(p.date) AS first, MAX(p.date) AS last, COUNT(*) AS n "
                    "FROM story_posts sp JOIN posts p ON p.id = sp.post_id WHERE sp.story_id = ANY(%s) "
                    "GROUP BY sp.story_id) x WHERE stories.id = x.story_id",
                    (touched,),
                )

    # --- reading (digest, web, CLI) --------------------------------------------------------------------
    def resolve(self, story_id: int) -> int:
        with self.db.read() as conn:
            row = conn.execute("SELECT story_id FROM story_aliases WHERE old_id = %s", (story_id,)).fetchone()
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
                    "SELECT id FROM stories WHERE last_date >= %s AND first_date < %s ORDER BY "
                    "first_date, id",
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
                    "SELECT id FROM stories WHERE last_date >= %s AND n_posts >= %s "
                    "ORDER BY last_date DESC, id DESC LIMIT %s OFFSET %s",
                    (int(utc(since).timestamp()) if since else 0, min_posts, limit, offset),
                )
            ]
        return self._load(ids)

    def search(self, query: str, limit: int = 10) -> builtins.list[Story]:
        """Stories whose posts match ``query``, by their best-ranked post among the newest
        :data:`SEARCH_RANK_WINDOW` matching posts that belong to a story."""
        tsq = ts_query(query)
        index_pending(self.db)
        with self.db.read() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "WITH hits AS MATERIALIZED (SELECT sp.story_id, s.tsv FROM post_search s "
                    "JOIN story_posts sp ON sp.post_id = s.post_id WHERE s.tsv @@ "
                    f"to_tsquery('{CONFIG}', %s) "
                    "ORDER BY s.post_id DESC LIMIT %s) "
                    "SELECT story_id FROM hits GROUP BY story_id ORDER BY MAX(ts_rank_cd(tsv, "
                    f"to_tsquery('{CONFIG}', "
                    "%s))) DESC, story_id LIMIT %s",
                    (tsq, SEARCH_RANK_WINDOW, tsq, limit),
                )
            ]
        return self._load(ids)

    def count(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0])  # type: ignore[index]

    def assignments(self) -> dict[int, int]:
        """``{post_id: story_id}`` of every placed post."""
        with self.db.read() as conn:
            return dict(conn.execute("SELECT post_id, story_id FROM story_posts").fetchall())

    def _load(self, ids: Sequence[int]) -> builtins.list[Story]:
        if not ids:
            return []
        members: dict[int, list[StoryMember]] = {i: [] for i in ids}
        with self.db.read() as conn:
            updated_at = {
                r[0]: r[1]
                for r in conn.execute("SELECT id, updated_at FROM stories WHERE id = ANY(%s)", (list(ids),))
            }
            add_members(members, conn.execute(MEMBERS.format(stories="= ANY(%s)"), (list(ids),)))
        return stories(ids, updated_at, members)

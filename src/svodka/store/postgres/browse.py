"""Browsing stories in PostgreSQL: a page of stories with their figures computed by aggregate queries, and
the newest stored post (the store's own "now" for an imported archive)."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from svodka.errors import StoreError
from svodka.model import StoredPost, StoryMember, from_ts, utc
from svodka.store.base import STORY_SORTS, StoryPage, StoryQuery, StoryRow
from svodka.store.postgres.db import Database

_ORDER = {
    "score": "independent DESC, channels DESC, posts DESC, last_date DESC, id DESC",
    "size": "posts DESC, channels DESC, last_date DESC, id DESC",
    "first": "first_date DESC, id DESC",
    "recent": "last_date DESC, id DESC",
}
_NAME = "COALESCE(c.handle, c.title, c.ext_id)"
_IS_COPY = "(a.origin_post_id IS NOT NULL AND a.origin_post_id <> p.id)"


def _ts(dt: datetime) -> int:
    return int(utc(dt).timestamp())


def _filtered(q: StoryQuery) -> tuple[str, list[object]]:
    """The query of the stories passing ``q`` with their figures (``id, first_date, last_date, updated_at,
    posts, channels, independent``), and its parameters."""
    if q.sort not in STORY_SORTS:
        raise StoreError(f"stories are sorted by {', '.join(STORY_SORTS)}, not {q.sort!r}")
    where, params = ["s.n_posts >= %s"], list[object]([q.min_posts])
    if q.since is not None:
        where.append("s.last_date >= %s")
        params.append(_ts(q.since))
    if q.until is not None:
        where.append("s.first_date < %s")
        params.append(_ts(q.until))
    if q.story_ids is not None:
        where.append("s.id = ANY(%s)")
        params.append(list(q.story_ids))
    outer, oparams = (
        ["channels >= %s", "independent >= %s"],
        list[object]([q.min_channels, q.min_independent]),
    )
    extra, xparams = "", list[object]()  # figures in the SELECT list that the outer WHERE tests
    if q.channel_ids is not None:
        extra += ", COUNT(*) FILTER (WHERE p.channel_id = ANY(%s)) AS covered"
        outer.append("covered > 0")
        xparams.append(list(q.channel_ids))
    if q.without_channel_ids:
        extra += ", COUNT(*) FILTER (WHERE p.channel_id = ANY(%s)) AS uncovered"
        outer.append("uncovered = 0")
        xparams.append(list(q.without_channel_ids))
    if q.language is not None:
        extra += ", COUNT(*) FILTER (WHERE a.language = %s) AS in_language"
        outer.append("in_language > 0")
        xparams.append(q.language)
    sql = (
        "SELECT * FROM (SELECT s.id AS id, s.first_date AS first_date, s.last_date AS last_date, "
        "s.updated_at AS updated_at, COUNT(*) AS posts, COUNT(DISTINCT p.channel_id) AS channels, "
        f"COUNT(DISTINCT p.channel_id) FILTER (WHERE NOT {_IS_COPY}) AS independent{extra} "
        "FROM stories s JOIN story_posts sp ON sp.story_id = s.id JOIN posts p ON p.id = sp.post_id "
        "LEFT JOIN post_analysis a ON a.post_id = p.id "
        f"WHERE {' AND '.join(where)} GROUP BY s.id) figures WHERE {' AND '.join(outer)}"
    )
    # Parameters in the order they appear: the SELECT list's, the inner WHERE's, the outer WHERE's.
    return sql, [*xparams, *params, *oparams]


class PgBrowse:
    def __init__(self, db: Database) -> None:
        self.db = db

    def stories(self, query: StoryQuery) -> StoryPage:
        sql, params = _filtered(query)
        with self.db.read() as conn:
            found = conn.execute(
                "SELECT id, first_date, last_date, updated_at, posts, channels, independent, "
                f"COUNT(*) OVER () FROM ({sql}) f ORDER BY {_ORDER[query.sort]} LIMIT %s OFFSET %s",
                (*params, query.limit, query.offset),
            ).fetchall()
            if not found:
                total = 0
                if query.offset:  # a page past the end: the total is still worth saying
                    row = conn.execute(f"SELECT COUNT(*) FROM ({sql}) f", params).fetchone()
                    total = int(row[0]) if row else 0
                return StoryPage((), total)
            ids = [r[0] for r in found]
            hourly: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
            for sid, hour, n in conn.execute(
                "SELECT sp.story_id, p.date / 3600 AS h, COUNT(*) FROM story_posts sp "
                "JOIN posts p ON p.id = sp.post_id WHERE sp.story_id = ANY(%s) "
                "GROUP BY 1, 2 ORDER BY 1, 2",
                (ids,),
            ):
                hourly[sid].append((from_ts(hour * 3600), n))  # type: ignore[arg-type]
            # The first reporter (the earliest post that copies no other, as the provenance view has it)
            # and the lead text (the same, skipping posts without text) of each story.
            first: dict[int, tuple[int, int, str, int]] = {}
            lead: dict[int, str] = {}
            for sid, pid, cid, name, date, text, rn_first, rn_lead in conn.execute(
                "SELECT * FROM (SELECT sp.story_id, p.id, p.channel_id, "
                f"{_NAME}, p.date, p.text, "
                f"ROW_NUMBER() OVER (PARTITION BY sp.story_id ORDER BY {_IS_COPY}, p.date, p.id) AS rf, "
                "ROW_NUMBER() OVER (PARTITION BY sp.story_id "
                f"ORDER BY {_IS_COPY}, TRIM(p.text) = '', p.date, p.id) AS rl "
                "FROM story_posts sp JOIN posts p ON p.id = sp.post_id "
                "JOIN channels c ON c.id = p.channel_id LEFT JOIN post_analysis a ON a.post_id = p.id "
                "WHERE sp.story_id = ANY(%s)) ranked "
                "WHERE rf = 1 OR rl = 1",
                (ids,),
            ):
                if rn_first == 1:
                    first[sid] = (pid, cid, name, date)
                if rn_lead == 1:
                    lead[sid] = text
        rows = []
        for sid, first_date, last_date, updated_at, posts, channels, independent, _total in found:
            pid, cid, name, date = first.get(sid, (0, 0, "", None))
            rows.append(
                StoryRow(
                    id=sid,
                    first_date=from_ts(first_date),  # type: ignore[arg-type]
                    last_date=from_ts(last_date),  # type: ignore[arg-type]
                    posts=posts,
                    channels=channels,
                    independent=independent,
                    updated_at=from_ts(updated_at),
                    first_post_id=pid,
                    first_post_date=from_ts(date),
                    first_channel_id=cid,
                    first_channel=name,
                    lead_text=lead.get(sid, ""),
                    hourly=tuple(hourly.get(sid, ())),
                )
            )
        return StoryPage(tuple(rows), int(found[0][7]))

    def story_ids(self, query: StoryQuery) -> builtins.list[tuple[int, int]]:
        sql, params = _filtered(query)
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT id, posts FROM ({sql}) f ORDER BY {_ORDER[query.sort]}", params)
            return [(int(r[0]), int(r[1])) for r in rows]

    def members(self, story_ids: Sequence[int], per_story: int = 40) -> dict[int, tuple[StoryMember, ...]]:
        out: dict[int, list[StoryMember]] = defaultdict(list)
        with self.db.read() as conn:
            for r in conn.execute(
                "SELECT * FROM (SELECT sp.story_id, p.id, p.channel_id, "
                f"{_NAME}, p.message_id, p.date, p.text, a.language, a.origin_post_id, sp.similarity, "
                "ROW_NUMBER() OVER (PARTITION BY sp.story_id ORDER BY p.date, p.id) AS rn "
                "FROM story_posts sp JOIN posts p ON p.id = sp.post_id "
                "JOIN channels c ON c.id = p.channel_id LEFT JOIN post_analysis a ON a.post_id = p.id "
                "WHERE sp.story_id = ANY(%s)) ranked WHERE rn <= %s ORDER BY 1, rn",
                (list(story_ids), per_story),
            ):
                post = StoredPost(r[1], r[2], r[3], r[4], from_ts(r[5]), r[6], None)  # type: ignore[arg-type]
                out[r[0]].append(StoryMember(post, r[7], r[8], r[9]))
        return {sid: tuple(ms) for sid, ms in out.items()}

    def newest_post(self, before: datetime | None = None) -> datetime | None:
        with self.db.read() as conn:
            if before is None:
                row = conn.execute("SELECT MAX(date) FROM posts").fetchone()
            else:
                row = conn.execute("SELECT MAX(date) FROM posts WHERE date <= %s", (_ts(before),)).fetchone()
        return from_ts(row[0]) if row else None

    def has_posts(self, since: datetime, until: datetime) -> bool:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT 1 FROM posts WHERE date >= %s AND date <= %s LIMIT 1", (_ts(since), _ts(until))
            ).fetchone()
        return row is not None

"""Browsing stories in SQLite: a page of stories with their figures computed by aggregate queries, and the
newest stored post (the store's own "now" for an imported archive)."""

from __future__ import annotations

import builtins
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from svodka.errors import StoreError
from svodka.model import StoredPost, StoryMember, from_ts, utc
from svodka.store.base import STORY_SORTS, StoryPage, StoryQuery, StoryRow
from svodka.store.sqlite.db import Database

_ORDER = {
    "score": "independent DESC, channels DESC, posts DESC, last_date DESC, id DESC",
    "size": "posts DESC, channels DESC, last_date DESC, id DESC",
    "first": "first_date DESC, id DESC",
    "recent": "last_date DESC, id DESC",
}
_NAME = "COALESCE(c.handle, c.title, c.ext_id)"
_IS_COPY = "(a.origin_post_id IS NOT NULL AND a.origin_post_id != p.id)"
_CHUNK = 500


def _ts(dt: datetime) -> int:
    return int(utc(dt).timestamp())


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def _filtered(q: StoryQuery) -> tuple[str, list[object]]:
    """The query of the stories passing ``q`` with their figures (``id, first_date, last_date, posts,
    channels, independent``), and its parameters."""
    if q.sort not in STORY_SORTS:
        raise StoreError(f"stories are sorted by {', '.join(STORY_SORTS)}, not {q.sort!r}")
    where, params = ["s.n_posts >= ?"], list[object]([q.min_posts])
    if q.since is not None:
        where.append("s.last_date >= ?")
        params.append(_ts(q.since))
    if q.until is not None:
        where.append("s.first_date < ?")
        params.append(_ts(q.until))
    if q.story_ids is not None:  # any number of them: one parameter, a JSON array
        where.append("s.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(q.story_ids)))
    having, hparams = ["channels >= ?", "independent >= ?"], [q.min_channels, q.min_independent]
    extra, xparams = "", list[object]()  # figures in the SELECT list that the HAVING tests
    if q.channel_ids is not None:
        extra += f", SUM(p.channel_id IN ({_marks(q.channel_ids) or 'NULL'})) AS covered"
        having.append("covered > 0")
        xparams.extend(q.channel_ids)
    if q.without_channel_ids:
        extra += f", SUM(p.channel_id IN ({_marks(q.without_channel_ids)})) AS uncovered"
        having.append("uncovered = 0")
        xparams.extend(q.without_channel_ids)
    if q.language is not None:
        extra += ", SUM(a.language = ?) AS in_language"
        having.append("in_language > 0")
        xparams.append(q.language)
    sql = (
        "SELECT s.id AS id, s.first_date AS first_date, s.last_date AS last_date, "
        "s.updated_at AS updated_at, COUNT(*) AS posts, "
        "COUNT(DISTINCT p.channel_id) AS channels, "
        f"COUNT(DISTINCT CASE WHEN NOT {_IS_COPY} THEN p.channel_id END) AS independent{extra} "
        "FROM stories s JOIN story_posts sp ON sp.story_id = s.id JOIN posts p ON p.id = sp.post_id "
        "LEFT JOIN post_analysis a ON a.post_id = p.id "
        f"WHERE {' AND '.join(where)} GROUP BY s.id HAVING {' AND '.join(having)}"
    )
    # Parameters in the order they appear: the SELECT list's, the WHERE's, the HAVING's.
    return sql, [*xparams, *params, *hparams]


class SqliteBrowse:
    def __init__(self, db: Database) -> None:
        self.db = db

    def stories(self, query: StoryQuery) -> StoryPage:
        sql, params = _filtered(query)
        with self.db.read() as conn:
            found = conn.execute(
                "SELECT id, first_date, last_date, updated_at, posts, channels, independent, "
                f"COUNT(*) OVER () FROM ({sql}) ORDER BY {_ORDER[query.sort]} LIMIT ? OFFSET ?",
                (*params, query.limit, query.offset),
            ).fetchall()
            if not found:
                total = 0
                if query.offset:  # a page past the end: the total is still worth saying
                    total = conn.execute(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()[0]
                return StoryPage((), int(total))
            ids = [r[0] for r in found]
            marks = _marks(ids)
            hourly: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
            for sid, hour, n in conn.execute(
                "SELECT sp.story_id, p.date / 3600 AS h, COUNT(*) FROM story_posts sp "
                f"JOIN posts p ON p.id = sp.post_id WHERE sp.story_id IN ({marks}) "
                "GROUP BY 1, 2 ORDER BY 1, 2",
                ids,
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
                f"WHERE sp.story_id IN ({marks})) "
                "WHERE rf = 1 OR rl = 1",
                ids,
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
            return [
                (r[0], r[1])
                for r in conn.execute(f"SELECT id, posts FROM ({sql}) ORDER BY {_ORDER[query.sort]}", params)
            ]

    def members(self, story_ids: Sequence[int], per_story: int = 40) -> dict[int, tuple[StoryMember, ...]]:
        out: dict[int, list[StoryMember]] = defaultdict(list)
        ids = list(story_ids)
        with self.db.read() as conn:
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i : i + _CHUNK]
                for r in conn.execute(
                    "SELECT * FROM (SELECT sp.story_id, p.id, p.channel_id, "
                    f"{_NAME}, p.message_id, p.date, p.text, a.language, a.origin_post_id, sp.similarity, "
                    "ROW_NUMBER() OVER (PARTITION BY sp.story_id ORDER BY p.date, p.id) AS rn "
                    "FROM story_posts sp JOIN posts p ON p.id = sp.post_id "
                    "JOIN channels c ON c.id = p.channel_id LEFT JOIN post_analysis a ON a.post_id = p.id "
                    f"WHERE sp.story_id IN ({_marks(chunk)})) WHERE rn <= ? ORDER BY 1, rn",
                    (*chunk, per_story),
                ):
                    post = StoredPost(r[1], r[2], r[3], r[4], from_ts(r[5]), r[6], None)  # type: ignore[arg-type]
                    out[r[0]].append(StoryMember(post, r[7], r[8], r[9]))
        return {sid: tuple(ms) for sid, ms in out.items()}

    def newest_post(self, before: datetime | None = None) -> datetime | None:
        with self.db.read() as conn:
            if before is None:
                row = conn.execute("SELECT MAX(date) FROM posts").fetchone()
            else:
                row = conn.execute("SELECT MAX(date) FROM posts WHERE date <= ?", (_ts(before),)).fetchone()
        return from_ts(row[0])

    def has_posts(self, since: datetime, until: datetime) -> bool:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT 1 FROM posts WHERE date >= ? AND date <= ? LIMIT 1", (_ts(since), _ts(until))
            ).fetchone()
        return row is not None

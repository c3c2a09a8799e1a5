"""Browsing stories in SQLite: a page of stories with their figures computed by aggregate queries, and the
newest stored post (the store's own "now" for an imported archive)."""

from __future__ import annotations

import builtins
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from svodka.model import StoryMember, from_ts
from svodka.store.base import StoryPage, StoryQuery
from svodka.store.records.browse import (
    COUNTED,
    DATES,
    FIGURE_JOINS,
    FIRST_AND_LEAD,
    HAS_POSTS,
    HOURLY,
    MEMBERS,
    NEWEST,
    ORDER,
    PAGE,
    UNIT,
    add_members,
    check_sort,
    story_page,
    ts,
)
from svodka.store.sqlite.db import Database

_CHUNK = 500


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def _filtered(q: StoryQuery) -> tuple[str, list[object]]:
    """The query of the stories passing ``q`` with their figures (``id, first_date, last_date, posts,
    channels, independent``), and its parameters."""
    check_sort(q)
    where, params = ["s.n_posts >= ?"], list[object]([q.min_posts])
    if q.since is not None:
        where.append("s.last_date >= ?")
        params.append(ts(q.since))
    if q.until is not None:
        where.append("s.first_date < ?")
        params.append(ts(q.until))
    if q.story_ids is not None:  # any number of them: one parameter, a JSON array
        where.append("s.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(q.story_ids)))
    having = ["posts >= ?", "channels >= ?", "independent >= ?"]
    hparams = [q.min_posts, q.min_channels, q.min_independent]
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
    where.append(COUNTED)  # not the posts marked not news (records.browse.live)
    sql = (
        f"SELECT s.id AS id, {DATES}, "
        "s.updated_at AS updated_at, COUNT(*) AS posts, "
        "COUNT(DISTINCT p.channel_id) AS channels, "
        f"COUNT(DISTINCT {UNIT}) AS independent{extra} "
        # CROSS JOIN: SQLite keeps stories as the outer loop (its date indexes first) even where the store has
        # never been ANALYZEd, instead of walking every story member before the dates (bench_web at 1M)
        "FROM stories s CROSS JOIN story_posts sp ON sp.story_id = s.id JOIN posts p ON p.id = sp.post_id "
        f"{FIGURE_JOINS} "
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
                PAGE.format(filtered=sql, order=ORDER[query.sort]), (*params, query.limit, query.offset)
            ).fetchall()
            if not found:
                total = 0
                if query.offset:  # a page past the end: the total is still worth saying
                    total = conn.execute(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()[0]
                return StoryPage((), int(total))
            ids = [r[0] for r in found]
            stories = f"IN ({_marks(ids)})"
            hourly = conn.execute(HOURLY.format(stories=stories), ids).fetchall()
            first_and_lead = conn.execute(FIRST_AND_LEAD.format(stories=stories), ids).fetchall()
        return story_page(found, hourly, first_and_lead)

    def story_ids(self, query: StoryQuery) -> builtins.list[tuple[int, int]]:
        sql, params = _filtered(query)
        with self.db.read() as conn:
            return [
                (r[0], r[1])
                for r in conn.execute(f"SELECT id, posts FROM ({sql}) ORDER BY {ORDER[query.sort]}", params)
            ]

    def members(self, story_ids: Sequence[int], per_story: int = 40) -> dict[int, tuple[StoryMember, ...]]:
        out: dict[int, list[StoryMember]] = defaultdict(list)
        ids = list(story_ids)
        with self.db.read() as conn:
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i : i + _CHUNK]
                sql = MEMBERS.format(stories=f"IN ({_marks(chunk)})")
                add_members(out, conn.execute(sql, (*chunk, per_story)))
        return {sid: tuple(ms) for sid, ms in out.items()}

    def newest_post(self, before: datetime | None = None) -> datetime | None:
        with self.db.read() as conn:
            if before is None:
                row = conn.execute(NEWEST).fetchone()
            else:
                row = conn.execute(f"{NEWEST} WHERE date <= ?", (ts(before),)).fetchone()
        return from_ts(row[0]) if row else None

    def has_posts(self, since: datetime, until: datetime) -> bool:
        with self.db.read() as conn:
            row = conn.execute(HAS_POSTS, (ts(since), ts(until))).fetchone()
        return row is not None

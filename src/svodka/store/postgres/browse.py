"""Browsing stories in PostgreSQL: a page of stories with their figures computed by aggregate queries, and
the newest stored post (the store's own "now" for an imported archive)."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from svodka.model import StoryMember, from_ts
from svodka.store.base import StoryPage, StoryQuery
from svodka.store.postgres.db import Database, pyformat
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


def _filtered(q: StoryQuery) -> tuple[str, list[object]]:
    """The query of the stories passing ``q`` with their figures (``id, first_date, last_date, updated_at,
    posts, channels, independent``), and its parameters."""
    check_sort(q)
    where, params = ["s.n_posts >= %s"], list[object]([q.min_posts])
    if q.since is not None:
        where.append("s.last_date >= %s")
        params.append(ts(q.since))
    if q.until is not None:
        where.append("s.first_date < %s")
        params.append(ts(q.until))
    if q.story_ids is not None:
        where.append("s.id = ANY(%s)")
        params.append(list(q.story_ids))
    outer, oparams = (
        ["posts >= %s", "channels >= %s", "independent >= %s"],
        list[object]([q.min_posts, q.min_channels, q.min_independent]),
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
    where.append(COUNTED)  # not the posts marked not news (records.browse.live)
    sql = (
        f"SELECT * FROM (SELECT s.id AS id, {DATES}, "
        "s.updated_at AS updated_at, COUNT(*) AS posts, COUNT(DISTINCT p.channel_id) AS channels, "
        f"COUNT(DISTINCT {UNIT}) AS independent{extra} "
        "FROM stories s JOIN story_posts sp ON sp.story_id = s.id JOIN posts p ON p.id = sp.post_id "
        f"{FIGURE_JOINS} "
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
                pyformat(PAGE).format(filtered=sql, order=ORDER[query.sort]),
                (*params, query.limit, query.offset),
            ).fetchall()
            if not found:
                total = 0
                if query.offset:  # a page past the end: the total is still worth saying
                    row = conn.execute(f"SELECT COUNT(*) FROM ({sql}) f", params).fetchone()
                    total = int(row[0]) if row else 0
                return StoryPage((), total)
            ids = [r[0] for r in found]
            hourly = conn.execute(HOURLY.format(stories="= ANY(%s)"), (ids,)).fetchall()
            first_and_lead = conn.execute(FIRST_AND_LEAD.format(stories="= ANY(%s)"), (ids,)).fetchall()
        return story_page(found, hourly, first_and_lead)

    def story_ids(self, query: StoryQuery) -> builtins.list[tuple[int, int]]:
        sql, params = _filtered(query)
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT id, posts FROM ({sql}) f ORDER BY {ORDER[query.sort]}", params)
            return [(int(r[0]), int(r[1])) for r in rows]

    def members(self, story_ids: Sequence[int], per_story: int = 40) -> dict[int, tuple[StoryMember, ...]]:
        out: dict[int, list[StoryMember]] = defaultdict(list)
        with self.db.read() as conn:
            sql = pyformat(MEMBERS).format(stories="= ANY(%s)")
            add_members(out, conn.execute(sql, (list(story_ids), per_story)))
        return {sid: tuple(ms) for sid, ms in out.items()}

    def newest_post(self, before: datetime | None = None) -> datetime | None:
        with self.db.read() as conn:
            if before is None:
                row = conn.execute(NEWEST).fetchone()
            else:
                row = conn.execute(f"{NEWEST} WHERE date <= %s", (ts(before),)).fetchone()
        return from_ts(row[0]) if row else None

    def has_posts(self, since: datetime, until: datetime) -> bool:
        with self.db.read() as conn:
            row = conn.execute(pyformat(HAS_POSTS), (ts(since), ts(until))).fetchone()
        return row is not None

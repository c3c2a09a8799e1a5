"""Browsing stories as both backends do it: the sort orders, the page's SQL where both dialects write it
alike (``{stories}``: the dialect's test of ``sp.story_id`` against a list of ids), and the assembly of the
rows they return into a :class:`~svodka.store.base.StoryPage`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from svodka.errors import StoreError
from svodka.model import StoredPost, StoryMember, from_ts, utc
from svodka.store.base import STORY_SORTS, StoryPage, StoryQuery, StoryRow

ORDER = {
    "score": "independent DESC, channels DESC, posts DESC, last_date DESC, id DESC",
    "size": "posts DESC, channels DESC, last_date DESC, id DESC",
    "first": "first_date DESC, id DESC",
    "recent": "last_date DESC, id DESC",
}
NAME = "COALESCE(c.title, c.handle, c.ext_id)"
IS_COPY = "(a.origin_post_id IS NOT NULL AND a.origin_post_id != p.id)"


# Whether the store holds a post marked not news: a query's constant (read once), so that the tests of each
# post below cost nothing while no post is marked.
ANY_MARKED = "(SELECT EXISTS (SELECT 1 FROM corrections WHERE kind = 'not-news-post' AND undone_at IS NULL))"


def marked(post: str) -> str:
    """Whether the post ``post`` (a column) is marked not news by an active correction: a test against the
    list of them, which both databases read once per query (not a lookup per post)."""
    return (
        f"{post} IN (SELECT x.subject FROM corrections x "
        "WHERE x.kind = 'not-news-post' AND x.undone_at IS NULL)"
    )


def live(post: str, development: str) -> str:
    """Whether post ``post`` of development ``development`` counts in its figures: not marked not news — as
    the story page and the digest leave such posts out (svodka.process.corrections) — unless every post of
    the development is (then it is hidden, or listed flagged with ``not_news=show``, whole)."""
    return (
        f"(NOT {ANY_MARKED} OR NOT {marked(post)} OR NOT EXISTS (SELECT 1 FROM story_posts l "
        f"WHERE l.story_id = {development} AND NOT {marked('l.post_id')}))"
    )


# The network each channel of one reports as (a dismissed network is none; of several, the newest, as
# :func:`svodka.pipeline.networks.membership` has it).
NETWORK_OF = (
    "SELECT nm.channel_id, MAX(nm.network_id) AS network_id FROM network_members nm "
    "JOIN networks n ON n.id = nm.network_id WHERE n.state != 'dismissed' GROUP BY nm.channel_id"
)
# The figures of development ``s`` from its posts ``p`` (``sp``: their placements) that count (``COUNTED``,
# a condition): what they read after ``posts p`` (``FIGURE_JOINS``: ``a``, a post's analysis; ``net``, its
# channel's network; ``o``, the placement of the post it copies when that one counts in ``s``), the first
# and last date (``DATES``: as stored while no post is marked), and the unit of independent reporting each
# post is (``UNIT``), as :func:`svodka.pipeline.credibility.independent_units` counts them for the story page
# and the digest card: an original is its channel's, or its network's (a network counts once); a copy of a
# post outside the development's posts counted, its origin's; a copy of one inside, none. Integers of three
# kinds that never meet: 3·channel, 3·network + 1, 3·origin + 2.
COUNTED = live("sp.post_id", "s.id")
FIGURE_JOINS = (
    "LEFT JOIN post_analysis a ON a.post_id = p.id "
    f"LEFT JOIN ({NETWORK_OF}) net ON net.channel_id = p.channel_id "
    "LEFT JOIN story_posts o ON o.post_id = a.origin_post_id AND o.story_id = s.id "
    f"AND {live('o.post_id', 's.id')}"
)
DATES = (
    f"CASE WHEN {ANY_MARKED} THEN MIN(p.date) ELSE s.first_date END AS first_date, "
    f"CASE WHEN {ANY_MARKED} THEN MAX(p.date) ELSE s.last_date END AS last_date"
)
UNIT = (
    f"CASE WHEN NOT {IS_COPY} THEN COALESCE(3 * net.network_id + 1, 3 * p.channel_id) "
    "WHEN o.post_id IS NULL THEN 3 * a.origin_post_id + 2 END"
)
# The figures of the stories passing a query (``{filtered}``), a page of them in ``{order}``.
PAGE = (
    "SELECT id, first_date, last_date, updated_at, posts, channels, independent, "
    "COUNT(*) OVER () FROM ({filtered}) f ORDER BY {order} LIMIT ? OFFSET ?"
)
HOURLY = (
    "SELECT sp.story_id, p.date / 3600 AS h, COUNT(*) FROM story_posts sp "
    "JOIN posts p ON p.id = sp.post_id WHERE sp.story_id {stories} "
    f"AND {live('sp.post_id', 'sp.story_id')} GROUP BY 1, 2 ORDER BY 1, 2"
)
# The first reporter (the earliest post that copies no other, as the provenance view has it) and the lead
# text (the same, skipping posts without text) of each story.
FIRST_AND_LEAD = (
    "SELECT * FROM (SELECT sp.story_id, p.id, p.channel_id, "
    f"{NAME}, p.date, p.text, "
    f"ROW_NUMBER() OVER (PARTITION BY sp.story_id ORDER BY {IS_COPY}, p.date, p.id) AS rf, "
    "ROW_NUMBER() OVER (PARTITION BY sp.story_id "
    f"ORDER BY {IS_COPY}, TRIM(p.text) = '', p.date, p.id) AS rl "
    "FROM story_posts sp JOIN posts p ON p.id = sp.post_id "
    "JOIN channels c ON c.id = p.channel_id LEFT JOIN post_analysis a ON a.post_id = p.id "
    "WHERE sp.story_id {stories} "
    f"AND {live('sp.post_id', 'sp.story_id')}) ranked WHERE rf = 1 OR rl = 1"
)
MEMBERS = (
    "SELECT * FROM (SELECT sp.story_id, p.id, p.channel_id, "
    f"{NAME}, p.message_id, p.date, p.text, a.language, a.origin_post_id, sp.similarity, "
    "ROW_NUMBER() OVER (PARTITION BY sp.story_id ORDER BY p.date, p.id) AS rn "
    "FROM story_posts sp JOIN posts p ON p.id = sp.post_id "
    "JOIN channels c ON c.id = p.channel_id LEFT JOIN post_analysis a ON a.post_id = p.id "
    "WHERE sp.story_id {stories} "
    f"AND {live('sp.post_id', 'sp.story_id')}) ranked WHERE rn <= ? ORDER BY 1, rn"
)
NEWEST = "SELECT MAX(date) FROM posts"
HAS_POSTS = "SELECT 1 FROM posts WHERE date >= ? AND date <= ? LIMIT 1"


def ts(dt: datetime) -> int:
    return int(utc(dt).timestamp())


def check_sort(q: StoryQuery) -> None:
    if q.sort not in STORY_SORTS:
        raise StoreError(f"stories are sorted by {', '.join(STORY_SORTS)}, not {q.sort!r}")


def story_page(
    found: Sequence[Sequence[Any]],
    hourly_rows: Iterable[Sequence[Any]],
    first_and_lead: Iterable[Sequence[Any]],
) -> StoryPage:
    """The page of :data:`PAGE` rows ``found`` (not empty), with each story's :data:`HOURLY` counts and its
    :data:`FIRST_AND_LEAD` rows."""
    hourly: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for sid, hour, n in hourly_rows:
        hourly[sid].append((from_ts(hour * 3600), n))  # type: ignore[arg-type]
    first: dict[int, tuple[int, int, str, int]] = {}
    lead: dict[int, str] = {}
    for sid, pid, cid, name, date, text, rn_first, rn_lead in first_and_lead:
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


def add_members(out: dict[int, list[StoryMember]], rows: Iterable[Sequence[Any]]) -> None:
    """The :data:`MEMBERS` ``rows`` added to their stories' lists in ``out``."""
    for r in rows:
        post = StoredPost(r[1], r[2], r[3], r[4], from_ts(r[5]), r[6], None)  # type: ignore[arg-type]
        out[r[0]].append(StoryMember(post, r[7], r[8], r[9]))

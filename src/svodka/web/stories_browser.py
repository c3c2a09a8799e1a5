"""The stories browser: ``/stories`` and ``/api/stories``, every story by period, topic, channel group,
language, size and independent sources, sorted by sources, size, first seen or last activity; paged. Its
list as a table: ``/stories.csv`` and ``/stories.xlsx`` (:func:`export_table`, cells by svodka.web.exports).

The figures of a page come from the database in a fixed number of queries (``store.browse.stories``),
whatever its size; only the topic filter reads posts (each candidate's story whole, once, for the topic its
digest card shows: svodka.digest.card_topic.cached_card_topics, kept per story and size). :func:`story_row`
builds a row, the one place that knows a row's shape. What analysts marked not news is left out unless
``not_news=show`` (then each row says ``not_news``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup
from starlette.responses import Response

from svodka.clock import Now, parse_as_of, store_now
from svodka.digest.card_topic import EMBEDDER, cached_card_topics
from svodka.digest.schema import local
from svodka.errors import InputError
from svodka.i18n import translator
from svodka.model import Story
from svodka.pipeline.coordination import coordinated_dict, coordination
from svodka.pipeline.networks import membership
from svodka.pipeline.story_topics import TOPICS
from svodka.process import corrections
from svodka.store import Store
from svodka.store.base import STORY_SORTS, StoryQuery, StoryRow
from svodka.web import adapters, exports, labels, views
from svodka.web.framework import Ctx, View, route
from svodka.web.labels import N_
from svodka.web.pages import VIEWER

log = logging.getLogger(__name__)

COORDINATION_POSTS = 300  # of a row's story, read to find a coordinated burst (/api/stories)
DEFAULT_HOURS = 24  # with no period given: the day before "now" (the newest post, on an archive)
SORT_NAMES = {
    "score": "independent sources",
    "size": "posts",
    "first": "first seen",
    "recent": "last active",
}


@dataclass(frozen=True, slots=True)
class BrowseParams:
    """What the browser is asked for; ``hours`` counts back from ``as_of`` (or the store's now) when no
    day or span is given (0: the whole store)."""

    day: datetime | None = None
    since: datetime | None = None
    until: datetime | None = None
    hours: int = DEFAULT_HOURS
    as_of: datetime | None = None
    topic: str | None = None
    group: str | None = None
    not_group: str | None = None
    language: str | None = None
    min_posts: int = 2
    min_channels: int = 1
    min_independent: int = 0
    sort: str = "score"
    page: int = 1
    not_news: bool = False  # the stories analysts marked not news too (hidden by default)


def browse_params(ctx: Ctx) -> BrowseParams:
    topic, sort = ctx.param("topic"), ctx.param("sort") or "score"
    if topic and topic not in TOPICS:
        raise InputError("topic", f"not a topic: {topic!r} (one of {', '.join(TOPICS)})")
    if sort not in STORY_SORTS:
        raise InputError("sort", f"stories are sorted by {', '.join(STORY_SORTS)}, not {sort!r}")
    return BrowseParams(
        day=views.parse_day(ctx.param("day"), "day"),
        since=views.parse_day(ctx.param("since"), "since"),
        until=views.parse_day(ctx.param("until"), "until", end=True),
        hours=views.parse_int(ctx.param("hours"), "hours", DEFAULT_HOURS, 0, 24 * 3660),
        as_of=parse_as_of(ctx.param("as_of")),
        topic=topic or None,
        group=ctx.param("group") or None,
        not_group=ctx.param("not_group") or None,
        language=views.parse_language(ctx.param("language")),
        min_posts=views.parse_int(ctx.param("min_posts"), "min_posts", 2, 1, 10**6),
        min_channels=views.parse_int(ctx.param("min_channels"), "min_channels", 1, 1, 10**6),
        min_independent=views.parse_int(ctx.param("min_independent"), "min_independent", 0, 0, 10**6),
        sort=sort,
        page=views.parse_int(ctx.param("page"), "page", 1, 1, 10_000),
        not_news=_shown(ctx.param("not_news")),
    )


def _shown(value: str | None) -> bool:
    """``not_news=show`` lists the stories marked not news too; left out (or ``hide``) hides them."""
    if value in (None, "", "hide"):
        return False
    if value == "show":
        return True
    raise InputError("not_news", f"show or hide, not {value!r}")


def period(store: Store, params: BrowseParams) -> tuple[datetime | None, datetime | None, Now | None]:
    """``(since, until, now)``: a day, a span, or ``hours`` back from the store's now (``now`` then set)."""
    if params.day is not None:
        return params.day, params.day + timedelta(days=1), None
    if params.since is not None or params.until is not None:
        return params.since, params.until, None
    if not params.hours:
        return None, None, None
    now = store_now(store, timedelta(hours=params.hours), params.as_of)
    return now.at - timedelta(hours=params.hours), now.at, now


# --- rows --------------------------------------------------------------------------------------------
def story_row(row: StoryRow) -> dict[str, Any]:
    """One story as the browser lists it (the page and the API alike)."""
    return {
        "id": row.id,
        "headline": views.lead_headline(row.lead_text) or f"Story {row.id}",
        "first_date": row.first_date,
        "last_date": row.last_date,
        "posts": row.posts,
        "channels": row.channels,
        "independent": row.independent,
        "first": {
            "post_id": row.first_post_id,
            "channel_id": row.first_channel_id,
            "channel": row.first_channel,
            "date": row.first_post_date,
        },
        "hourly": [{"hour": h, "posts": n} for h, n in row.hourly],
    }


def timeline_svg(
    hourly: list[dict[str, Any]], language: str = "en", width: int = 120, height: int = 22
) -> Markup:
    """Posts per hour as a small bar chart (inline SVG, no script); more than 72 hours are binned."""
    if not hourly:
        return Markup("")
    start: datetime = hourly[0]["hour"]
    hours = int((hourly[-1]["hour"] - start).total_seconds() // 3600) + 1
    per_bar = max(1, math.ceil(hours / 72))
    bars = [0] * math.ceil(hours / per_bar)
    for h in hourly:
        bars[int((h["hour"] - start).total_seconds() // 3600) // per_bar] += h["posts"]
    top, w = max(bars), width / len(bars)
    say = translator(language, "web")
    tall = [(i, max(1.0, height * n / top)) for i, n in enumerate(bars) if n]
    rects = "".join(
        f'<rect x="{i * w:.1f}" y="{height - h:.1f}" width="{max(w - 0.5, 0.5):.1f}" height="{h:.1f}"/>'
        for i, h in tall
    )
    per = say.gettext("per hour") if per_bar == 1 else say.gettext("per %(n)s hours") % {"n": per_bar}
    title = say.gettext("posts %(per)s: %(posts)s over %(hours)s h, at most %(top)s in one bar") % {
        "per": per,
        "posts": say.ngettext("%(num)s post", "%(num)s posts", sum(bars)) % {"num": sum(bars)},
        "hours": hours,
        "top": top,
    }
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{title}" fill="currentColor"><title>{title}</title>{rects}</svg>'
    )


def stories_view(
    store: Store,
    params: BrowseParams,
    page_size: int,
    offset: int | None = None,
    user_id: int | None = None,
    embedder: str = EMBEDDER,
) -> dict[str, Any]:
    """The browser's data: one page of rows, the total, the period and the "as of" it counts from."""
    since, until, now = period(store, params)
    channel_ids = without = None
    if params.group:
        channel_ids = tuple(c.id for c in store.channels.list(group=params.group))
    if params.not_group:
        without = tuple(c.id for c in store.channels.list(group=params.not_group))
    query = StoryQuery(
        since=since,
        until=until,
        channel_ids=channel_ids,
        without_channel_ids=without or (),
        language=params.language,
        min_posts=params.min_posts,
        min_channels=params.min_channels,
        min_independent=params.min_independent,
        sort=params.sort,
        limit=page_size,
        offset=(params.page - 1) * page_size if offset is None else offset,
    )
    hide = not params.not_news and any(store.corrections.not_news())
    if params.topic or hide:
        candidates = store.browse.story_ids(query)
        if params.topic:
            topics = cached_card_topics(store, candidates, embedder)
            candidates = [(sid, n) for sid, n in candidates if topics.get(sid) == params.topic]
        if hide:  # what analysts marked not news (svodka.process.corrections)
            hidden = corrections.hidden_developments(store, candidates)
            candidates = [(sid, n) for sid, n in candidates if sid not in hidden]
        query = replace(query, story_ids=tuple(sid for sid, _n in candidates))
    found = store.browse.stories(query)
    rows = [story_row(r) for r in found.rows]
    if params.not_news:
        flagged = corrections.hidden_developments(store, [(r.id, r.posts) for r in found.rows])
        for r in rows:
            r["not_news"] = r["id"] in flagged
    if user_id is not None and rows:
        read = store.read_state.read(user_id, "story", [r["id"] for r in rows])
        for r, source in zip(rows, found.rows, strict=True):
            at = read.get(r["id"])
            r["read"] = at is not None
            r["grown_since_read"] = (
                at is not None and source.updated_at is not None and source.updated_at > at
            )
    shown = query.offset + len(rows)
    return {
        "stories": rows,
        "total": found.total,
        "page": params.page,
        "next_page": params.page + 1 if shown < found.total else None,
        "since": since,
        "until": until,
        "as_of": now.at if now else None,
        "as_of_basis": now.basis if now else None,
        "sort": params.sort,
        "not_news": "show" if params.not_news else "hide",
    }


def _form(ctx: Ctx) -> dict[str, str]:
    keys = (
        *("day", "since", "until", "hours", "as_of", "topic", "group", "not_group", "language"),
        *("min_posts", "min_channels", "min_independent", "sort", "not_news"),
    )
    return {k: ctx.param(k) or "" for k in keys}


@route("/stories", VIEWER)
def stories_page(ctx: Ctx) -> View:
    data = stories_view(
        ctx.store,
        browse_params(ctx),
        ctx.config.page_size,
        user_id=ctx.user.id if ctx.user else None,
        embedder=ctx.config.embedder,
    )
    for row in data["stories"]:
        row["timeline_svg"] = timeline_svg(row["hourly"], ctx.language)
    groups = sorted({g for c in ctx.store.channels.list() for g in c.groups})
    choices = {
        "topics": [(t, labels.TOPICS.get(t, t)) for t in TOPICS],
        "groups": groups,
        "languages": views.SEARCH_LANGUAGES,
        "sorts": list(SORT_NAMES.items()),
    }
    return View("stories.html", {**data, **choices, "form": _form(ctx)})


def with_coordination(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with its ``coordinated`` object (svodka.pipeline.coordination), as its story page has it:
    the page's posts read in one query to find the bursts, the few stories with one read whole."""
    nets = membership(store.networks.list())
    members = store.browse.members([r["id"] for r in rows], per_story=COORDINATION_POSTS)
    for r in rows:
        ms = members.get(r["id"])
        found = ms and coordination(Story(r["id"], ms, ms[0].post.date, ms[-1].post.date), nets)
        r["coordinated"] = (
            coordinated_dict(coordination(adapters.story(store, r["id"]), nets)) if found else None
        )
    return rows


@route("/api/stories", VIEWER)
def api_stories(ctx: Ctx) -> dict[str, Any]:
    params = browse_params(ctx)
    limit = views.parse_int(ctx.param("limit"), "limit", 50, 1, 200)
    offset = ctx.param("offset")
    data = stories_view(
        ctx.store,
        params,
        limit,
        offset=None if offset is None else views.parse_int(offset, "offset", 0, 0, 10**6),
        user_id=ctx.user.id if ctx.user else None,
        embedder=ctx.config.embedder,
    )
    return {**data, "stories": with_coordination(ctx.store, data["stories"])}


# --- export (/stories.csv, /stories.xlsx): the browser's filters and sort, the whole list up to a cap --
EXPORT_ROWS = 2000  # the most stories one download holds (the rows after: &page=2, and so on)
EXPORT_COLUMNS = (
    *(N_("id"), N_("headline"), N_("first reporter"), N_("first seen"), N_("last active"), N_("posts")),
    *(N_("channels"), N_("independent sources"), N_("topic"), N_("groups"), N_("storyline"), N_("url")),
)


def export_table(ctx: Ctx) -> tuple[list[str], list[tuple[exports.Cell, ...]]]:
    """The column headers (the page's language) and one row per story the browser lists for the request's
    parameters, ``page`` counting :data:`EXPORT_ROWS` a page; a last row says so when more are left."""
    data = stories_view(ctx.store, browse_params(ctx), EXPORT_ROWS, embedder=ctx.config.embedder)
    rows = data["stories"]
    ids = [r["id"] for r in rows]
    topics = cached_card_topics(ctx.store, [(r["id"], r["posts"]) for r in rows], ctx.config.embedder)
    groups_of = {c.id: c.groups for c in ctx.store.channels.list()}
    groups = {
        sid: sorted({g for m in ms for g in groups_of.get(m.post.channel_id, ())})
        for sid, ms in ctx.store.browse.members(ids, per_story=COORDINATION_POSTS).items()
    }
    lines = _storylines(ctx.store, ids)
    base = str(ctx.request.base_url).rstrip("/")
    tz = ctx.config.tz

    def when(dt: datetime | None) -> datetime | None:
        return None if dt is None else local(dt, tz).replace(tzinfo=None, microsecond=0)

    table: list[tuple[exports.Cell, ...]] = [
        (
            r["id"],
            r["headline"],
            r["first"]["channel"],
            when(r["first"]["date"] or r["first_date"]),
            when(r["last_date"]),
            r["posts"],
            r["channels"],
            r["independent"],
            ctx._(labels.TOPICS.get(topics.get(r["id"], ""), topics.get(r["id"], ""))),
            ", ".join(groups.get(r["id"], [])),
            lines.get(r["id"]),
            f"{base}/stories/{r['id']}",
        )
        for r in rows
    ]
    shown = (data["page"] - 1) * EXPORT_ROWS + len(rows)
    if shown < data["total"]:
        note = ctx._(
            "Stories %(first)s–%(last)s of %(total)s; the next ones: the same link with page=%(page)s",
            first=shown - len(rows) + 1,
            last=shown,
            total=data["total"],
            page=data["page"] + 1,
        )
        table.append((None, note, *([None] * (len(EXPORT_COLUMNS) - 2))))
    return [ctx._(c) for c in EXPORT_COLUMNS], table


def _storylines(store: Store, story_ids: list[int]) -> dict[int, int]:
    """``{story: storyline}`` of the stories in a storyline with another story."""
    line_of = store.storylines.of_stories(story_ids) if story_ids else {}
    sizes = {line: len(store.storylines.stories(line)) for line in set(line_of.values())}
    return {sid: line for sid, line in line_of.items() if sizes[line] >= 2}


@route("/stories.csv", VIEWER)
def stories_csv(ctx: Ctx) -> Response:
    columns, rows = export_table(ctx)
    return exports.download(exports.to_csv(columns, rows), "text/csv; charset=utf-8", "stories.csv")


@route("/stories.xlsx", VIEWER)
def stories_xlsx(ctx: Ctx) -> Response:
    columns, rows = export_table(ctx)
    return exports.download(exports.to_xlsx(ctx._("stories"), columns, rows), exports.XLSX, "stories.xlsx")

"""What each page shows, as plain data: the HTML templates and the JSON API render the same dicts.

Every function here takes the store and parsed parameters and returns JSON-able data (datetimes stay
``datetime``; the JSON encoder writes ISO 8601).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from svodka.clock import Now, store_now
from svodka.collect.registry import channel_named
from svodka.digest.evidence import story_channels
from svodka.digest.voice import Voice, difference_line
from svodka.errors import InputError, NotFoundError
from svodka.links import opens_publicly, safe_url
from svodka.model import (
    PLATFORM_TELEGRAM,
    Channel,
    ChannelActivity,
    ChannelRef,
    SearchHit,
    SourceState,
    StoredPost,
    Story,
)
from svodka.pipeline.coordination import coordinated_dict
from svodka.pipeline.credibility import independent_units
from svodka.pipeline.differences import Difference
from svodka.pipeline.headline import MAX_CHARS, clean_headline, shorten
from svodka.pipeline.language import LANGUAGES
from svodka.pipeline.networks import channel_network, membership
from svodka.pipeline.summarize import Summary, clean_text
from svodka.store import Store
from svodka.store.base import SEARCH_RANK_WINDOW
from svodka.web import adapters, markup, story_model
from svodka.web.provenance import Provenance, provenance
from svodka.web.ttl import Ttl

ACTIVITY_TTL_S = 60.0  # channel statistics scan every post: kept a minute (svodka.web.ttl)
# The statistics (a list of ChannelActivity) and a channel's page (a dict) share it: one clear() for both.
ACTIVITY: Ttl[Any] = Ttl(lambda: ACTIVITY_TTL_S)
SEARCH_LANGUAGES = (*LANGUAGES, "und")  # what the pipeline's language stage writes ("und": cannot tell)


# --- parameters --------------------------------------------------------------------------------------
def parse_day(text: str | None, name: str, end: bool = False) -> datetime | None:
    """``YYYY-MM-DD`` (or a full ISO time) as UTC; with ``end`` a bare day means the end of that day."""
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(name, f"not a date (YYYY-MM-DD): {text!r}") from None
    try:
        dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
        if end and len(text.strip()) == 10:
            dt += timedelta(days=1)
        dt.timestamp()
    except (OverflowError, ValueError, OSError):
        raise InputError(name, f"date out of range: {text!r}") from None
    return dt


def parse_language(text: str | None, name: str = "language") -> str | None:
    """A language the pipeline tells (``ru``, ``en``, …, ``und``), or None for any."""
    if not text:
        return None
    if text not in SEARCH_LANGUAGES:
        raise InputError(
            name, f"not a language svodka tells apart: {text!r} (one of {', '.join(SEARCH_LANGUAGES)})"
        )
    return text


def parse_int(text: str | None, name: str, default: int, lo: int = 0, hi: int = 10**12) -> int:
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise InputError(name, f"not a whole number: {text!r}") from None
    if not lo <= value <= hi:
        raise InputError(name, f"must be between {lo} and {hi}, not {value}")
    return value


# --- records -----------------------------------------------------------------------------------------
def post_dict(p: StoredPost) -> dict[str, Any]:
    return {
        "id": p.id,
        "channel_id": p.channel_id,
        "channel": p.channel,
        "message_id": p.message_id,
        "date": p.date,
        "text": p.text,
        "url": safe_url(p.url),  # stored before the import edge checked it, or by a plugin: not a link
        "views": p.views,
        "forwards": p.forwards,
        "forwarded_from": (
            None
            if p.fwd_ext_id is None and p.fwd_handle is None and p.fwd_name is None
            else {
                "platform": p.fwd_platform,
                "ext_id": p.fwd_ext_id,
                "tg_id": p.fwd_tg_id,
                "handle": p.fwd_handle,
                "name": p.fwd_name,
                "message_id": p.fwd_message_id,
            }
        ),
        "edited": p.edited,
        "deleted_at": p.deleted_at,
        "versions": p.versions,
    }


def channel_dict(
    c: Channel, a: ChannelActivity | None = None, credibility: dict[str, Any] | None = None
) -> dict[str, Any]:
    row = c.as_dict()
    if a is not None:
        row["stats"] = {
            "posts": a.posts,
            "first": a.first,
            "last": a.last,
            "posts_per_day": round(a.posts_per_day, 2),
            "median_views": a.median_views,
            "forwarded": a.forwarded,
            "share_original": None if a.share_original is None else round(a.share_original, 4),
            "share_copied": None if a.share_copied is None else round(a.share_copied, 4),
            "copied_by_posts": a.copied_by_posts,
            "copied_by_channels": a.copied_by_channels,
            "near_copies": a.near_copies,  # re-published without a forward (found by `svodka process`)
            # Needs stories (corroboration by independent channels); None until the pipeline has run.
            "corroboration_rate": credibility["corroboration_rate"] if credibility else None,
        }
    return row


_MATCH = re.compile(r"\[([^\[\]\s]+)\](?!\()")


def highlight(snippet: str) -> Markup:
    """The store's ``[match]`` snippet as safe HTML with ``<mark>``."""
    # Telegram texts carry markdown: the store's [match] brackets (one word each, no link after them) are
    # set apart first, so a link's [text](url) — with a match inside or cut off at the snippet's edge —
    # reads as its text, and no marker is left (svodka.web.markup.plain_text).
    marked = _MATCH.sub(lambda m: f"\ue000{m.group(1)}\ue001", snippet)
    html = str(escape(markup.plain_text(marked)))
    return Markup(html.replace("\ue000", "<mark>").replace("\ue001", "</mark>"))


def plain(text: str) -> str:
    """Telegram markdown as a reader sees it: ``[text](url)`` as its text, no bold/italic/code markers."""
    text = re.sub(r"\[([^\[\]]*)\]\((?:https?://|tg://)[^)\s]*\)", r"\1", text)
    return re.sub(r"\*\*|__|`+", "", text)


def headline(story: Story) -> str:
    """A list's headline: the first line of the story's earliest original post, cleaned and cut as the
    digest's headline is (the story page and the digest show :func:`svodka.pipeline.summarize.summarize`'s).
    """
    members = story.originals or story.members
    return lead_headline(next((m.post.text for m in members if m.post.text.strip()), ""))


@lru_cache(maxsize=4096)
def lead_headline(text: str) -> str:
    """The headline a list shows for a story whose earliest original post says ``text`` (a pure function
    of it, kept for the texts seen last: a story page's corrections part heads each of its posts so)."""
    line = clean_headline(clean_text(text).split("\n", 1)[0])
    return shorten(line) or (line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 1].rstrip() + "…")


def cited_summary(summary: Summary) -> list[dict[str, Any]]:
    """The key sentences of ``summary``, each with its link as the digest card gives it: the post's own
    when it opens for anyone (``t.me/<handle>/<msg>``, a feed item), else the post's page here with the
    ``t.me/c`` link as ``alt_url``, a secondary one (:func:`svodka.links.public_post_url`)."""
    out = []
    for c in summary.sentences:
        own = safe_url(c.url)
        public = opens_publicly(own)
        url = own if public else f"/posts/{c.post_id}"
        alt = safe_url(c.alt_url) or (None if public else own)
        out.append({"text": c.text, "post_id": c.post_id, "channel": c.channel, "url": url, "alt_url": alt})
    return out


def story_card(story: Story, networks: Mapping[int, int], summary: Summary | None = None) -> dict[str, Any]:
    """A story's card; ``networks`` (channel → network, :func:`membership` of the store's): a network is one
    source, so every card says the number its story page says."""
    return {
        "id": story.id,
        "headline": summary.headline.text if summary else headline(story),
        "first_date": story.first_date,
        "last_date": story.last_date,
        "posts": len(story.members),
        "channels": len(story.channels),
        "independent": len(independent_units(story, networks)),  # sources, as the digest card counts them
        "copied": len(story.members) - len(story.originals),
    }


# --- pages -------------------------------------------------------------------------------------------
def activity(store: Store, channel_id: int | None = None) -> dict[int, ChannelActivity]:
    rows = ACTIVITY.get(store, channel_id, lambda: store.channel_stats.activity(channel_id))
    return {a.channel_id: a for a in rows}


def channels_page(store: Store, group: str | None = None) -> dict[str, Any]:
    stats = activity(store)
    chans = store.channels.list(group=group or None)
    groups = sorted({g for c in store.channels.list() for g in c.groups})
    cred = adapters.credibility(store, [c.id for c in chans])
    return {
        "group": group,
        "groups": groups,
        "channels": [channel_dict(c, stats.get(c.id), cred.get(c.id)) for c in chans],
    }


def _days(rows: list[tuple[str, int]], max_span: int = 92) -> list[dict[str, Any]]:
    """Posts per day, the days without posts in between as 0 (for a chart) when the days span at most
    ``max_span`` days; else the active days alone."""
    counts = dict(rows)
    if len(rows) > 1:
        first, last = date.fromisoformat(rows[0][0]), date.fromisoformat(rows[-1][0])
        span = (last - first).days + 1
        if span <= max_span:
            days = [(first + timedelta(days=i)).isoformat() for i in range(span)]
            return [{"day": d, "posts": counts.get(d, 0)} for d in days]
    return [{"day": d, "posts": n} for d, n in rows]


def channel_page(store: Store, channel_id: int) -> dict[str, Any]:
    """A channel's statistics, readers and sources, latest posts (kept a minute, like the statistics)."""
    return ACTIVITY.get(store, ("page", channel_id), lambda: _channel_page(store, channel_id))


def _channel_page(store: Store, channel_id: int) -> dict[str, Any]:
    channel = store.channels.by_id(channel_id)
    a = activity(store, channel_id).get(channel_id)
    cred = adapters.credibility(store, [channel_id]).get(channel_id)
    channels = {c.id: c for c in store.channels.list()}
    names = {i: c.name for i, c in channels.items()}  # the JSON's keys, as `svodka channels networks --json`
    titles = {i: c.display_name for i, c in channels.items()}  # what the page shows
    copiers = [
        (channels.get(cid) or store.channels.by_id(cid), n)
        for cid, n in store.channel_stats.copiers(channel_id)
    ]
    return {
        "channel": channel_dict(channel, a, cred),
        "daily": _days(store.channel_stats.daily(channel_id)),
        "copied_by": [
            {"channel_id": c.id, "channel": c.name, "title": c.display_name, "posts": n} for c, n in copiers
        ],
        "copies_from": [{"channel": name, "posts": n} for name, n in store.channel_stats.sources(channel_id)],
        "recent": [post_dict(store.posts.get(i)) for i in store.channel_stats.recent(channel_id)],
        "credibility": cred,
        "network": channel_network(store.networks, channel_id, names, titles),
    }


def search_page(store: Store, params: SearchParams, page_size: int) -> dict[str, Any]:
    channel_ids: list[int] | None = None
    if params.channel:
        channel_ids = [channel_named(store.channels, params.channel).id]
    if params.group:
        in_group = [c.id for c in store.channels.list(group=params.group)]
        channel_ids = in_group if channel_ids is None else [i for i in channel_ids if i in in_group]
    data: dict[str, Any] = {
        "query": params.query,
        "filters": params.filters(),
        "sort": params.sort,
        "page": params.page,
        "total": 0,
        "hits": [],
        "next_page": None,
        "stories": [],
        "ranked_among_newest": SEARCH_RANK_WINDOW,
    }
    if not re.search(r"\w", params.query):  # no word to look for: nothing matches
        return data
    if channel_ids == []:  # a group without channels matches nothing
        return data
    if params.sort not in SEARCH_SORTS:
        raise InputError(
            "sort", f"search results are sorted by {' or '.join(SEARCH_SORTS)}, not {params.sort!r}"
        )
    search = store.posts.search if params.sort == "relevance" else store.posts.search_recent
    where = (channel_ids, params.since, params.until, params.language)
    hits = search(params.query, page_size + 1, (params.page - 1) * page_size, *where)
    data["total"] = store.posts.count_matches(params.query, *where)
    data["hits"] = grouped_hits(store, hits[:page_size])
    data["next_page"] = params.page + 1 if len(hits) > page_size else None
    if params.page == 1:
        nets = membership(store.networks.list())  # a channel network is one source, as on the story page
        data["stories"] = [story_card(s, nets) for s in adapters.search_stories(store, params.query)]
    return data


def grouped_hits(store: Store, hits: list[SearchHit]) -> list[dict[str, Any]]:
    """The hits of a page, identical posts of several channels as one (the best placed) with the others
    listed under ``same_text``: the same normalised text (the pipeline's), or the same words."""
    analysed = store.analysis.get_many([h.post.id for h in hits])
    groups: dict[object, dict[str, Any]] = {}
    for h in hits:
        a = analysed.get(h.post.id)
        if a is not None and a.norm_text.strip():
            key: tuple[str, object] = ("norm", a.norm_text)
        else:
            text = " ".join(h.post.text.lower().split())
            key = ("text", text) if text else ("post", h.post.id)
        if key in groups:
            groups[key]["same_text"].append(post_dict(h.post))
            continue
        groups[key] = {
            "post": post_dict(h.post),
            "snippet": h.snippet,
            "rank": round(h.rank, 4),
            "same_text": [],
        }
    return list(groups.values())


SEARCH_SORTS = ("relevance", "date")


@dataclass(frozen=True, slots=True)
class SearchParams:
    query: str = ""
    channel: str | None = None
    group: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    language: str | None = None
    page: int = 1
    sort: str = "relevance"

    def filters(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "group": self.group,
            "since": self.since,
            "until": self.until,
            "language": self.language,
        }


def health_row(s: SourceState, now: datetime) -> dict[str, Any]:
    waiting = (s.next_attempt - now).total_seconds() if s.next_attempt and s.next_attempt > now else 0.0
    if s.last_error_at and (s.last_success is None or s.last_error_at > s.last_success):
        status = "failing"
    elif s.last_success is None:
        status = "never collected"
    else:
        status = "ok"
    return {
        "key": s.key,
        "status": status,
        "last_success": s.last_success,
        "last_error": s.last_error,
        "last_error_at": s.last_error_at,
        "failures": s.failures,
        "backoff_s": round(waiting),
        "next_attempt": s.next_attempt,
        "position": s.position,
        "posts_collected": s.posts_collected,
    }


def health_page(store: Store, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    rows = [health_row(s, now) for s in store.state.all()]
    return {
        "now": now,
        "sources": rows,
        "failing": sum(r["status"] == "failing" for r in rows),
        "posts": store.posts.count(),
        # the alert outbox per target and its dead letters (svodka.monitor), beside collection
        "outbox": store.alerts.outbox(),
        "dead_letters": store.alerts.dead(limit=20),
    }


def post_page(store: Store, post_id: int) -> dict[str, Any]:
    p = store.posts.get(post_id)
    origin = None
    if p.fwd_message_id is not None and (p.fwd_ext_id is not None or p.fwd_handle):
        ref = ChannelRef(p.fwd_platform or PLATFORM_TELEGRAM, handle=p.fwd_handle, ext_id=p.fwd_ext_id)
        ch = store.channels.find(ref)
        found = store.posts.by_key(ch.id, p.fwd_message_id) if ch else None
        origin = post_dict(found) if found else None
    copies = [post_dict(store.posts.get(i)) for i in store.channel_stats.copies_of(post_id)]
    return {
        "post": post_dict(p),
        "origin": origin,
        "copies": copies,
        "versions": [
            {"version": v.version, "text": v.text, "edited": v.edited, "seen_at": v.seen_at}
            for v in store.posts.versions(post_id)
        ],
    }


STORY_PAGE_SIZE = 25  # reports (each with its copies folded under it) per page of a story's timeline


def _thread(prov: Provenance) -> list[dict[str, Any]]:
    """The story's reports in time order, each copy folded under the report it copies (a copy of a copy
    under the first report of its chain); a copy of a post outside the story stands as a report."""
    origin_of = {c.post.id: c.origin.id for c in prov.copies if c.origin is not None}
    members = {m.post.id for m in prov.timeline}
    copies = {c.post.id: c for c in prov.copies}

    def root(pid: int) -> int:
        seen = {pid}
        while origin_of.get(pid) in members and origin_of[pid] not in seen:
            pid = origin_of[pid]
            seen.add(pid)
        return pid

    heads: dict[int, dict[str, Any]] = {}
    for m in prov.timeline:
        head = root(m.post.id)
        if head == m.post.id:
            heads[head] = {
                "post": post_dict(m.post),
                "language": m.language,
                "copy": m.post.id in copies,
                "copies": [],
            }
        else:
            c = copies[m.post.id]
            heads[head]["copies"].append(
                {
                    "post": post_dict(c.post),
                    "kind": c.kind,
                    "origin_id": c.origin.id if c.origin else None,
                    "delay_s": c.delay_s,
                }
            )
    return list(heads.values())


def difference_dict(d: Difference, language: str = "en") -> dict[str, Any]:
    """How a story's sources differ, its ``line`` in ``language`` as the digest's JSON words it
    (:func:`svodka.digest.voice.difference_line`)."""
    quotes = [{**asdict(q), "url": safe_url(q.url)} for q in d.quotes]
    return {
        "kind": d.kind,
        "subject": d.subject,
        "line": difference_line(d, Voice(language)),
        "sources": d.sources,
        "of": d.of,
        "quotes": quotes,
    }


def story_page(
    store: Store, story_id: int, tz: str = "UTC", page: int = 1, language: str = "en"
) -> dict[str, Any]:
    """A story with the headline and summary its digest card shows (times of changing figures in ``tz``);
    ``thread`` is page ``page`` of its reports with their copies (``timeline``: every post); the lines of
    how its sources differ in ``language`` (the page's). Kept while the store is unchanged
    (:func:`svodka.web.story_model.as_of_stamp`)."""
    key = ("story", story_id, tz, page, language, STORY_PAGE_SIZE)  # the page size as set when asked
    kept = story_model.as_of_stamp(store, key, lambda: _story_page(store, story_id, tz, page, language))
    return dict(kept)  # a copy: the page adds its storyline and corrections to it


def _story_page(store: Store, story_id: int, tz: str, page: int, language: str) -> dict[str, Any]:
    s = adapters.story(store, story_id)
    chans = story_channels(store, s)

    def lookup(pid: int) -> StoredPost | None:
        try:
            return store.posts.get(pid)
        except NotFoundError:
            return None

    prov = provenance(s, chans, lookup)
    stats = activity(store)
    cred = adapters.credibility(store, list(chans))
    # The digest card's headline and key sentences: one function computes them for both.
    summary = story_model.summary(store, s, tz, {cid: c.tier for cid, c in chans.items()})
    thread = _thread(prov)
    pages = max(1, -(-len(thread) // STORY_PAGE_SIZE))
    page = min(max(page, 1), pages)
    copy_ids = {c.post.id for c in prov.copies}
    nets = membership(store.networks.list())  # a channel network is one source
    ev = story_model.story_evidence(s, chans, nets)  # as `svodka story ID` and the digest card show it
    return {
        "story": story_card(s, nets, summary),
        "summary": cited_summary(summary),
        "developments": developments(store, story_id),
        "groups": ev.groups,  # coverage by channel group
        "first": post_dict(prov.first),
        "independent": prov.independent,  # original posts
        "independent_sources": ev.independent,  # the digest card's figure
        "independent_channels": prov.independent_channels,
        "copied": prov.copied,
        "tz": tz,
        "differences": [difference_dict(d, language) for d in ev.differences],  # how the sources differ
        "coordinated": coordinated_dict(ev.coordinated),  # a seeding campaign, with its evidence
        "thread": thread[(page - 1) * STORY_PAGE_SIZE : page * STORY_PAGE_SIZE],
        "reports": len(thread),
        "page": page,
        "pages": pages,
        "timeline": [
            {"post": post_dict(m.post), "language": m.language, "copy": m.post.id in copy_ids}
            for m in prov.timeline
        ],
        "copies": [
            {
                "post": post_dict(c.post),
                "kind": c.kind,
                "origin": post_dict(c.origin) if c.origin else None,
                "delay_s": c.delay_s,
            }
            for c in prov.copies
        ],
        "channels": [
            {
                "channel_id": r.channel_id,
                "name": r.name,
                "tier": r.tier,
                "posts": r.posts,
                "originals": r.originals,
                "copies": r.copies,
                "first_date": r.first_date,
                "was_first": r.was_first,
                "share_original": stats[r.channel_id].share_original if r.channel_id in stats else None,
                "copied_by_posts": stats[r.channel_id].copied_by_posts if r.channel_id in stats else None,
                "credibility": cred.get(r.channel_id),
            }
            for r in prov.channels
        ],
    }


def developments(store: Store, development_id: int) -> list[dict[str, Any]]:
    """The developments of the story this one is part of, oldest first, and why each joined."""
    development_id = store.stories.resolve(development_id)  # an id merged away: the one it went to
    story = store.developments.story_of([development_id]).get(development_id, development_id)
    ids = store.developments.developments(story)
    why: dict[int, list[str]] = {}
    for a, b, _score, signals in store.developments.links(ids):
        why.setdefault(b, []).append(f"#{a}: {signals}")
    out = []
    for d in ids:
        try:
            part = store.stories.get(d)
        except NotFoundError:
            continue
        lead = " ".join(part.members[0].post.text.split())[:140]
        out.append(
            {
                "id": d,
                "lead": lead,
                "posts": len(part.members),
                "first_date": part.first_date,
                "last_date": part.last_date,
                "current": d == development_id,
                "joined_by": why.get(d, []),
            }
        )
    return out


def trending_page(store: Store, hours: float = 6.0, now: Now | None = None) -> dict[str, Any]:
    """Stories growing fastest in the ``hours`` before ``now`` (by default the store's: the newest post's
    time on an archive with nothing posted in the window, see :func:`svodka.clock.store_now`)."""
    now = now or store_now(store, timedelta(hours=hours))
    nets = membership(store.networks.list())  # a channel network is one source, as on the story page
    return {
        "hours": hours,
        "as_of": now.at,
        "as_of_basis": now.basis,
        "stories": [
            {
                **story_card(t.story, nets),
                "recent": t.recent,
                "before": t.before,
                "recent_channels": t.channels,
                "growth": round(t.growth, 2),
            }
            for t in adapters.trending(store, hours=hours, now=now.at)
        ],
    }

"""Coordinated posting: one text seeded across unrelated channels in a short window, with a campaign's marks.

A paid seeding campaign («посев») puts the same text into channels that are otherwise unrelated (not one
network, :mod:`svodka.pipeline.networks`) within hours, and leaves marks: an ad label (``erid``, «Реклама»),
the same tracked link (``utm_…``, ``erid=``, a shortener) or the same promo code. A **burst** is a group of
near-identical texts (one copy group, or one normalised text) from at least
:attr:`CoordinationOptions.min_outlets` outlets (a network is one outlet) within
:attr:`CoordinationOptions.window_minutes`, where a mark is shared by posts of two outlets or more: wire news
copied by aggregators minutes later carries no such mark and is no campaign, and two unrelated channels
posting one text with one erid or tracked link within hours are one. Copies already count once as a
source; a story whose only reports are one campaign is **coordinated only** and is kept out of the digest's
top (:func:`coordinated_only`) — unless independent channels report the event too. :func:`coordination`
is what a story's card, page and the API show: the channels, the window, the marks and the posts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from svodka.links import safe_url
from svodka.model import Story
from svodka.pipeline.credibility import outlet

_URL = re.compile(r"https?://[^\s)\]>\"'«»]+", re.IGNORECASE)
_TRACKING = re.compile(r"[?&](utm_[a-z]+|erid|clid|yclid|gclid|ref|aff|promo|sub[0-9]?)=", re.IGNORECASE)
_SHORTENERS = frozenset(
    {"clck.ru", "vk.cc", "bit.ly", "tinyurl.com", "goo.su", "cutt.ly", "t.ly", "u.to", "ya.cc", "surl.li"}
)
_ERID = re.compile(r"\berid[\s:=]*([\w-]{6,})", re.IGNORECASE)
_LABEL = re.compile(r"(#?\bреклама\b|на правах рекламы|\bpartner content\b|\bsponsored\b)", re.IGNORECASE)
_PROMO_CODE = re.compile(r"промокод\w*\s*[«\"“:—–-]*\s*([A-Za-z0-9_-]{4,})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CoordinationOptions:
    window_minutes: float = 180.0  # a campaign's posts go out within hours
    min_outlets: int = 2  # outlets (a network is one) carrying the same marked text
    min_marked: int = 2  # outlets a mark must be shared by


@dataclass(frozen=True, slots=True)
class BurstPost:
    """A post as the burst finder sees it; ``group`` says which posts carry the same text (a copy group's
    first post, or the normalised text's hash)."""

    post_id: int
    channel_id: int
    date: float  # Unix seconds
    text: str
    links: tuple[str, ...]
    group: int


@dataclass(frozen=True, slots=True)
class Burst:
    """A coordinated burst and its evidence."""

    posts: tuple[int, ...]
    channels: tuple[int, ...]
    outlets: int
    first: float  # Unix seconds
    span_s: float
    marks: tuple[str, ...]  # shared by two outlets or more: "erid …", "label", "link host/path", "promo …"

    def explain(self) -> str:
        return (
            f"coordinated: the same text in {self.outlets} unrelated channels within "
            f"{self.span_s / 60:.0f} min, sharing {', '.join(self.marks)}"
        )


def marks(text: str, links: Iterable[str] = ()) -> set[str]:
    """A post's campaign marks: its erid, an ad label, tracked or shortened links, promo codes."""
    found: set[str] = set()
    for m in _ERID.finditer(text):
        found.add(f"erid {m.group(1).lower()}")
    for url in (*_URL.findall(text), *links):
        if "erid=" in url.lower():
            found.add(f"erid {url.lower().split('erid=', 1)[1].split('&', 1)[0]}")
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        if host in _SHORTENERS or _TRACKING.search(url):
            found.add(f"link {host}{parts.path.rstrip('/')}")
    if _LABEL.search(text):
        found.add("label")
    for m in _PROMO_CODE.finditer(text):
        found.add(f"promo {m.group(1).upper()}")
    return found


def find_bursts(
    posts: Sequence[BurstPost],
    networks: Mapping[int, int] | None = None,
    options: CoordinationOptions | None = None,
) -> list[Burst]:
    """The coordinated bursts among ``posts``: per text group, the posts within the window of the group's
    earliest one (then of the next left over), from enough outlets, sharing a mark; earliest first."""
    opt = options or CoordinationOptions()
    window = opt.window_minutes * 60
    groups: dict[int, list[BurstPost]] = defaultdict(list)
    for p in posts:
        groups[p.group].append(p)
    out: list[Burst] = []
    for members in groups.values():
        members.sort(key=lambda p: (p.date, p.post_id))
        i = 0
        while i < len(members):
            j = i
            while j < len(members) and members[j].date - members[i].date <= window:
                j += 1
            burst = _burst(members[i:j], networks, opt)
            if burst is not None:
                out.append(burst)
            i = j
    return sorted(out, key=lambda b: (b.first, b.posts))


def _burst(
    posts: Sequence[BurstPost], networks: Mapping[int, int] | None, opt: CoordinationOptions
) -> Burst | None:
    outlets = {outlet(p.channel_id, networks) for p in posts}
    if len(outlets) < opt.min_outlets:
        return None
    marked: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for p in posts:
        for mark in marks(p.text, p.links):
            marked[mark].add(outlet(p.channel_id, networks))
    shared = sorted(m for m, who in marked.items() if len(who) >= opt.min_marked)
    if not shared and opt.min_marked > 0:
        return None
    return Burst(
        posts=tuple(p.post_id for p in posts),
        channels=tuple(sorted({p.channel_id for p in posts})),
        outlets=len(outlets),
        first=posts[0].date,
        span_s=posts[-1].date - posts[0].date,
        marks=tuple(shared),
    )


def story_bursts(
    story: Story, networks: Mapping[int, int] | None = None, options: CoordinationOptions | None = None
) -> list[Burst]:
    """The coordinated bursts in a story: its copy groups (an original and the copies of it)."""
    ids = {m.post.id for m in story.members}
    items = [
        BurstPost(
            m.post.id,
            m.post.channel_id,
            m.post.date.timestamp(),
            m.post.text,
            m.post.links,
            m.origin_post_id if m.origin_post_id is not None and m.origin_post_id in ids else m.post.id,
        )
        for m in story.members
    ]
    return find_bursts(items, networks, options)


def coordinated_only(
    story: Story, networks: Mapping[int, int] | None = None, options: CoordinationOptions | None = None
) -> bool:
    """Whether every channel of the story is in one of its coordinated bursts: nobody independent of the
    campaign reports the event."""
    bursts = story_bursts(story, networks, options)
    if not bursts:
        return False
    seeded = {c for b in bursts for c in b.channels}
    return all(m.post.channel_id in seeded for m in story.members)


@dataclass(frozen=True, slots=True)
class SeededPost:
    """One post of a coordinated burst, as the evidence links it."""

    post_id: int
    channel: str
    date: datetime
    url: str | None  # safe_url'ed: None where the post has no link that may be opened


@dataclass(frozen=True, slots=True)
class Coordinated:
    """A story's coordinated posting, its evidence gathered over its bursts (card, story page, API)."""

    channels: tuple[str, ...]  # the channels that carried a burst, in the order they posted
    first: datetime
    last: datetime
    marks: tuple[str, ...]  # shared by two outlets or more: "erid …", "label", "link host/path", "promo …"
    posts: tuple[SeededPost, ...]
    outlets: int  # of the largest burst (a network is one outlet)
    only: bool  # every channel of the story is in a burst: nobody independent of the campaign reports it

    @property
    def minutes(self) -> int:
        return round((self.last - self.first).total_seconds() / 60)

    def line(self) -> str:
        """«coordinated: the same text in 3 unrelated channels within 15 min, sharing erid …, label»."""
        n, marks = len(self.channels), ", ".join(self.marks)
        line = f"coordinated: the same text in {n} unrelated channels within {self.minutes} min"
        line += f", sharing {marks}"
        return line + ("; no independent report" if self.only else "")


def coordination(
    story: Story, networks: Mapping[int, int] | None = None, options: CoordinationOptions | None = None
) -> Coordinated | None:
    """The story's coordinated posting with its evidence, or None where it has no burst."""
    bursts = story_bursts(story, networks, options)
    if not bursts:
        return None
    seeded = {p for b in bursts for p in b.posts}
    members = sorted(
        (m for m in story.members if m.post.id in seeded), key=lambda m: (m.post.date, m.post.id)
    )
    channels = {c for b in bursts for c in b.channels}
    return Coordinated(
        channels=tuple(dict.fromkeys(m.post.channel for m in members)),
        first=members[0].post.date,
        last=members[-1].post.date,
        marks=tuple(sorted({k for b in bursts for k in b.marks})),
        posts=tuple(
            SeededPost(m.post.id, m.post.channel, m.post.date, safe_url(m.post.url)) for m in members
        ),
        outlets=max(b.outlets for b in bursts),
        only=all(m.post.channel_id in channels for m in story.members),
    )


def coordinated_dict(c: Coordinated | None) -> dict[str, object] | None:
    """The ``coordinated`` object of ``/api/stories/{id}`` and ``/api/stories`` (the JSON writes the times
    as ISO 8601, the story page in its zone)."""
    if c is None:
        return None
    return {
        "line": c.line(),
        "channels": list(c.channels),
        "outlets": c.outlets,
        "window": {
            "first": c.first,
            "last": c.last,
            "minutes": c.minutes,
        },
        "markers": list(c.marks),
        "links": [
            {"post_id": p.post_id, "channel": p.channel, "date": p.date, "url": p.url} for p in c.posts
        ],
        "only": c.only,
    }

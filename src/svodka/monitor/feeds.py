"""RSS 2.0 and Atom feeds of digests (per job), of stories (by group, topic, language) and of a watchlist's
matches (its alerts), each behind a URL that carries its own revocable secret, since feed readers cannot
log in: ``/feeds/rss/<secret>`` or ``/feeds/atom/<secret>``. Only the secret's SHA-256 is stored
(``store.feeds``, migration 0019); the web app keeps it out of its access log (svodka.web.feeds)."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from feedgen.feed import FeedGenerator

from svodka.digest.card_topic import EMBEDDER, cached_card_topics
from svodka.errors import ConfigError, NotFoundError
from svodka.model import Story
from svodka.store import Store
from svodka.store.base import AlertRecord, FeedToken, StoredWatchlist

log = logging.getLogger(__name__)

KINDS = ("digest", "stories", "watchlist")
FORMATS = ("rss", "atom")
PREFIX = "svf_"
SCAN = 1000  # a stories feed looks at the most recently active stories …
LIMIT = 50  # … and shows at most this many entries (as any feed)


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """What a feed shows: ``digest`` (the digests of job ``name``; empty: every digest), ``stories``
    (filtered by ``group``, ``topic``, ``language``) or ``watchlist`` (the alerts of watchlist ``name``)."""

    kind: str
    name: str = ""
    group: str | None = None
    topic: str | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"no feed kind {self.kind!r} (one of {', '.join(KINDS)})")
        if self.kind == "watchlist" and not self.name:
            raise ConfigError("a watchlist feed names its watchlist")
        if self.kind != "stories" and (self.group or self.topic or self.language):
            raise ConfigError("only a stories feed is filtered by group, topic or language")
        if self.kind == "stories" and self.name:
            raise ConfigError("a stories feed has no name: filter it by group, topic or language")

    def scope(self) -> str:
        """The JSON the store keeps."""
        keys = {"name": self.name, "group": self.group, "topic": self.topic, "language": self.language}
        return json.dumps({k: v for k, v in keys.items() if v}, ensure_ascii=False, sort_keys=True)

    def describe(self) -> str:
        if self.kind == "digest":
            return f"digests of job {self.name}" if self.name else "every digest"
        if self.kind == "watchlist":
            return f"matches of watchlist {self.name}"
        filters = [f"{k} {v}" for k, v in (("group", self.group), ("topic", self.topic),
                                          ("language", self.language)) if v]  # fmt: skip
        return "stories" + (" of " + ", ".join(filters) if filters else "")


def spec_of(token: FeedToken) -> FeedSpec:
    scope = json.loads(token.scope)
    return FeedSpec(token.kind, scope.get("name", ""), scope.get("group"), scope.get("topic"),
                    scope.get("language"))  # fmt: skip


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(store: Store, spec: FeedSpec, name: str = "", user_id: int | None = None) -> tuple[str, FeedToken]:
    """A new feed: its secret (shown once, never stored) and its stored token."""
    secret = PREFIX + secrets.token_urlsafe(24)
    token = store.feeds.add(token_hash(secret), spec.kind, spec.scope(), name or spec.describe(), user_id)
    log.info("feed %d made: %s", token.id, spec.describe())
    return secret, token


def path(secret: str, fmt: str = "atom") -> str:
    return f"/feeds/{fmt}/{secret}"


def visible(w: StoredWatchlist, user_id: int | None) -> bool:
    """A user sees their own watchlists and the team's shared ones (``None``: the CLI sees all)."""
    return user_id is None or w.shared or w.owner_id is None or w.owner_id == user_id


def open_feed(store: Store, secret: str) -> tuple[FeedToken, FeedSpec]:
    """The feed a secret opens; NotFoundError when it is unknown or revoked, or for a watchlist's feed, when
    the list is private to another user now or the feed's owner lost the analyst role."""
    token = store.feeds.by_hash(token_hash(secret)) if secret.startswith(PREFIX) else None
    if token is None or token.revoked_at is not None:
        raise NotFoundError("no such feed (revoked, or never made)")
    spec = spec_of(token)
    if spec.kind == "watchlist":
        if token.user_id is not None and not store.users.by_id(token.user_id).may("analyst"):
            raise NotFoundError("no such feed (its owner no longer has the analyst role)")
        stored = {w.name: w for w in store.watchlists.list()}
        w = stored.get(spec.name)
        if w is not None and not visible(w, token.user_id):
            raise NotFoundError("no such feed (its watchlist is private now)")
    store.feeds.touch(token.id)
    return token, spec


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    link: str
    updated: datetime
    summary: str  # HTML


def _headline(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split()) or "…"
    return flat if len(flat) <= limit else flat[: flat.rfind(" ", 0, limit) or limit] + " …"


def _digest_entries(store: Store, spec: FeedSpec, base: str) -> list[Entry]:
    records = [r for r in store.digests.list(limit=500) if not spec.name or r.name == spec.name][:LIMIT]
    out: list[Entry] = []
    for r in records:
        items = store.digests.body(r.id).get("items", [])
        lines = "".join(
            f'<li><a href="{escape(base)}/stories/{it["story_id"]}">{escape(it["headline"]["text"])}</a></li>'
            for it in items
        )
        title = f"{r.name or f'Digest {r.id}'} · {r.since:%Y-%m-%d %H:%M} – {r.until:%Y-%m-%d %H:%M}"
        link = f"{base}/digests/{r.id}"
        out.append(Entry(link, title, link, r.created_at, f"<ol>{lines}</ol>"))
    return out


def _story_matches(story: Story, spec: FeedSpec, groups: dict[int, tuple[str, ...]]) -> bool:
    """The group and language filters (the topic is told in batches: :func:`_story_entries`)."""
    if spec.group and not any(spec.group in groups.get(c, ()) for c in story.channels):
        return False
    return not spec.language or any(m.language == spec.language for m in story.members)


def _story_entries(store: Store, spec: FeedSpec, base: str, embedder: str = EMBEDDER) -> list[Entry]:
    """The stories feed: a story's topic is its digest card's (svodka.digest.card_topic, the head of
    ``embedder``'s vectors, kept per story and size: cached_card_topics), told for a batch of candidates
    at a time."""
    channels = store.channels.list()
    groups = {c.id: c.groups for c in channels}
    names = {c.id: c.display_name for c in channels}
    candidates = [s for s in store.stories.list(limit=SCAN) if _story_matches(s, spec, groups)]
    picked: list[Story] = []
    for i in range(0, len(candidates), LIMIT):
        if len(picked) >= LIMIT:
            break
        batch = candidates[i : i + LIMIT]
        if spec.topic:
            topics = cached_card_topics(store, [(s.id, len(s.members)) for s in batch], embedder)
            batch = [s for s in batch if topics.get(s.id) == spec.topic]
        picked += batch
    out: list[Entry] = []
    for story in picked[:LIMIT]:
        first = (story.originals or story.members)[0].post
        channel = names.get(first.channel_id, first.channel)
        summary = (f"<p>{escape(first.text[:1000])}</p><p>{len(story.channels)} channels, "
                   f"{len(story.members)} posts; first: {escape(channel)}</p>")  # fmt: skip
        link = f"{base}/stories/{story.id}"
        out.append(Entry(link, _headline(first.text), link, story.updated_at or story.last_date, summary))
    return out


def _alert_entry(a: AlertRecord, base: str) -> Entry:
    p = json.loads(a.payload)
    link = (f"{base}/stories/{p['story_id']}" if p.get("story_id") else
            f"{base}/posts/{p['post_id']}" if p.get("post_id") else f"{base}/alerts")  # fmt: skip
    update = f" (update {a.revision})" if a.revision > 1 else ""
    summary = f"<p>{escape(p.get('text', ''))}</p><p>{escape(p.get('channel', ''))} · {escape(a.rule)}</p>"
    return Entry(f"{base}/alerts/{a.id}", f"[{a.rule}] {p.get('title', a.subject)}{update}", link,
                 a.updated_at, summary)  # fmt: skip


def entries(store: Store, spec: FeedSpec, base: str, embedder: str = EMBEDDER) -> list[Entry]:
    """The feed's entries, newest first; links are absolute, under ``base`` (the web app's address);
    a stories feed tells topics with the head of ``embedder`` (``pipeline.embedder``)."""
    base = base.rstrip("/")
    if spec.kind == "digest":
        return _digest_entries(store, spec, base)
    if spec.kind == "stories":
        return _story_entries(store, spec, base, embedder)
    return [_alert_entry(a, base) for a in store.inbox.of_watchlist(spec.name, LIMIT)]


def render(spec: FeedSpec, items: Iterable[Entry], fmt: str, self_url: str, base: str) -> bytes:
    """The feed document: RSS 2.0 (``rss``) or Atom (``atom``)."""
    if fmt not in FORMATS:
        raise NotFoundError(f"no feed format {fmt!r} (rss or atom)")
    rows = list(items)
    fg = FeedGenerator()
    fg.id(f"urn:svodka:feed:{spec.kind}:{token_hash(spec.scope())[:16]}")  # the secret is not its id
    fg.title(f"svodka: {spec.describe()}")
    fg.link(href=base.rstrip("/") + "/", rel="alternate")
    fg.link(href=self_url, rel="self")
    fg.description(f"svodka: {spec.describe()}")
    fg.generator("svodka")
    fg.updated(max((e.updated for e in rows), default=datetime(1970, 1, 1, tzinfo=UTC)))
    for e in rows:
        fe = fg.add_entry(order="append")
        fe.id(e.id)
        fe.guid(e.id, permalink=False)
        fe.title(e.title)
        fe.link(href=e.link)
        fe.updated(e.updated)
        fe.published(e.updated)
        fe.description(e.summary)
    return bytes(fg.rss_str(pretty=True) if fmt == "rss" else fg.atom_str(pretty=True))

"""Alert rules: what is new in the store since the last run, matched against the watchlists, as drafts.

- ``post``: a new post matches (one alert per post).
- ``sources>=N``: a matching story has N independent sources (pipeline.credibility.independent_sources:
  copies of one origin and same-minute cross-posts count once); more sources later update the alert.
- ``spike>=K``: a matching story's *recent* channels — those posting it in the hour up to its newest post —
  are at least K and at least ``spike_factor`` times its *baseline*: the mean, over the whole hours
  before that hour back to its first post (at least one), of the channels posting it in each hour. A story
  new this hour has a baseline of 0: K channels in its first hour is a spike.
- ``tier<=T``: a channel of tier 1 … T reports a matching story in a post of its own (not a copy).
- ``edits``: a post of the watched channels (the list's channel and group filters) that matches the query
  in its old or its new text is edited (the alert carries both) or deleted.

A story matches a watchlist when one of its posts does (with the story's topic for the topic filter).
One alert per watchlist, rule and subject; a draft carries a *level* (sources, recent channels, tier
channels, edits) and the store records an update only when the level grew.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from svodka.digest.card_topic import EMBEDDER, cached_card_topics
from svodka.links import public_post_url
from svodka.model import Channel, StoredPost, Story
from svodka.monitor.match import Matcher, PostFacts
from svodka.monitor.watchlist import Watchlist
from svodka.pipeline.credibility import independent_sources
from svodka.pipeline.language import detect_language
from svodka.pipeline.story_topics import classify, classify_texts
from svodka.store.base import AlertDraft, Store

SCHEMA = "svodka.alert/1"
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class RuleOptions:
    spike_factor: float = 3.0
    max_age: timedelta | None = timedelta(hours=24)  # older posts and stories raise no alert (None: any)
    embedder: str = EMBEDDER  # pipeline.embedder: whose cached vectors a story's topic head reads
    public_url: str = ""  # web.public_url: where a post without a public link is cited (its page there)


def card_topic(store: Store, embedder: str = EMBEDDER) -> Callable[[Story], str]:
    """A story's topic for the topic filter as its digest card shows it (svodka.digest.card_topic: its
    story whole, the card's headline, the topic head over its vectors); the story's own posts alone where
    the store no longer holds it."""

    def topic(story: Story) -> str:
        found = cached_card_topics(store, [(story.id, len(story.members))], embedder)
        return found.get(story.id) or classify(story).topic

    return topic


def _payload(**fields: object) -> str:
    return json.dumps(
        {"schema": SCHEMA, **{k: v for k, v in fields.items() if v is not None}}, ensure_ascii=False
    )


def _links(post: StoredPost, public_url: str) -> dict[str, str | None]:
    """A post's citation as the digest gives it (:func:`svodka.links.public_post_url`): ``url`` opens for
    anyone (``t.me/<handle>/<msg>``, else the post's page in the web app at ``public_url``), ``alt_url``
    is the ``t.me/c`` link then."""
    url, alt_url = public_post_url(post.url, post.id, public_url)
    return {"url": url, "alt_url": alt_url}


def _when(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _headline(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: flat.rfind(" ", 0, limit) or limit] + " …"


def post_facts(
    post: StoredPost, language: str | None, need_language: bool, topic: str | None = None
) -> PostFacts:
    if language is None and need_language:
        language = detect_language(post.text)
    return PostFacts(post.text, post.channel_id, language, topic)


def _topic_of(text: str) -> Callable[[], str]:
    return lambda: classify_texts([text]).topic


def post_drafts(
    matcher: Matcher,
    posts: Iterable[tuple[StoredPost, str | None]],
    channels: Mapping[int, Channel],
    now: datetime,
    options: RuleOptions,
) -> list[AlertDraft]:
    """``post`` alerts for new posts (with the pipeline's language where known)."""
    need_language = any(c.watchlist.languages for c in matcher.lists)
    drafts: list[AlertDraft] = []
    for post, language in posts:
        if options.max_age is not None and post.date < now - options.max_age:
            continue
        facts = post_facts(post, language, need_language)
        for w in matcher.match(facts, topic_of=_topic_of(post.text)):
            if not any(r.kind == "post" for r in w.rules):
                continue
            ch = channels.get(post.channel_id)
            drafts.append(
                AlertDraft(
                    w.name,
                    "post",
                    f"post:{post.id}",
                    1,
                    _payload(
                        watchlist=w.name,
                        rule="post",
                        title=_headline(post.text),
                        text=post.text[:4000],
                        **_links(post, options.public_url),
                        post_id=post.id,
                        channel=ch.display_name if ch else post.channel,
                        date=_when(post.date),
                    ),
                    w.targets,
                    post_id=post.id,
                )
            )
    return drafts


def spike(story: Story, factor: float) -> tuple[int, float]:
    """``(recent channels, baseline)`` of a story: the channels posting it in the hour up to its newest
    post, and the mean over the whole hours before that (back to its first post, at least one) of the
    channels posting it in each."""
    end = story.last_date
    start = end - HOUR
    recent = {m.post.channel_id for m in story.members if m.post.date > start}
    earlier = [m for m in story.members if m.post.date <= start]
    if not earlier:
        return len(recent), 0.0
    hours = max(1, math.ceil((start - story.first_date) / HOUR))
    buckets: dict[int, set[int]] = {}
    for m in earlier:
        buckets.setdefault(min(hours - 1, int((start - m.post.date) / HOUR)), set()).add(m.post.channel_id)
    return len(recent), sum(len(b) for b in buckets.values()) / hours


def _tier_channels(story: Story, channels: Mapping[int, Channel], tier: int) -> set[int]:
    """The channels of tier 1 … ``tier`` with a post of their own in the story."""
    out = set()
    for m in story.members:
        ch = channels.get(m.post.channel_id)
        if not m.is_copy and ch is not None and 1 <= ch.tier <= tier:
            out.add(ch.id)
    return out


def story_drafts(
    matcher: Matcher,
    stories: Iterable[Story],
    languages: Mapping[int, str | None],
    channels: Mapping[int, Channel],
    now: datetime,
    options: RuleOptions,
    topic_of_story: Callable[[Story], str] | None = None,
) -> list[AlertDraft]:
    """``sources``, ``spike`` and ``tier`` alerts for the stories new posts joined (active within
    ``options.max_age`` of ``now``); a watchlist's topic filter reads ``topic_of_story`` (:func:`card_topic`
    with a store; default: the story's own posts), once per story and only when a list has one."""
    story_rules = {"sources", "spike", "tier"}
    need_language = any(c.watchlist.languages for c in matcher.lists)
    drafts: list[AlertDraft] = []
    for story in stories:
        if options.max_age is not None and story.last_date < now - options.max_age:
            continue  # an archive placed now is no news
        topic: list[str] = []

        def topic_of(s: Story = story, memo: list[str] = topic) -> str:
            if not memo:
                memo.append(topic_of_story(s) if topic_of_story else classify(s).topic)
            return memo[0]

        matched: dict[str, Watchlist] = {}
        for m in story.members:
            facts = post_facts(m.post, m.language or languages.get(m.post.id), need_language)
            for w in matcher.match(facts, topic_of=topic_of):
                if story_rules.intersection(r.kind for r in w.rules):
                    matched.setdefault(w.name, w)
        if not matched:
            continue
        sources = independent_sources(story)
        recent, baseline = spike(story, options.spike_factor)
        lead = next((m.post for m in story.members if not m.is_copy), story.members[0].post)
        names = sorted({channels[c].display_name for src in sources for c in src if c in channels})
        for w in matched.values():
            for rule in w.rules:
                level = 0
                if rule.kind == "sources" and len(sources) >= rule.value:
                    level = len(sources)
                elif (
                    rule.kind == "spike"
                    and recent >= rule.value
                    and recent >= options.spike_factor * baseline
                ):
                    level = recent
                elif rule.kind == "tier":
                    level = len(_tier_channels(story, channels, rule.value))
                if not level:
                    continue
                drafts.append(
                    AlertDraft(
                        w.name,
                        rule.kind,
                        f"story:{story.id}",
                        level,
                        _payload(
                            watchlist=w.name,
                            rule=rule.text,
                            title=_headline(lead.text),
                            text=lead.text[:4000],
                            **_links(lead, options.public_url),
                            story_id=story.id,
                            post_id=lead.id,
                            channel=channels[lead.channel_id].display_name
                            if lead.channel_id in channels
                            else lead.channel,
                            date=_when(story.first_date),
                            sources=len(sources),
                            channels=names,
                            posts=len(story.members),
                            recent_channels=recent if rule.kind == "spike" else None,
                            baseline_per_hour=round(baseline, 2) if rule.kind == "spike" else None,
                        ),
                        w.targets,
                        story_id=story.id,
                        post_id=lead.id,
                    )
                )
    return drafts


def change_drafts(
    matcher: Matcher,
    changes: Iterable[tuple[str, StoredPost, str, int]],
    channels: Mapping[int, Channel],
    public_url: str = "",
) -> list[AlertDraft]:
    """``edits`` alerts: ``(kind "edit" or "delete", post, old text, versions)`` of watched channels, each
    post cited as :func:`post_drafts` cites it (``public_url``: web.public_url)."""
    drafts: list[AlertDraft] = []
    watching = [c for c in matcher.lists if any(r.kind == "edits" for r in c.watchlist.rules)]
    for kind, post, old, versions in changes:
        for c in watching:
            if c.channel_ids is not None and post.channel_id not in c.channel_ids:
                continue
            w = c.watchlist
            if c.test is not None and not (c.test(matcher.hits(post.text)) or c.test(matcher.hits(old))):
                continue
            ch = channels.get(post.channel_id)
            drafts.append(
                AlertDraft(
                    w.name,
                    kind,
                    f"post:{post.id}",
                    versions if kind == "edit" else 1,
                    _payload(
                        watchlist=w.name,
                        rule=kind,
                        title=("deleted: " if kind == "delete" else "edited: ") + _headline(old or post.text),
                        text=post.text[:4000],
                        old_text=old[:4000] if kind == "edit" else None,
                        new_text=post.text[:4000] if kind == "edit" else None,
                        **_links(post, public_url),
                        post_id=post.id,
                        channel=ch.display_name if ch else post.channel,
                        date=_when(post.date),
                    ),
                    w.targets,
                    post_id=post.id,
                )
            )
    return drafts

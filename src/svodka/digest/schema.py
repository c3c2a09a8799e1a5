"""The digest as plain data: the JSON document that ``render_json`` writes and the store keeps
(docs/digest-schema.md), typed, and the time zone its times are written in."""

from __future__ import annotations

from datetime import datetime
from typing import NotRequired, TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from svodka.digest.model import Digest
from svodka.digest.voice import Voice, difference_line
from svodka.errors import ConfigError
from svodka.i18n import LANGUAGES
from svodka.pipeline.coordination import Coordinated
from svodka.pipeline.coverage import GroupCoverage
from svodka.pipeline.summarize import Cited

SCHEMA_VERSION = 1


class CitedDoc(TypedDict):
    text: str
    post_id: int
    channel: str
    url: str | None
    date: str  # ISO 8601
    alt_url: NotRequired[str | None]  # the t.me/c link when url is svodka's page (not in older documents)


class AbstractDoc(TypedDict):
    text: str  # its [n] marks cite refs[n - 1]
    refs: list[CitedDoc]


class GroupCoverageDoc(TypedDict):
    group: str
    channels: list[str]
    posts: int
    first_channel: str
    first_date: str
    first_post_id: int


class SeededPostDoc(TypedDict):
    post_id: int
    channel: str
    date: str
    url: str | None


class CoordinatedDoc(TypedDict):
    line: str  # Coordinated.line(): what the card says
    channels: list[str]
    outlets: int
    first_date: str
    last_date: str
    minutes: int
    markers: list[str]  # erid …, label, link host/path, promo …
    posts: list[SeededPostDoc]
    only: bool  # no independent report: kept out of the top


class CardDoc(TypedDict):
    first_channel: str
    first_date: str
    first_url: str | None
    last_date: str
    channels: list[str]
    posts: int
    independent_sources: int
    copies: int
    languages: list[str]
    single_source: bool
    groups: NotRequired[list[GroupCoverageDoc]]  # coverage by channel group (not in older documents)
    coordinated: NotRequired[CoordinatedDoc | None]  # coordinated posting (not in older documents)


class TermDoc(TypedDict):
    name: str
    value: float
    weight: float
    note: str


class ScoreDoc(TypedDict):
    total: float
    terms: list[TermDoc]


class QuoteDoc(TypedDict):
    post_id: int
    channel: str
    url: str | None
    sentence: str
    what: str
    alt_url: NotRequired[str | None]  # the t.me/c link when url is svodka's page (not in older documents)


class DifferenceDoc(TypedDict):
    kind: str  # conflict, figure, claim, name (svodka.pipeline.differences)
    line: str
    quotes: list[QuoteDoc]


class ItemDoc(TypedDict):
    rank: int
    story_id: int
    update: bool
    new_posts: int
    new_since: str | None
    topic: str
    headline: CitedDoc
    sentences: list[CitedDoc]
    abstract: AbstractDoc | None
    card: CardDoc
    score: ScoreDoc
    differences: NotRequired[list[DifferenceDoc]]  # not in older documents
    storyline: NotRequired[int | None]  # the storyline it is part of (not in older documents)
    new_developments: NotRequired[int]  # updates: developments new since the previous digest (ditto)


class OnlyInStoryDoc(TypedDict):
    story_id: int
    headline: CitedDoc
    channels: int
    posts: int
    coverage: GroupCoverageDoc


class OnlyInDoc(TypedDict):
    group: str
    stories: list[OnlyInStoryDoc]


class PeriodDoc(TypedDict):
    since: str
    until: str
    tz: str


class FiltersDoc(TypedDict):
    topic: str | None
    group: str | None
    lang: str | None
    top: int


class DigestDocument(TypedDict):
    """The whole document (``DigestRepo.body`` hands it back as stored)."""

    schema: int  # SCHEMA_VERSION
    id: int | None
    name: NotRequired[str]  # Digest.name: the job's name, else what the filters say (not in older documents)
    language: NotRequired[str]  # the labels' language, en or ru (digest.language; not in older documents)
    generated_at: str
    period: PeriodDoc
    filters: FiltersDoc
    kind: str
    previous_id: int | None
    stories_considered: int
    repeats_skipped: int
    items: list[ItemDoc]
    credibility: list[str]
    only_in: NotRequired[list[OnlyInDoc]]  # stories one channel group alone carries (not in older documents)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r} (use an IANA name such as Europe/Moscow)") from None


def local(dt: datetime, tz: str) -> datetime:
    return dt.astimezone(zone(tz))


def _cited(c: Cited) -> CitedDoc:
    return {
        "text": c.text,
        "post_id": c.post_id,
        "channel": c.channel,
        "url": c.url,
        "date": c.date_iso,
        "alt_url": c.alt_url,
    }


def _coverage(c: GroupCoverage, tz: str) -> GroupCoverageDoc:
    return {
        "group": c.group,
        "channels": list(c.channels),
        "posts": c.posts,
        "first_channel": c.first_channel,
        "first_date": local(c.first_date, tz).isoformat(),
        "first_post_id": c.first_post_id,
    }


def _coordinated(c: Coordinated | None, tz: str) -> CoordinatedDoc | None:
    if c is None:
        return None
    return {
        "line": c.line(),
        "channels": list(c.channels),
        "outlets": c.outlets,
        "first_date": local(c.first, tz).isoformat(),
        "last_date": local(c.last, tz).isoformat(),
        "minutes": c.minutes,
        "markers": list(c.marks),
        "posts": [
            {"post_id": p.post_id, "channel": p.channel, "date": local(p.date, tz).isoformat(), "url": p.url}
            for p in c.posts
        ],
        "only": c.only,
    }


def to_dict(digest: Digest) -> DigestDocument:
    """The digest as plain data (the JSON renderer's document; schema in docs/digest-schema.md)."""
    q, tz = digest.query, digest.query.tz
    v = Voice(q.language if q.language in LANGUAGES else "en", tz)
    return {
        "schema": SCHEMA_VERSION,
        "id": digest.id,
        "name": digest.name,
        "language": v.language,
        "generated_at": local(digest.generated_at, tz).isoformat(),
        "period": {
            "since": local(q.since, tz).isoformat(),
            "until": local(q.until, tz).isoformat(),
            "tz": tz,
        },
        "filters": {"topic": q.topic, "group": q.group, "lang": q.lang, "top": q.top},
        "kind": q.kind,
        "previous_id": digest.previous_id,
        "stories_considered": digest.stories_considered,
        "repeats_skipped": digest.repeats_skipped,
        "items": [
            {
                "rank": it.rank,
                "story_id": it.card.story_id,
                "update": it.update,
                "new_posts": it.new_posts,
                "new_since": None if it.new_since is None else local(it.new_since, tz).isoformat(),
                "storyline": it.storyline,
                "new_developments": it.new_developments,
                "topic": it.card.topic,
                "headline": _cited(it.summary.headline),
                "sentences": [_cited(c) for c in it.summary.sentences],
                "abstract": None
                if it.summary.abstract is None
                else {
                    "text": it.summary.abstract.text,
                    "refs": [_cited(c) for c in it.summary.abstract.refs],
                },
                "card": {
                    "first_channel": it.card.first_channel,
                    "first_date": local(it.card.first_date, tz).isoformat(),
                    "first_url": it.card.first_url,
                    "last_date": local(it.card.last_date, tz).isoformat(),
                    "channels": list(it.card.channels),
                    "posts": it.card.posts,
                    "independent_sources": it.card.independent,
                    "copies": it.card.copies,
                    "languages": list(it.card.languages),
                    "single_source": it.card.single_source,
                    "groups": [_coverage(c, tz) for c in it.card.groups],
                    "coordinated": _coordinated(it.card.coordinated, tz),
                },
                "differences": [
                    {
                        "kind": d.kind,
                        "line": difference_line(d, v),
                        "quotes": [
                            {
                                "post_id": q.post_id,
                                "channel": q.channel,
                                "url": q.url,
                                "alt_url": q.alt_url,
                                "sentence": q.sentence,
                                "what": q.what,
                            }
                            for q in d.quotes
                        ],
                    }
                    for d in it.differences
                ],
                "score": {
                    "total": it.score.score,
                    "terms": [
                        {"name": t.name, "value": round(t.value, 4), "weight": t.weight, "note": t.note}
                        for t in it.score.terms
                    ],
                },
            }
            for it in digest.items
        ],
        "credibility": list(digest.credibility),
        "only_in": [
            {
                "group": o.group,
                "stories": [
                    {
                        "story_id": s.story_id,
                        "headline": _cited(s.headline),
                        "channels": s.channels,
                        "posts": s.posts,
                        "coverage": _coverage(s.coverage, tz),
                    }
                    for s in o.stories
                ],
            }
            for o in digest.only_in
        ],
    }

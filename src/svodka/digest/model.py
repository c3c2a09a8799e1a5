"""What a digest is: its query (period and filters), and items — a story card, a cited summary, a score;
and what the store keeps of digests (:class:`DigestRecord`) and of scheduled jobs (:class:`JobState`, whose
rules are :mod:`svodka.digest.jobs`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import orjson

from svodka.i18n import LANGUAGES, Display
from svodka.model import from_ts
from svodka.pipeline.coordination import Coordinated
from svodka.pipeline.coverage import GroupCoverage
from svodka.pipeline.differences import Difference
from svodka.pipeline.rank import StoryScore
from svodka.pipeline.summarize import Cited, Summary


@dataclass(frozen=True, slots=True)
class DigestQuery:
    """Which stories a digest covers. ``since``/``until`` are aware datetimes; ``tz`` and ``language`` are
    for display (``auto``: settled by the digest's own posts, :func:`svodka.digest.voice.settle`)."""

    since: datetime
    until: datetime
    topic: str | None = None
    group: str | None = None
    lang: str | None = None
    top: int = 15
    tz: str = "UTC"
    name: str = ""  # the job's name, else made from the filters (:func:`digest_name`); not part of the kind
    language: str = "en"  # the labels' language: en, ru, or auto (digest.language); not part of the kind

    @property
    def kind(self) -> str:
        """Digests of one kind (same filters and size) share a history: repeats are judged within it."""
        key = f"topic={self.topic or ''};group={self.group or ''};lang={self.lang or ''};top={self.top}"
        return hashlib.sha1(key.encode()).hexdigest()[:12]

    def filters(self) -> dict[str, str | int | None]:
        return {"topic": self.topic, "group": self.group, "lang": self.lang, "top": self.top, "tz": self.tz}


def period_name(since: datetime, until: datetime, tz: str, language: str = "en") -> str:
    """«1 декабря» / "1 December" for a day (in ``tz``), «1–3 декабря» / «30 ноября – 2 декабря» for days,
    else times: in ``language``, the digest's."""
    shown = Display(language if language in LANGUAGES else "en", tz)

    def _day(dt: datetime) -> str:
        return shown.day(dt, year=False)  # «1 декабря», "1 December"

    a, b = since.astimezone(ZoneInfo(tz)), until.astimezone(ZoneInfo(tz))
    last = b - timedelta(microseconds=1)
    if a.time() == b.time() == time(0):
        if a.date() == last.date():
            return _day(a)
        if (a.year, a.month) == (last.year, last.month):
            return f"{a.day}–{_day(last)}"
        return f"{_day(a)} – {_day(last)}"
    if a.date() == last.date():
        return f"{_day(a)}, {a:%H:%M}–{b:%H:%M}"
    return f"{_day(a)} {a:%H:%M} – {_day(b)} {b:%H:%M}"


def digest_name(query: DigestQuery) -> str:
    """The query's own name, else its filters and period in the digest's language: «Экономика · news ·
    английский · 1 декабря» / "Economy · news · English · 1 December"."""
    if query.name:
        return query.name
    from svodka.digest.voice import Voice, language_name, topic_label

    v = Voice(query.language if query.language in LANGUAGES else "en")
    topic = topic_label(query.topic, v) if query.topic else ""
    parts = [
        topic[:1].upper() + topic[1:],
        query.group or "",
        query.lang and language_name(query.lang, v.language),
    ]
    return " · ".join([p for p in parts if p] + [period_name(query.since, query.until, query.tz, v.language)])


@dataclass(frozen=True, slots=True)
class StoryCard:
    """Who reported first and when, how widely, in which languages; single-source stories are flagged."""

    story_id: int
    first_channel: str
    first_date: datetime
    first_url: str | None
    last_date: datetime
    channels: tuple[str, ...]
    posts: int
    independent: int
    copies: int
    languages: tuple[str, ...]
    topic: str
    groups: tuple[GroupCoverage, ...] = ()  # coverage by channel group, earliest first (pipeline.coverage)
    coordinated: Coordinated | None = None  # a seeding campaign's burst, with its evidence (coordination)

    @property
    def single_source(self) -> bool:
        return self.independent <= 1


@dataclass(frozen=True, slots=True)
class DigestItem:
    rank: int
    card: StoryCard
    summary: Summary
    score: StoryScore
    update: bool = False  # the story was in the previous digest of this kind and has new posts since
    new_posts: int = 0  # posts added since the previous digest (for updates)
    new_since: datetime | None = None  # for updates: the latest post the previous digest showed
    differences: tuple[Difference, ...] = ()  # how its sources differ (the top stories: differences.py)
    storyline: int | None = None  # the storyline it is part of with other stories (pipeline.storylines)
    new_developments: int = 0  # for updates: developments new since the previous digest
    folded: tuple[int, ...] = ()  # stories of the same event folded into this item (digest.fold)

    def is_new(self, cited: Cited) -> bool:
        """Whether a cited sentence comes from a post the previous digest of this kind did not have."""
        return self.new_since is not None and datetime.fromisoformat(cited.date_iso) > self.new_since


@dataclass(frozen=True, slots=True)
class OnlyInStory:
    """A story of the period that one group alone carries: its headline and that group's coverage."""

    story_id: int
    headline: Cited
    coverage: GroupCoverage
    channels: int
    posts: int


@dataclass(frozen=True, slots=True)
class OnlyIn:
    """The digest's «only in …» section for one group: the stories no other group carries."""

    group: str
    stories: tuple[OnlyInStory, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    query: DigestQuery
    generated_at: datetime
    items: tuple[DigestItem, ...]
    stories_considered: int = 0
    repeats_skipped: int = 0
    credibility: tuple[str, ...] = ()  # one explained line per channel cited
    id: int | None = None  # set once stored
    previous_id: int | None = None
    notes: tuple[str, ...] = field(default=())
    only_in: tuple[OnlyIn, ...] = ()  # with 2+ groups in the store: stories one group alone carries

    @property
    def name(self) -> str:
        """What the digest is called in lists: the job's name, else what its filters say."""
        return digest_name(self.query)


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """A stored digest as the next digest of its kind needs it: what each story looked like then."""

    id: int
    kind: str
    since: datetime
    until: datetime
    created_at: datetime
    items: dict[int, tuple[int, datetime]]  # story id -> (posts, last post date) when it was shown
    name: str = ""
    folded: frozenset[int] = frozenset()  # those of ``items`` shown folded into another item (digest.fold)


@dataclass(frozen=True, slots=True)
class Pending:
    """A slot opened and not yet delivered to every target."""

    slot: datetime
    since: datetime
    until: datetime
    started: datetime  # when the slot was opened (finds a digest saved just before a crash)
    digest_id: int | None = None  # set once the digest is built and saved
    previous_id: int | None = None  # the digest it was compared with for repeats (rebuilt the same way)
    done: tuple[str, ...] = ()  # targets that have it
    retry_at: datetime | None = None  # after a failure: not before then

    def to_json(self) -> str:
        data = {
            "slot": self.slot.timestamp(),
            "since": self.since.timestamp(),
            "until": self.until.timestamp(),
            "started": self.started.timestamp(),
            "digest_id": self.digest_id,
            "previous_id": self.previous_id,
            "done": list(self.done),
            "retry_at": None if self.retry_at is None else self.retry_at.timestamp(),
        }
        return orjson.dumps(data).decode()

    @classmethod
    def from_json(cls, text: str) -> Pending:
        d = orjson.loads(text)
        return cls(
            slot=from_ts(d["slot"]),  # type: ignore[arg-type]
            since=from_ts(d["since"]),  # type: ignore[arg-type]
            until=from_ts(d["until"]),  # type: ignore[arg-type]
            started=from_ts(d["started"]),  # type: ignore[arg-type]
            digest_id=d.get("digest_id"),
            previous_id=d.get("previous_id"),
            done=tuple(d.get("done") or ()),
            retry_at=from_ts(d.get("retry_at")),
        )


@dataclass(frozen=True, slots=True)
class JobState:
    """What the store remembers of a job between runs and restarts."""

    name: str
    schedule: str = ""  # the schedule text next_due was computed from
    next_due: datetime | None = None
    last_run: datetime | None = None  # last delivered to every target
    last_until: datetime | None = None  # end of the period of the last digest built
    last_digest_id: int | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0  # failed attempts in a row
    pending: Pending | None = None

    def due_at(self) -> datetime | None:
        """When the job next has work: a pending slot (at once, or at its retry time), else the next slot."""
        times = [self.next_due] if self.next_due is not None else []
        if self.pending is not None:
            times.append(self.pending.retry_at or self.pending.started)
        return min(times) if times else None

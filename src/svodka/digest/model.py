"""What a digest is: its query (period and filters), and items — a story card, a cited summary, a score."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from svodka.pipeline.rank import StoryScore
from svodka.pipeline.summarize import Cited, Summary


@dataclass(frozen=True, slots=True)
class DigestQuery:
    """Which stories a digest covers. ``since``/``until`` are aware datetimes; ``tz`` is for display."""

    since: datetime
    until: datetime
    topic: str | None = None
    group: str | None = None
    lang: str | None = None
    top: int = 15
    tz: str = "UTC"

    @property
    def kind(self) -> str:
        """Digests of one kind (same filters and size) share a history: repeats are judged within it."""
        key = f"topic={self.topic or ''};group={self.group or ''};lang={self.lang or ''};top={self.top}"
        return hashlib.sha1(key.encode()).hexdigest()[:12]

    def filters(self) -> dict[str, str | int | None]:
        return {"topic": self.topic, "group": self.group, "lang": self.lang, "top": self.top, "tz": self.tz}


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

    def is_new(self, cited: Cited) -> bool:
        """Whether a cited sentence comes from a post the previous digest of this kind did not have."""
        return self.new_since is not None and datetime.fromisoformat(cited.date_iso) > self.new_since


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


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """A stored digest as the next digest of its kind needs it: what each story looked like then."""

    id: int
    kind: str
    since: datetime
    until: datetime
    created_at: datetime
    items: dict[int, tuple[int, datetime]]  # story id -> (posts, last post date) when it was shown

"""The records that flow between svodka's stages: small, frozen dataclasses.

Sources produce :class:`Post` records; the store keeps them (with every edit as a :class:`PostVersion`)
and hands back :class:`StoredPost`; the pipeline groups stored posts into :class:`Story` records.
Times are timezone-aware ``datetime`` in UTC everywhere; the store keeps them as Unix seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

PLATFORM_TELEGRAM = "telegram"
PLATFORM_RSS = "rss"
PLATFORM_FILE = "file"

_CHANNEL_ID_OFFSET = 1_000_000_000_000  # Bot API style ids are -100<channel id>


def normalize_tg_id(value: int | str | None) -> int | None:
    """Return the bare positive Telegram channel id for ``-100123…``, ``channel123…`` or ``123…``."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.strip()
        m = re.fullmatch(r"(?:channel|chat|user)?(-?\d+)", value)
        if not m:
            return None
        value = int(m.group(1))
    if value < 0:
        value = -value
        if value > _CHANNEL_ID_OFFSET:
            value -= _CHANNEL_ID_OFFSET
    return value


def tg_ext_id(value: int | str | None) -> str | None:
    """A Telegram channel's external id (:attr:`ChannelRef.ext_id`): the bare id of ``-100…``,
    ``channel…`` or ``…`` as text; None if ``value`` is not one."""
    tg_id = normalize_tg_id(value)
    return None if tg_id is None else str(tg_id)


def _tg_id(platform: str, ext_id: str | None) -> int | None:
    return int(ext_id) if platform == PLATFORM_TELEGRAM and ext_id and ext_id.isdigit() else None


def bot_api_id(tg_id: int) -> int:
    """The ``-100…`` form of a bare channel id, as Bot API and many datasets write it."""
    return -(_CHANNEL_ID_OFFSET + tg_id)


def utc(dt: datetime) -> datetime:
    """Make ``dt`` aware and in UTC (a naive time is taken to be UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def from_ts(ts: int | float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def from_unix(value: int | float | str) -> datetime:
    """A Unix time from an input file as an aware UTC datetime; ValueError (never OverflowError or
    OSError) when it is not a number or lies outside the years a datetime holds."""
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{value!r} is not a Unix time in range") from None


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """How a source names a channel: any of handle, external id or title may be missing.

    ``ext_id`` is the platform's own id of the channel, as text (Telegram: the bare positive channel id,
    see :func:`tg_ext_id`; another platform: whatever it uses); unique per platform.
    """

    platform: str = PLATFORM_TELEGRAM
    handle: str | None = None  # lower-case username without '@' (or a feed URL for RSS)
    ext_id: str | None = None
    title: str | None = None

    @property
    def tg_id(self) -> int | None:
        """The bare Telegram channel id, for a Telegram channel whose id is known."""
        return _tg_id(self.platform, self.ext_id)

    def key(self) -> str:
        """A stable text key: handle if known, else external id, else title."""
        if self.handle:
            return self.handle
        if self.ext_id is not None:
            return self.ext_id
        return self.title or "?"


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel or feed as the store knows it."""

    id: int
    platform: str
    handle: str | None
    ext_id: str | None  # the platform's id of the channel (see ChannelRef)
    title: str | None
    tier: int = 0  # user-assigned credibility tier: 0 unknown, 1 highest … 5 lowest
    groups: tuple[str, ...] = ()
    subscribers: int | None = None
    active: bool = True
    added_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.handle or self.title or self.ext_id or f"#{self.id}"

    @property
    def display_name(self) -> str:
        """What digests and pages name it by, as its posts are named: its title, else :attr:`name` (a handle
        set or learned later does not rename it)."""
        return self.title or self.name

    @property
    def tg_id(self) -> int | None:
        """The bare Telegram channel id, for a Telegram channel whose id is known."""
        return _tg_id(self.platform, self.ext_id)

    def as_dict(self) -> dict[str, Any]:
        """The fields a person or a program reads (`svodka channels list --json`, the web API);
        ``tg_id`` (Telegram's id as a number, else null) stays for the clients that read it."""
        return {
            "id": self.id,
            "name": self.name,
            "platform": self.platform,
            "handle": self.handle,
            "ext_id": self.ext_id,
            "tg_id": self.tg_id,
            "title": self.title,
            "tier": self.tier,
            "groups": list(self.groups),
            "subscribers": self.subscribers,
            "active": self.active,
        }


@dataclass(frozen=True, slots=True)
class ForwardOrigin:
    """Where a forwarded post came from, as far as the source tells: the origin channel's platform and
    external id (see :class:`ChannelRef`), or its handle, or only its display name."""

    name: str | None = None
    ext_id: str | None = None
    handle: str | None = None
    message_id: int | None = None
    platform: str = PLATFORM_TELEGRAM

    @property
    def tg_id(self) -> int | None:
        return _tg_id(self.platform, self.ext_id)


@dataclass(frozen=True, slots=True)
class Entity:
    """A formatting or link span of a post's text (Telegram's MessageEntity, flattened)."""

    type: str  # bold, italic, link, text_link, hashtag, mention, …
    text: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Post:
    """One post as a source delivers it, before it is stored."""

    channel: ChannelRef
    message_id: int
    date: datetime
    text: str = ""
    entities: tuple[Entity, ...] = ()
    links: tuple[str, ...] = ()
    views: int | None = None
    forwards: int | None = None
    reactions: int | None = None
    forward: ForwardOrigin | None = None
    reply_to: int | None = None
    media: str | None = None  # photo, video, document, sticker, poll, …
    edited: datetime | None = None
    author: str | None = None
    url: str | None = None  # for feed items and other non-Telegram posts
    raw: dict[str, Any] | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class StoredPost:
    """A post as the store hands it back."""

    id: int
    channel_id: int
    channel: str  # display name (handle or title)
    message_id: int
    date: datetime
    text: str
    url: str | None
    views: int | None = None
    forwards: int | None = None
    fwd_platform: str | None = None  # the origin channel's platform …
    fwd_ext_id: str | None = None  # … and its external id
    fwd_handle: str | None = None
    fwd_name: str | None = None
    fwd_message_id: int | None = None
    reply_to: int | None = None
    media: str | None = None
    links: tuple[str, ...] = ()
    edited: datetime | None = None
    deleted_at: datetime | None = None
    versions: int = 1
    reactions: int | None = None
    author: str | None = None

    @property
    def fwd_tg_id(self) -> int | None:
        """The origin's bare Telegram channel id, when it is a Telegram channel with a known id."""
        return _tg_id(self.fwd_platform or "", self.fwd_ext_id)


@dataclass(frozen=True, slots=True)
class PostVersion:
    """An earlier text of a post, kept when the post was edited."""

    post_id: int
    version: int
    text: str
    edited: datetime | None
    seen_at: datetime


@dataclass(slots=True)
class SaveResult:
    """What a batch of posts did to the store."""

    new: int = 0
    edited: int = 0
    unchanged: int = 0
    skipped: int = 0  # records the source skipped (service messages, bad rows)

    def __iadd__(self, other: SaveResult) -> SaveResult:
        self.new += other.new
        self.edited += other.edited
        self.unchanged += other.unchanged
        self.skipped += other.skipped
        return self

    @property
    def total(self) -> int:
        return self.new + self.edited + self.unchanged


@dataclass(frozen=True, slots=True)
class ChannelStats:
    channel: Channel
    posts: int
    first: datetime | None
    last: datetime | None
    edits: int
    deletions: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    post: StoredPost
    snippet: str  # text with matches wrapped in [ ] (the caller may re-mark them)
    rank: float


@dataclass(frozen=True, slots=True)
class SourceState:
    """Collection state of one source: saved position, health, next attempt."""

    key: str  # e.g. "web:rian_ru", "mtproto:rian_ru", "rss:https://…"
    position: int | None = None  # highest message id (or similar cursor) stored
    oldest: int | None = None  # lowest message id reached by backfill
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0
    next_attempt: datetime | None = None
    posts_collected: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # ETag, Last-Modified, cached ids, …


# What a post is to its story (``PostAnalysis.kind``, judged once by the ads stage: pipeline.ads.post_kind):
REPORT = "report"  # reports the event (every post but the next kind)
PROGRAMME = "programme"  # a channel's plug for its own podcast or video episode: coverage, not a report


@dataclass(frozen=True, slots=True)
class StoryMember:
    """A post as part of a story."""

    post: StoredPost
    language: str | None = None
    origin_post_id: int | None = None  # set when the post copies an earlier one (forward or near-duplicate)
    similarity: float = 1.0  # to the story as a whole, 0…1
    kind: str = REPORT  # REPORT or PROGRAMME, as its analysis stored it

    @property
    def is_copy(self) -> bool:
        return self.origin_post_id is not None and self.origin_post_id != self.post.id


@dataclass(frozen=True, slots=True)
class Story:
    """One real-world event: posts of many channels (and languages) over time.

    ``id`` is stable across runs: new posts join an existing story, which keeps its id.
    """

    id: int
    members: tuple[StoryMember, ...]  # ordered by post date
    first_date: datetime
    last_date: datetime
    updated_at: datetime | None = None  # when a post last joined it (for "update" marks)
    developments: tuple[int, ...] = ()  # story level: its developments' ids, oldest first (digest.compose)

    @property
    def channels(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(m.post.channel_id for m in self.members))

    @property
    def originals(self) -> tuple[StoryMember, ...]:
        """Members that are not copies of another post: what independent reporting there is."""
        return tuple(m for m in self.members if not m.is_copy)


@dataclass(frozen=True, slots=True)
class PostAnalysis:
    """What the pipeline derives from one post: language, ad verdict, normalised text, the post it copies."""

    post_id: int
    language: str | None
    is_ad: bool
    ad_reason: str | None
    norm_text: str
    text_hash: int  # of the normalised words: equal means an exact copy
    origin_post_id: int | None = None
    kind: str = REPORT  # REPORT or PROGRAMME (a channel's plug for its own episode)


@dataclass(frozen=True, slots=True)
class WindowPost:
    """An analysed, non-ad post already stored: the context a pipeline batch continues from."""

    post_id: int
    channel_id: int
    date: int  # Unix seconds
    norm_text: str
    text_hash: int
    origin_post_id: int | None
    story_id: int | None  # None when not (yet) placed in a story


# --- web: local accounts -------------------------------------------------------------------------------
ROLES = ("viewer", "analyst", "admin")  # each role may do what the ones before it may


@dataclass(frozen=True, slots=True)
class User:
    """A local account of the web app (the password hash stays in the store)."""

    id: int
    username: str
    role: str  # one of ROLES
    created_at: datetime
    last_login: datetime | None = None

    def may(self, role: str) -> bool:
        """Whether this user has ``role`` or a stronger one."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key for programmatic access, as listed to its owner (the key itself is shown once, never stored)."""

    id: int
    user_id: int
    prefix: str
    name: str
    created_at: datetime
    last_used: datetime | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    """An analyst's mark on a post or a story, with an optional note."""

    user_id: int
    kind: str  # "post" or "story"
    ref_id: int
    note: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Session:
    """A live login session of the web app (the token itself is never stored, only its hash)."""

    user: User
    csrf: str
    expires_at: int  # Unix seconds


# --- questions: citizen appeals and their triage (svodka.questions) ----------------------------------------
@dataclass(frozen=True, slots=True)
class Question:
    """One question as a file delivers it (see svodka.questions.ingest), before it is stored."""

    qid: str
    text: str
    time: datetime | None
    region: str | None
    channel: str | None


@dataclass(frozen=True, slots=True)
class StoredQuestion:
    """A question as the store hands it back, with its duplicate group and (sub)topic once triaged."""

    qid: str
    text: str
    ts: int | None  # Unix seconds
    region: str | None
    channel: str | None
    group_id: str | None
    topic_id: int | None
    subtopic_id: int | None


@dataclass(frozen=True, slots=True)
class TriageRecord:
    """What one triage writes, stored whole or not at all (``QuestionRepo.replace_triage``/``add_triage``).

    The row iterables are read once, inside the write.
    """

    assignments: Iterable[tuple[str, str, int, int]]  # (qid, group id, topic id, subtopic id)
    groups: Iterable[tuple[str, int, int, int]]  # (group id, questions added, topic id, subtopic id)
    norms: Iterable[tuple[int, str]]  # (normalised-text key, group id)
    topics: Sequence[QuestionTopic]  # every topic and subtopic as it now stands
    model: Mapping[str, bytes] = field(default_factory=dict)  # triage model parts by key


@dataclass(frozen=True, slots=True)
class ChannelActivity:
    """What a channel publishes and how others use it (the web app's channel statistics)."""

    channel_id: int
    posts: int
    first: datetime | None
    last: datetime | None
    posts_per_day: float
    median_views: float | None
    forwarded: int  # its own posts that are forwards of another channel's post
    copied_by_posts: int  # posts of other channels that copy one of its posts (a citation index)
    copied_by_channels: int
    near_copies: int = 0  # its own posts that re-publish another channel's post without forwarding it

    @property
    def share_copied(self) -> float | None:
        return (self.forwarded + self.near_copies) / self.posts if self.posts else None

    @property
    def share_original(self) -> float | None:
        return 1.0 - (self.forwarded + self.near_copies) / self.posts if self.posts else None


@dataclass(frozen=True, slots=True)
class QuestionTopic:
    """A topic (``parent`` None) or subtopic of triaged questions (see svodka.questions.kmeans)."""

    tid: int
    parent: int | None  # None for a topic; the topic id for a subtopic
    label: str
    keywords: tuple[str, ...]
    size: int
    representatives: tuple[str, ...]


# --- channel networks (svodka.pipeline.networks) -------------------------------------------------------
NETWORK_STATES = ("proposed", "confirmed", "declared", "dismissed")  # found, user-confirmed, by hand, not one


@dataclass(frozen=True, slots=True)
class SharedText:
    """A post of one channel that repeats (near-identical text, or a forward) a post of another channel."""

    post_id: int
    channel_id: int
    origin_post_id: int
    origin_channel_id: int
    delay_s: int  # how long after the origin it was posted
    forward: bool  # a forward (the platform says so) rather than the same words


@dataclass(frozen=True, slots=True)
class PairEvidence:
    """Why two channels look like one network: what they share (``a`` < ``b``, channel ids)."""

    a: int
    b: int
    texts: int  # near-identical texts within the window, either way
    forwards: int  # of which forwards
    median_delay_s: float | None
    links: tuple[str, ...] = ()  # promo links / footers both keep posting
    examples: tuple[int, ...] = ()  # post ids of a few shared texts


@dataclass(frozen=True, slots=True)
class Network:
    """Channels run as one network: found from their behaviour, or declared by the user."""

    id: int
    name: str
    state: str  # one of NETWORK_STATES
    channels: tuple[int, ...]
    evidence: tuple[PairEvidence, ...] = ()
    updated_at: datetime | None = None

    @property
    def counts(self) -> bool:
        """Whether its channels count as one source (a dismissed network is no network)."""
        return self.state != "dismissed"


@dataclass(frozen=True, slots=True)
class NetworkCounts:
    """What a batch of posts adds to the evidence kept for networks: its shared texts, and the promo links
    (an invite, a @handle, a bot) of its non-ad posts."""

    posts: tuple[int, ...] = ()  # the posts it covers: their earlier evidence is replaced
    texts: tuple[SharedText, ...] = ()
    links: tuple[tuple[int, int, str], ...] = ()  # (post id, channel id, link)


# --- analysts' corrections of the stories (svodka.pipeline.corrections, store.corrections: migration 0024)
MERGE, MOVE, DETACH, SPLIT = "merge", "move", "detach", "split"
NOT_NEWS_STORY, NOT_NEWS_POST = "not-news-story", "not-news-post"
CORRECTION_KINDS = (MERGE, MOVE, DETACH, SPLIT, NOT_NEWS_STORY, NOT_NEWS_POST)
CorrectionKind = str  # one of CORRECTION_KINDS


@dataclass(frozen=True, slots=True)
class Restore:
    """What a correction overwrote: where posts and developments were before it (its undo)."""

    posts: tuple[tuple[int, int], ...] = ()  # (post id, the development it was in)
    developments: tuple[tuple[int, int], ...] = ()  # (development id, the story it was in)
    aliases: tuple[tuple[int, int], ...] = ()  # a merge's: (old id, the development it resolved to)


@dataclass(frozen=True, slots=True)
class NewCorrection:
    """A correction to log: its kind and subjects, by whom, what applying it overwrote, the two posts its
    constraint binds, and the story it made or kept."""

    kind: CorrectionKind
    subject: int  # merge: story A; move, detach, not-news-post: the post; split, not-news-story: the story
    target: int | None  # merge: story B; move: the story; split: the development; else None
    user: str
    restore: Restore = Restore()
    anchors: tuple[int, int] | None = None
    result: int | None = None


@dataclass(frozen=True, slots=True)
class Correction:
    """One analyst's decision as the corrections log keeps it."""

    id: int
    kind: CorrectionKind
    subject: int  # merge: story A; move, detach, not-news-post: the post; split, not-news-story: the story
    target: int | None  # merge: story B; move: the story; split: the development; else None
    user: str
    at: datetime
    restore: Restore = Restore()
    anchors: tuple[int, int] | None = None
    result: int | None = None  # the story the correction made or kept (merge, detach, split)
    undone_at: datetime | None = None
    undone_by: str | None = None

    @property
    def active(self) -> bool:
        return self.undone_at is None

"""The store interface: small, role-named repositories behind one :class:`Store`.

The pipeline, the collectors and the web app talk to these protocols only, so a PostgreSQL backend can
stand in for SQLite without touching them. Each repository lives in its own module per backend.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from svodka.model import (
    ApiKey,
    Channel,
    ChannelActivity,
    ChannelRef,
    ChannelStats,
    Correction,
    Mark,
    Network,
    NetworkCounts,
    NewCorrection,
    PairEvidence,
    Post,
    PostAnalysis,
    PostVersion,
    Question,
    QuestionTopic,
    SaveResult,
    SearchHit,
    Session,
    SharedText,
    SourceState,
    StoredPost,
    StoredQuestion,
    Story,
    StoryMember,
    TriageRecord,
    User,
    WindowPost,
)

if TYPE_CHECKING:
    from svodka.digest.model import Digest, DigestRecord, JobState
    from svodka.digest.schema import DigestDocument


class ChannelRepo(Protocol):
    def resolve(self, ref: ChannelRef) -> int:
        """The channel id for ``ref``, creating the channel (or filling in what it lacked) if needed."""

    def find(self, ref: ChannelRef) -> Channel | None:
        """The channel ``ref`` names on its platform: by external id, else handle, else exact title."""

    def get(self, ref: ChannelRef) -> Channel:
        """Like :meth:`find`, NotFoundError if there is none (user text is parsed into a ref at the edge:
        :func:`svodka.collect.registry.channel_named`)."""

    def by_id(self, channel_id: int) -> Channel: ...

    def list(self, group: str | None = None) -> list[Channel]: ...

    def add(self, ref: ChannelRef, tier: int | None = None, groups: Sequence[str] = ()) -> Channel: ...

    def remove(self, channel_id: int, keep_posts: bool = False) -> Channel: ...

    def set_tier(self, channel_id: int, tier: int) -> Channel: ...

    def set_groups(self, channel_id: int, groups: Sequence[str], add: bool = False) -> Channel: ...

    def set_handle(self, channel_id: int, handle: str) -> Channel:
        """Set a channel's public handle; a handle-only duplicate holding it is merged in (see merge)."""

    def merge(self, keep_id: int, drop_id: int) -> Channel:
        """One channel of two: ``drop_id``'s posts, groups and state move to ``keep_id``; it is deleted."""

    def update_info(
        self, channel_id: int, title: str | None = None, subscribers: int | None = None
    ) -> None: ...

    def stats(self) -> builtins.list[ChannelStats]: ...


SEARCH_RANK_WINDOW = 10_000  # PostRepo.search ranks the newest this many matches (after filters) by relevance


class PostRepo(Protocol):
    def save(self, posts: Iterable[Post], seen_at: datetime | None = None) -> SaveResult:
        """Store a batch in one transaction: new posts added, changed texts kept as versions."""

    def mark_deleted(self, channel_id: int, message_ids: Iterable[int], source: str) -> int:
        """Soft-delete posts the source no longer shows; returns how many were newly marked."""

    def mark_restored(self, channel_id: int, message_ids: Iterable[int]) -> int:
        """Clear the deletion mark of posts the source shows again."""

    def index_pending(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Make every stored post searchable (full-text indexing runs in bulk, off the write path)."""

    def get(self, post_id: int) -> StoredPost: ...

    def get_many(self, post_ids: Iterable[int]) -> dict[int, StoredPost]:
        """The stored posts of ``post_ids`` by id, read in a few statements; an unknown id is left out."""
        ...

    def by_key(self, channel_id: int, message_id: int) -> StoredPost | None: ...

    def versions(self, post_id: int) -> list[PostVersion]: ...

    def iter(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int = 0,
        channel_ids: Sequence[int] | None = None,
        include_deleted: bool = True,
    ) -> Iterator[StoredPost]:
        """Posts in id order (ids grow with arrival), filtered by date, channel and arrival."""

    def message_ids(self, channel_id: int, min_id: int, max_id: int) -> list[int]:
        """Stored, not deleted message ids of a channel in ``[min_id, max_id]``."""

    def count(self) -> int: ...

    def search(
        self,
        query: str,
        limit: int = 20,
        offset: int = 0,
        channel_ids: Sequence[int] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        language: str | None = None,
    ) -> list[SearchHit]:
        """Posts matching ``query`` (and channel, ``[since, until)``, the pipeline's language), best first.

        Relevance (bm25) is ranked over the newest :data:`SEARCH_RANK_WINDOW` matches that pass the
        filters, so the cost of a common word stays bounded; narrowing by date or channel reaches older posts.
        ``query`` is in the syntax of :mod:`svodka.query`.
        """

    def search_recent(
        self,
        query: str,
        limit: int = 20,
        offset: int = 0,
        channel_ids: Sequence[int] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        language: str | None = None,
    ) -> list[SearchHit]:
        """As :meth:`search`, newest (by post date) first over every match."""
        ...

    def count_matches(
        self,
        query: str,
        channel_ids: Sequence[int] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        language: str | None = None,
    ) -> int:
        """How many posts :meth:`search` finds with these filters, over every match."""
        ...


class StateRepo(Protocol):
    def get(self, key: str) -> SourceState: ...

    def put(self, state: SourceState, channel_id: int | None = None) -> None: ...

    def all(self) -> list[SourceState]: ...


class UserRepo(Protocol):
    """Local accounts of the web app; secrets arrive hashed (see svodka.web.auth)."""

    def add(self, username: str, password_hash: str, role: str) -> User: ...

    def get(self, username: str) -> User: ...

    def by_id(self, user_id: int) -> User: ...

    def list(self) -> builtins.list[User]: ...

    def count(self, role: str | None = None) -> int: ...

    def password_hash(self, username: str) -> tuple[User, str] | None: ...

    def set_password(self, username: str, password_hash: str) -> None:
        """A new password hash; it ends the user's sessions."""

    def set_role(self, username: str, role: str) -> User: ...

    def remove(self, username: str) -> User: ...

    def touch_login(self, user_id: int) -> None: ...


class SessionRepo(Protocol):
    """Login sessions of the web app, by the SHA-256 of their cookie token."""

    def create(self, token_hash: str, user_id: int, csrf: str, expires_at: int) -> None: ...

    def get(self, token_hash: str) -> Session | None:
        """The live session (None when unknown or expired)."""

    def delete(self, token_hash: str) -> None: ...


class ApiKeyRepo(Protocol):
    """API keys, by prefix and SHA-256 (the key itself is shown once, never stored)."""

    def add(self, user_id: int, prefix: str, key_hash: str, name: str = "") -> ApiKey: ...

    def by_prefix(self, prefix: str) -> tuple[ApiKey, str, User] | None:
        """The key, its stored hash and its owner."""

    def list(self, user_id: int) -> builtins.list[ApiKey]: ...

    def revoke(self, user_id: int, key_id: int) -> bool: ...

    def touch(self, key_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class LoginFailures:
    """Failed logins since a time (Unix seconds), as the login limit of svodka.web.auth counts them."""

    pair: int  # of this user name from this client, after the pair's last successful login
    pair_last: int | None  # when the latest of those was
    client: int  # from this client, any user name
    client_first: int | None  # when the earliest of those was


class LoginAttemptRepo(Protocol):
    """Logins tried, for the login limit (svodka.web.auth)."""

    def record(self, username: str, client: str, ok: bool) -> None: ...

    def failures_since(self, username: str, client: str, since: int) -> LoginFailures:
        """Failed logins since ``since`` (Unix seconds) of this user name from this client, and from it."""


class MarkRepo(Protocol):
    """Analysts' marks on posts and stories."""

    def set(self, user_id: int, kind: str, ref_id: int, note: str = "") -> Mark: ...

    def remove(self, user_id: int, kind: str, ref_id: int) -> bool: ...

    def list(self, user_id: int) -> builtins.list[Mark]: ...


class ChannelStatsRepo(Protocol):
    def activity(self, channel_id: int | None = None) -> builtins.list[ChannelActivity]: ...

    def copiers(self, channel_id: int, limit: int = 10) -> builtins.list[tuple[int, int]]: ...

    def sources(self, channel_id: int, limit: int = 10) -> builtins.list[tuple[str, int]]: ...

    def daily(self, channel_id: int, days: int = 30) -> builtins.list[tuple[str, int]]: ...

    def copies_of(self, post_id: int, limit: int = 100) -> builtins.list[int]: ...

    def recent(self, channel_id: int, limit: int = 20) -> builtins.list[int]: ...


class DigestRepo(Protocol):
    """Digests as they were sent (for repeats vs updates); see svodka.store.sqlite.digests."""

    def save(self, digest: Digest) -> int: ...

    def last(self, kind: str, before: datetime | None = None) -> DigestRecord | None: ...

    def before(self, kind: str, until: datetime) -> DigestRecord | None:
        """The latest digest of ``kind`` that ended before ``until``: what a digest ending then follows."""

    def get(self, digest_id: int) -> DigestRecord: ...

    def body(self, digest_id: int) -> DigestDocument:
        """The stored JSON document of a digest (svodka.digest.schema)."""

    def list(self, kind: str | None = None, limit: int = 50) -> builtins.list[DigestRecord]: ...


class DigestJobRepo(Protocol):
    """State of the digests `svodka watch` builds on a schedule; see svodka.digest.jobs."""

    def get(self, name: str) -> JobState: ...

    def put(self, state: JobState) -> None: ...

    def all(self) -> builtins.list[JobState]: ...


class StoryRepo(Protocol):
    """Stories with stable ids (see svodka.store.sqlite.stories); merged ids resolve to the survivor."""

    def get(self, story_id: int) -> Story: ...

    def in_period(self, since: datetime, until: datetime) -> builtins.list[Story]:
        """Stories with a post in ``[since, until)``, oldest first."""

    def list(
        self, since: datetime | None = None, limit: int = 50, offset: int = 0, min_posts: int = 1
    ) -> builtins.list[Story]: ...

    def search(self, query: str, limit: int = 10) -> builtins.list[Story]: ...

    def resolve(self, story_id: int) -> int: ...

    def count(self) -> int: ...

    def reserve_ids(self, n: int) -> int:
        """Reserve ``n`` consecutive new story ids; returns the first. Two writers never get one id."""

    def assignments(self) -> dict[int, int]: ...

    def save(
        self, assignments: Iterable[tuple[int, int, float]], merges: Iterable[tuple[int, int]] = ()
    ) -> None: ...


# The pipeline's state key under which every post up to its value is processed: written by svodka.process,
# read by the monitor (a sibling layer that may not import process).
WATERMARK = "watermark"


class AnalysisRepo(Protocol):
    """What the pipeline derives per post (language, ad verdict, origin), embeddings cache, watermark."""

    def save(self, rows: Iterable[PostAnalysis]) -> int: ...

    def get_many(self, post_ids: Sequence[int]) -> dict[int, PostAnalysis]: ...

    def counts(self) -> dict[str, int]: ...

    def copies_of(self, post_id: int) -> builtins.list[int]: ...

    def unjudged(self, limit: int) -> builtins.list[tuple[int, str]]:
        """``(post_id, norm_text)`` of up to ``limit`` rows analysed before the kind was (migration 0037),
        in id order."""

    def set_kinds(self, kinds: Mapping[int, str]) -> None:
        """Each post's ``PostAnalysis.kind`` (``{post_id: kind}``)."""

    def forward_origins(self, post_ids: Sequence[int]) -> dict[int, int]: ...

    def window(self, since: int, before_id: int, until: int | None = None) -> builtins.list[WindowPost]:
        """Analysed, non-ad posts dated in ``[since, until)`` with id ≤ ``before_id``, in date order."""

    def vectors(self, model: str, keys: Sequence[tuple[int, int]]) -> dict[int, bytes]:
        """Cached vectors for ``(post_id, text_hash)`` pairs whose text is unchanged."""

    def vectors_by_hash(self, model: str, hashes: Sequence[int]) -> dict[int, bytes]:
        """``{text_hash: vector}`` of texts embedded before, whichever post they came with."""

    def put_vectors(self, model: str, rows: Iterable[tuple[int, int, bytes]]) -> None: ...

    def get_state(self, key: str, default: int = 0) -> int: ...

    def set_state(self, key: str, value: int) -> None: ...


class QuestionRepo(Protocol):
    """Imported questions, their duplicate group and (sub)topic, topics and the triage model (issue 7)."""

    def add(self, questions: Sequence[Question]) -> int: ...

    def iter_all(self, untriaged_only: bool = False) -> Iterator[StoredQuestion]: ...

    def count(self) -> int: ...

    def replace_triage(self, triage: TriageRecord) -> None:
        """A full triage: assignments, groups, norms, topics, per-topic counts and model all replaced, in one
        transaction (on an error the previous triage stays)."""

    def add_triage(self, triage: TriageRecord) -> None:
        """An incremental triage, in one transaction: the (untriaged) questions assigned and counted, their
        groups grown, their norms added, the topics replaced (sizes from the groups), the model saved."""

    def topics(self) -> builtins.list[QuestionTopic]: ...

    def groups(self) -> builtins.list[tuple[str, str, int, int | None, int | None]]: ...

    def group_of(self, group_ids: Iterable[str]) -> dict[str, tuple[int, int | None, int | None]]: ...

    def groups_for_norms(self, keys: Iterable[int]) -> dict[int, str]: ...

    def topic_stats(self) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, int]]]: ...

    def load_model(self, key: str) -> bytes | None: ...


class Store(Protocol):
    """An open database: repositories plus lifecycle."""

    @property
    def url(self) -> str: ...

    @property
    def channels(self) -> ChannelRepo: ...

    @property
    def posts(self) -> PostRepo: ...

    @property
    def state(self) -> StateRepo: ...

    @property
    def digests(self) -> DigestRepo: ...

    @property
    def digest_jobs(self) -> DigestJobRepo: ...

    @property
    def users(self) -> UserRepo: ...

    @property
    def sessions(self) -> SessionRepo: ...

    @property
    def api_keys(self) -> ApiKeyRepo: ...

    @property
    def login_attempts(self) -> LoginAttemptRepo: ...

    @property
    def marks(self) -> MarkRepo: ...

    @property
    def channel_stats(self) -> ChannelStatsRepo: ...

    @property
    def stories(self) -> StoryRepo: ...

    @property
    def analysis(self) -> AnalysisRepo: ...

    @property
    def questions(self) -> QuestionRepo: ...

    @property
    def watchlists(self) -> WatchlistRepo: ...

    @property
    def alerts(self) -> AlertRepo: ...

    @property
    def developments(self) -> DevelopmentRepo: ...

    @property
    def browse(self) -> BrowseRepo: ...

    @property
    def read_state(self) -> ReadStateRepo: ...

    @property
    def networks(self) -> NetworkRepo: ...

    @property
    def feeds(self) -> FeedTokenRepo: ...

    @property
    def inbox(self) -> AlertInboxRepo: ...

    @property
    def lease(self) -> LeaseRepo: ...

    @property
    def claims(self) -> ClaimRepo: ...

    @property
    def corrections(self) -> CorrectionRepo: ...

    @property
    def storylines(self) -> StorylineRepo: ...

    @property
    def interface(self) -> InterfaceRepo: ...

    @property
    def embed_claims(self) -> EmbedClaimRepo: ...

    def stamp(self) -> Hashable:
        """The store's change stamp: the same value twice only when nothing was committed to the store in
        between, by any process (:mod:`svodka.store.stamp`)."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...

    def transaction(self) -> AbstractContextManager[None]:
        """Every repository write inside is one transaction: stored together, or none of it."""


# --- monitoring (issue 19): watchlists, alerts and their outbox; see svodka.monitor ---


@dataclass(frozen=True, slots=True)
class StoredWatchlist:
    """A watchlist made with `svodka watchlists add` (those of svodka.toml are not stored)."""

    name: str
    spec: str  # JSON: query, filters, rules, targets (svodka.monitor.watchlist reads it)
    owner_id: int | None
    shared: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """What a rule found: recorded as a new alert, as an update when ``level`` grew, else ignored."""

    watchlist: str
    rule: str
    subject: str  # "story:42" or "post:7": one alert per watchlist, rule and subject
    level: int  # how far it grew (independent sources, channels in the hour, edits)
    payload: str  # JSON of this revision (svodka.monitor.alert_schema)
    targets: tuple[str, ...]
    story_id: int | None = None
    post_id: int | None = None


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: int
    watchlist: str
    rule: str
    subject: str
    revision: int
    level: int
    payload: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """One revision of one alert for one target, in the outbox."""

    id: int
    alert_id: int
    revision: int
    target: str
    payload: str
    status: str  # pending, sent, dead
    attempts: int
    next_attempt: datetime
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxCount:
    target: str
    pending: int
    sent: int
    dead: int
    last_sent: datetime | None
    last_error: str | None


class WatchlistRepo(Protocol):
    def add(self, name: str, spec: str, owner_id: int | None = None, shared: bool = True) -> StoredWatchlist:
        """A new watchlist; StoreError when the name is taken."""

    def list(self) -> builtins.list[StoredWatchlist]: ...

    def remove(self, name: str) -> bool: ...


class AlertRepo(Protocol):
    """Alerts and their outbox: recorded before they are sent, marked sent once a target confirmed."""

    def record(self, drafts: Iterable[AlertDraft], now: datetime) -> builtins.list[AlertRecord]:
        """New alerts, and updates of those whose level grew, each with a pending delivery per target;
        returns what was recorded (a draft neither new nor grown is skipped)."""

    def due(self, now: datetime, target: str | None = None) -> builtins.list[Delivery]:
        """Pending deliveries whose next attempt has come, oldest first."""

    def pending(self, target: str) -> builtins.list[Delivery]:
        """Every pending delivery of a target, oldest first (a batch)."""

    def mark_sent(self, delivery_ids: Sequence[int], at: datetime) -> None: ...

    def mark_failed(self, delivery_ids: Sequence[int], error: str, retry_at: datetime | None) -> None:
        """One more failed attempt; ``retry_at`` None dead-letters them."""

    def requeue_dead(self, target: str | None = None) -> int: ...

    def last_sent(self, target: str) -> datetime | None:
        """When the target last confirmed a delivery (its batch window)."""

    def outbox(self) -> builtins.list[OutboxCount]: ...

    def dead(self, limit: int = 20) -> builtins.list[Delivery]: ...

    def recent(self, limit: int = 20) -> builtins.list[AlertRecord]: ...

    def get_state(self, key: str, default: int = 0) -> int: ...

    def set_state(self, key: str, value: int) -> None: ...

    def changes_after(self, change_id: int, limit: int = 1000) -> builtins.list[tuple[int, str, int]]:
        """``(change id, "edit" or "delete", post_id)`` of the edits and deletions stored after change
        ``change_id``, in the order stored (a change feed the store fills itself: migration 0017)."""

    def last_post_id(self) -> int:
        """The highest post id stored (0: none): where matching resumes when every post so far was old."""

    def stories_touched(self, after_post_id: int) -> tuple[builtins.list[int], int]:
        """Ids of the stories that posts with ids above ``after_post_id`` joined, and the highest such
        post id placed (``after_post_id`` when none)."""


class DevelopmentRepo(Protocol):
    """Which story each development (a cluster, ``stories.id``) is in, and the links that joined them."""

    def save(
        self,
        story_of: Mapping[int, int],
        links: Iterable[tuple[int, int, float, str]] = (),
        gone: Iterable[int] = (),
    ) -> None:
        """``{development: story}``, ``(a, b, score, signals)`` links; ``gone``: developments merged away."""

    def story_of(self, development_ids: Sequence[int]) -> dict[int, int]: ...

    def developments(self, story_id: int) -> builtins.list[int]:
        """The story's developments, oldest first (a development in no story is its own)."""

    def links(self, development_ids: Sequence[int]) -> builtins.list[tuple[int, int, float, str]]: ...

    def post_links(self, post_ids: Sequence[int]) -> dict[int, tuple[str, ...]]: ...


# --- browsing stories, and the store's own clock (the stories browser, archive time) ----------------------
# StoryQuery.sort: independent sources (then channels, posts); posts; first seen; last active (newest first)
STORY_SORTS = ("score", "size", "first", "recent")


@dataclass(frozen=True, slots=True)
class StoryQuery:
    """Which stories to list, and how: every filter is optional; ``since``/``until`` keep the stories
    active in that span (some post inside it). ``channel_ids``: covered by one of these channels;
    ``without_channel_ids``: by none of those; ``language``: some post in it; ``story_ids``: only these."""

    since: datetime | None = None
    until: datetime | None = None
    channel_ids: tuple[int, ...] | None = None
    without_channel_ids: tuple[int, ...] = ()
    language: str | None = None
    min_posts: int = 2
    min_channels: int = 1
    min_independent: int = 0
    story_ids: tuple[int, ...] | None = None
    sort: str = "score"
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class StoryRow:
    """A story as a list shows it, computed in the database (no members loaded)."""

    id: int
    first_date: datetime
    last_date: datetime
    posts: int
    channels: int
    independent: int  # channels with a post that copies no other (independent sources)
    updated_at: datetime | None  # when a post last joined it
    first_post_id: int  # the first reporter's post: the earliest that copies no other
    first_post_date: datetime | None
    first_channel_id: int
    first_channel: str
    lead_text: str  # the earliest original post's text: the headline is cut from it
    hourly: tuple[tuple[datetime, int], ...]  # posts per hour, hours with posts only, in order


@dataclass(frozen=True, slots=True)
class StoryPage:
    rows: tuple[StoryRow, ...]
    total: int  # stories that pass the filters, over every page


class BrowseRepo(Protocol):
    def stories(self, query: StoryQuery) -> StoryPage:
        """One page of stories that pass ``query``, in its order, with the total (one or two queries)."""
        ...

    def story_ids(self, query: StoryQuery) -> builtins.list[tuple[int, int]]:
        """``(story id, posts)`` of every story passing ``query`` (``limit``/``offset`` ignored), in order."""
        ...

    def members(self, story_ids: Sequence[int], per_story: int = 40) -> dict[int, tuple[StoryMember, ...]]:
        """The earliest ``per_story`` members of each story, their posts without versions or links."""
        ...

    def newest_post(self, before: datetime | None = None) -> datetime | None:
        """The date of the newest stored post (at or before ``before``), None in an empty store."""
        ...

    def has_posts(self, since: datetime, until: datetime) -> bool:
        """Whether some post is dated in ``[since, until]``."""
        ...


# --- read / unread, per user ----------------------------------------------------------------------------
READ_KINDS = ("story", "digest")


class ReadStateRepo(Protocol):
    def mark(self, user_id: int, kind: str, ref_ids: Iterable[int]) -> int:
        """Mark these stories or digests read by the user (now); returns how many were unread."""
        ...

    def unmark(self, user_id: int, kind: str, ref_ids: Iterable[int]) -> int:
        """Mark them unread again; returns how many were read."""
        ...

    def read(self, user_id: int, kind: str, ref_ids: Iterable[int]) -> dict[int, datetime]:
        """Of these, the ones the user has read, with when."""
        ...


class NetworkRepo(Protocol):
    """Channel networks (svodka.pipeline.networks): the evidence per post, the networks, the decisions."""

    def add(self, counts: NetworkCounts) -> None: ...

    def shared_texts(self, max_delay_s: int) -> builtins.list[SharedText]: ...

    def channel_posts(self) -> dict[int, int]: ...

    def channel_links(self, min_posts: int) -> dict[int, dict[str, int]]: ...

    def apart(self) -> set[tuple[int, int]]: ...

    def list(self) -> builtins.list[Network]: ...

    def get(self, network_id: int) -> Network: ...

    def of_channel(self, channel_id: int) -> Network | None: ...

    def save_found(self, networks: Sequence[Network]) -> None:
        """Store ``networks`` as the whole list (id 0: a new one); stored proposals not in it go."""

    def set_state(self, network_id: int, state: str) -> Network: ...

    def rename(self, network_id: int, name: str) -> Network: ...

    def split(self, network_id: int, channels: Iterable[int]) -> Network: ...

    def declare(self, name: str, channels: Iterable[int]) -> Network: ...

    # the evidence per pair, counted again only where a batch touched it (0026_network_pairs)
    def pairs_key(self) -> str | None: ...

    def touched(self) -> set[tuple[int, int]]: ...

    def pair_inputs(
        self, channels: Iterable[int], max_delay_s: int, min_posts: int
    ) -> tuple[builtins.list[SharedText], dict[int, dict[str, int]]]: ...

    def pairs(self) -> dict[tuple[int, int], PairEvidence]: ...

    def save_pairs(
        self, touched: Iterable[tuple[int, int]] | None, evidence: Iterable[PairEvidence], key: str
    ) -> None: ...


# --- feeds and the alert inbox (issue 19 §3, §4; migration 0019); see svodka.monitor.feeds ---


@dataclass(frozen=True, slots=True)
class FeedToken:
    """A feed URL's secret as stored (only its SHA-256); the feed it opens is ``kind`` and ``scope``."""

    id: int
    user_id: int | None  # None: made with `svodka feeds add` and no --user
    kind: str  # digest, stories, watchlist
    scope: str  # JSON (svodka.monitor.feeds.FeedSpec)
    name: str
    created_at: datetime
    last_used: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class InboxAlert:
    """An alert as one user's inbox shows it: unread when its latest revision was not read by them."""

    alert: AlertRecord
    unread: bool


class FeedTokenRepo(Protocol):
    def add(self, token_hash: str, kind: str, scope: str, name: str, user_id: int | None) -> FeedToken: ...

    def by_hash(self, token_hash: str) -> FeedToken | None:
        """The token with this hash, revoked or not (the caller refuses a revoked one)."""

    def list(self, user_id: int | None = None) -> builtins.list[FeedToken]:
        """Tokens of one user (None: every token), revoked ones included, oldest first."""

    def revoke(self, token_id: int, user_id: int | None = None) -> bool:
        """Revoke a token (only the user's own when ``user_id`` is given); False: none to revoke."""

    def touch(self, token_id: int) -> None: ...


class AlertInboxRepo(Protocol):
    """Each web user's alert inbox: the alerts of the watchlists they may see, read or unread."""

    def list(self, user_id: int, unread_only: bool = False, limit: int = 50) -> builtins.list[InboxAlert]:
        """The latest alerts of the stored watchlists the user owns or that are shared (and of the lists of
        svodka.toml, which are stored nowhere and so are the team's), newest first."""

    def unread(self, user_id: int) -> int: ...

    def of_watchlist(self, watchlist: str, limit: int = 50) -> builtins.list[AlertRecord]:
        """A watchlist's alerts, the latest revision first (its feed)."""

    def mark_read(self, user_id: int, alert_ids: Sequence[int] | None = None) -> int:
        """Mark these alerts (None: every visible one) read at their current revision; returns how many."""


@dataclass(frozen=True, slots=True)
class Lease:
    """A named run lock as one process saw it: ``held`` by this process for the block, or not, and then
    ``holder`` says who has it ("pid 123 on host"); ``token``: the holder's own, in the lease's row, which
    :meth:`LeaseRepo.confirm` looks for (``ttl``: what the holder renews it for)."""

    name: str
    held: bool
    holder: str
    token: str = ""
    ttl: float = 0.0


class LeaseRepo(Protocol):
    """Named leases: one process at a time runs what a lease guards (story placement); a holder that dies
    frees it (PostgreSQL: the advisory lock goes with its session; SQLite: the row expires, or at once when
    the holder's pid is gone on this host)."""

    def hold(self, name: str, ttl: float) -> AbstractContextManager[Lease]:
        """Try to take ``name`` for this process for the block (never waits); renewed every ``ttl``/3
        while held, released at its end."""

    def confirm(self, lease: Lease) -> bool:
        """Whether the held ``lease`` is still this holder's (its row keeps the token; PostgreSQL: the
        session of its lock answers), renewed if so. Inside a write transaction it fences that transaction:
        the row stays locked to its end, so another process takes the lease over only after the commit (and
        then finds what it committed), never between the check and the commit."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A source's claim as one collector saw it: ``held`` by this process for the block, or not, and then
    ``holder`` says who has it ("pid 123 on host"); ``left()``: the seconds it surely stays held (a renewal
    late for a busy store shortens it; at 0 another collector may take the source)."""

    key: str
    held: bool
    holder: str
    left: Callable[[], float] = field(default=lambda: math.inf, compare=False)


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """One claim of the log (seconds since the epoch, the store's clock): from ``claimed_at`` until
    ``released_at``, or for a holder that died, until its last renewal's ``expires_at``."""

    key: str
    holder: str
    claimed_at: float
    expires_at: float
    released_at: float | None


class ClaimRepo(Protocol):
    """Work shared by several processes on one store: each source is claimed by one collector for its turn
    (PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` on its row; SQLite: the same under ``BEGIN
    IMMEDIATE``); a claim expires unless renewed, so a collector that dies frees its sources."""

    def hold(self, key: str, ttl: float) -> AbstractContextManager[Claim]:
        """Try to claim ``key`` for this process for the block (never waits): free, expired or released;
        renewed every ``ttl``/3 while held, released at its end."""

    def log(self, since: float = 0.0) -> list[ClaimRecord]:
        """The claims taken since ``since`` (the log keeps a day), oldest first."""

    def settled_post_id(self) -> int:
        """The highest post id below which every post is committed: no writer still holds a lower id
        (PostgreSQL hands ids out before commit, so a reader may see id 101 before id 100 lands)."""


class CorrectionRepo(Protocol):
    """Analysts' corrections of the stories, each undoable (migration 0024; svodka.process.corrections
    applies them), and the placement writes they make."""

    def add(self, correction: NewCorrection) -> Correction: ...

    def get(self, correction_id: int) -> Correction:
        """NotFoundError when there is none."""

    def list(self, limit: int = 200) -> builtins.list[Correction]:
        """Newest first, undone ones included."""

    def active(self) -> builtins.list[Correction]:
        """Those not undone, oldest first (the constraints of later runs)."""

    def concerning(self, story_ids: Sequence[int], post_ids: Sequence[int]) -> builtins.list[Correction]:
        """Those about these stories (or developments) or posts, newest first."""

    def undo(self, correction_id: int, user: str) -> Correction:
        """Mark it undone by ``user`` now; StoreError when it was undone already."""

    def not_news(self) -> tuple[frozenset[int], frozenset[int]]:
        """The story ids and post ids marked not news by an active correction."""

    def development_of(self, post_ids: Sequence[int]) -> dict[int, int]:
        """``{post: the development it is in}`` of the placed ones."""

    def story_of_posts(self, post_ids: Sequence[int]) -> dict[int, int]:
        """``{post: the story it is in}`` (a development in no story is its own)."""

    def place_posts(self, rows: Iterable[tuple[int, int]]) -> None:
        """Put posts into developments ``(post, development)``: both sides' dates and counts follow; a
        development left empty leaves its story."""

    def revive(self, development_ids: Sequence[int]) -> None:
        """Developments the clusterer merged away made developments of their own again (their aliases go;
        their posts are put back with :meth:`place_posts`)."""

    def aliases_to(self, development_ids: Sequence[int]) -> dict[int, int]:
        """``{old id: development}`` of the ids merged away that resolve to these developments."""

    def point_aliases(self, rows: Iterable[tuple[int, int]]) -> None:
        """Old ids ``(old id, development)`` resolving to that development again (a revived one's)."""


# --- storylines (issue 15 §2): stories that continue over days; see svodka.pipeline.storylines ---
@dataclass(frozen=True, slots=True)
class StorylineEntry:
    """A story (story level: ``story_of_development.story_id``) as the storyline stage keeps it: its
    storyline, span, size, and the summary it is compared by (``centroid``: float32 bytes, L2-normalised)."""

    story_id: int
    storyline_id: int
    first: float  # unix seconds of its first and last post
    last: float
    posts: int
    centroid: bytes | None
    names: tuple[str, ...] = ()
    links: tuple[str, ...] = ()  # link targets and "#hashtag"s
    channels: tuple[int, ...] = ()


class StorylineRepo(Protocol):
    """Which storyline each story is in, the summaries they are compared by, the links that joined them."""

    def save(
        self,
        entries: Iterable[StorylineEntry],
        links: Iterable[tuple[int, int, float, str]] = (),
        gone: Iterable[int] = (),
        moves: Mapping[int, int] | None = None,
    ) -> None:
        """Store ``entries`` (replacing a story's row), ``(a, b, score, signals)`` links between stories;
        forget stories merged away (``gone``); ``moves``: ``{absorbed storyline: into}``, every story of
        the absorbed one moves."""

    def since(self, ts: float) -> builtins.list[StorylineEntry]:
        """The stories whose last post is at ``ts`` or later (the candidates of a batch)."""

    def of_stories(self, story_ids: Sequence[int]) -> dict[int, int]:
        """``{story: storyline}`` of the stories stored."""

    def stories(self, storyline_id: int) -> builtins.list[StorylineEntry]:
        """The storyline's stories, oldest first (none: no such storyline)."""

    def links(self, story_ids: Sequence[int]) -> builtins.list[tuple[int, int, float, str]]:
        """The links between the given stories: ``(a, b, score, signals)``."""

    def largest(self, limit: int = 20, min_stories: int = 2) -> builtins.list[tuple[int, int]]:
        """``(storyline, stories)`` of the storylines of ``min_stories`` or more, largest first."""


class InterfaceRepo(Protocol):
    """The interface language (svodka.i18n): each user's choice, and the stored posts' languages that
    ``web.language = auto`` is decided from."""

    def post_languages(self, limit: int = 1000) -> builtins.list[str]:
        """The detected languages of the newest ``limit`` analysed posts (those with one)."""

    def user_language(self, user_id: int) -> str | None:
        """The language the user picked on the account page; None: the app's (or no such user)."""

    def set_user_language(self, user_id: int, language: str | None) -> None:
        """Keep the user's language (None: back to the app's)."""


# --- embedding claims (issue 18 §3): several `svodka process` workers share the embedding ---
@dataclass(frozen=True, slots=True)
class EmbedClaim:
    """Posts one worker embeds for ``model``, in id order (none: nothing was free to claim), held by
    this process under ``token`` for the block; :meth:`EmbedClaimRepo.done` marks them embedded."""

    token: str
    model: str
    posts: tuple[StoredPost, ...]


@dataclass(frozen=True, slots=True)
class EmbedClaimRecord:
    """One embedding claim of the log (seconds since the epoch, the store's clock): ``done_at`` when its
    vectors were stored, ``released_at`` when its block ended; neither, for a worker that died holding it
    (then it was held until ``expires_at``, its last renewal's)."""

    token: str
    holder: str
    model: str
    posts: int
    claimed_at: float
    expires_at: float
    done_at: float | None
    released_at: float | None
    embedded: int | None  # texts the worker put through the model


class EmbedClaimRepo(Protocol):
    """Embedding claimed in batches by any number of `svodka process` workers (migration 0029): a post is
    claimed by one worker at a time (PostgreSQL: the candidates locked ``FOR NO KEY UPDATE SKIP LOCKED``;
    SQLite: under ``BEGIN IMMEDIATE``), a claim expires unless renewed, so a killed worker's posts return
    to the pool; a claim is done in the transaction that stores its vectors."""

    def hold(self, model: str, after_id: int, limit: int, ttl: float) -> AbstractContextManager[EmbedClaim]:
        """Claim up to ``limit`` posts with an id above ``after_id`` (the pipeline's watermark; the claims of
        posts at or below it are forgotten) that are not deleted, not analysed yet, and neither done nor held
        for ``model``, lowest ids first (a range of the primary key: cheap however many wait). Never waits;
        renewed every ``ttl``/3 while held; at the end of the block the posts not done are free again."""

    def hold_posts(
        self, model: str, post_ids: Sequence[int], ttl: float
    ) -> AbstractContextManager[EmbedClaim]:
        """For the placement lease's holder: claim those of ``post_ids`` no other worker's live claim holds,
        as :meth:`hold` (a done one is taken again; one an earlier holder of the lease left is its dead
        predecessor's, taken over at once)."""

    def confirm(self, claim: EmbedClaim, ttl: float) -> frozenset[int]:
        """Renew ``claim`` now (``ttl`` on); the ids of its posts it still holds (the others expired and
        another worker claimed them meanwhile)."""

    def done(self, claim: EmbedClaim, embedded: int) -> None:
        """The claim's posts are embedded (``embedded`` texts through the model): call it in the transaction
        that stores their vectors."""

    def in_flight(self, model: str, post_ids: Sequence[int]) -> int:
        """How many of ``post_ids`` a live claim of a worker without the lease holds, not done: other
        workers embedding them now."""

    def log(self, since: float = 0.0) -> builtins.list[EmbedClaimRecord]:
        """The claims taken since ``since`` (the log keeps a day), oldest first."""

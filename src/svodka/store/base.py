"""The store interface: small, role-named repositories behind one :class:`Store`.

The pipeline, the collectors and the web app talk to these protocols only, so a PostgreSQL backend can
stand in for SQLite without touching them. Each repository lives in its own module per backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from svodka.model import (
    Channel,
    ChannelRef,
    ChannelStats,
    Post,
    PostVersion,
    SaveResult,
    SearchHit,
    SourceState,
    StoredPost,
)


class ChannelRepo(Protocol):
    def resolve(self, ref: ChannelRef) -> int:
        """The channel id for ``ref``, creating the channel (or filling in what it lacked) if needed."""

    def get(self, name: str) -> Channel:
        """A channel by handle, ``@handle``, numeric id, ``-100…`` id or exact title; NotFoundError if none."""

    def by_id(self, channel_id: int) -> Channel: ...

    def list(self, group: str | None = None) -> list[Channel]: ...

    def add(self, ref: ChannelRef, tier: int | None = None, groups: Sequence[str] = ()) -> Channel: ...

    def remove(self, name: str, keep_posts: bool = False) -> Channel: ...

    def set_tier(self, name: str, tier: int) -> Channel: ...

    def set_groups(self, name: str, groups: Sequence[str], add: bool = False) -> Channel: ...

    def update_info(self, channel_id: int, title: str | None = None, subscribers: int | None = None) -> None: ...

    def stats(self) -> list[ChannelStats]: ...


class PostRepo(Protocol):
    def save(self, posts: Iterable[Post], seen_at: datetime | None = None) -> SaveResult:
        """Store a batch in one transaction: new posts added, changed texts kept as versions."""

    def mark_deleted(self, channel_id: int, message_ids: Iterable[int], source: str) -> int:
        """Soft-delete posts the source no longer shows; returns how many were newly marked."""

    def get(self, post_id: int) -> StoredPost: ...

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
    ) -> list[SearchHit]: ...


class StateRepo(Protocol):
    def get(self, key: str) -> SourceState: ...

    def put(self, state: SourceState, channel_id: int | None = None) -> None: ...

    def all(self) -> list[SourceState]: ...


class Store(Protocol):
    """An open database: repositories plus lifecycle."""

    url: str
    channels: ChannelRepo
    posts: PostRepo
    state: StateRepo

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...

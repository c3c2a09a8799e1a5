"""Channels as both backends store them: a row and its groups → :class:`~svodka.model.Channel`, how a ref's
handle is kept, and the checks before a tier, a handle or a merge is written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from svodka.errors import StoreError
from svodka.model import PLATFORM_TELEGRAM, Channel, ChannelRef, ChannelStats, from_ts

CHANNEL_COLUMNS = "c.id, c.platform, c.handle, c.ext_id, c.title, c.tier, c.subscribers, c.active, c.added_at"
# A channel's posts, date range, edits and deletions (``{deleted}``: the dialect's count of deleted posts).
STATS = """
    SELECT c.id, COUNT(p.id), MIN(p.date), MAX(p.date),
           (SELECT COUNT(*) FROM post_versions v JOIN posts q ON q.id = v.post_id
             WHERE q.channel_id = c.id),
           {deleted}
    FROM channels c LEFT JOIN posts p ON p.channel_id = c.id
    GROUP BY c.id ORDER BY c.id
"""


def to_channel(row: Sequence[Any], groups: Sequence[str]) -> Channel:
    """A row of :data:`CHANNEL_COLUMNS` and the channel's groups as its record."""
    return Channel(
        id=row[0],
        platform=row[1],
        handle=row[2],
        ext_id=row[3],
        title=row[4],
        tier=row[5],
        subscribers=row[6],
        active=bool(row[7]),
        added_at=from_ts(row[8]),
        groups=tuple(groups),
    )


def channel_stats(r: Sequence[Any], of: Channel) -> ChannelStats:
    """A row of :data:`STATS` for the channel ``of``."""
    return ChannelStats(
        channel=of, posts=r[1], first=from_ts(r[2]), last=from_ts(r[3]), edits=r[4], deletions=r[5] or 0
    )


def handle_of(ref: ChannelRef) -> str | None:
    """The handle as stored: Telegram usernames are case-insensitive; a feed URL's path is not."""
    if ref.handle and ref.platform == PLATFORM_TELEGRAM:
        return ref.handle.lower().lstrip("@")
    return ref.handle


def new_handle(of: Channel, handle: str) -> str:
    """The handle ``of`` is to be given, as stored; StoreError when it is empty."""
    value = handle_of(ChannelRef(platform=of.platform, handle=handle))
    if not value:
        raise StoreError("a handle cannot be empty")
    return value


def check_tier(tier: int) -> int:
    if not 0 <= tier <= 5:
        raise StoreError(f"tier must be 0 (unknown) or 1 (most credible) … 5 (least), not {tier}")
    return tier


def check_named(ref: ChannelRef, handle: str | None) -> None:
    """A channel is made only for a ref that names one (a handle, a platform id or a title)."""
    if not (handle or ref.ext_id is not None or ref.title):
        raise StoreError("a post names no channel (no handle, id or title)")


def fills_in(ref: ChannelRef, handle: str | None, stored: Sequence[Any]) -> bool:
    """Whether ``ref`` knows what the stored ``(id, handle, ext_id, title)`` lacks."""
    _, old_handle, old_ext_id, old_title = stored
    return bool(
        (handle and not old_handle)
        or (ref.ext_id is not None and old_ext_id is None)
        or (ref.title and not old_title)
    )


def check_handle_owner(of: Channel, handle: str, other_id: int, other_ext: str | None) -> None:
    """The channel ``other_id`` holds ``handle`` already: it is merged into ``of`` unless both have a
    platform id (then it is another channel: StoreError)."""
    if other_ext is not None and of.ext_id is not None:
        raise StoreError(
            f"handle {handle!r} belongs to channel #{other_id}, another channel on "
            f"{of.platform} (id {other_ext})"
        )


def check_merge(keep: Channel, drop: Channel) -> None:
    """Whether two channels can be made one: StoreError when they are one channel, or differ in platform,
    platform id or handle."""
    if keep.id == drop.id:
        raise StoreError("a channel cannot be merged with itself")
    if keep.platform != drop.platform:
        raise StoreError(f"{keep.name} and {drop.name} are on different platforms")
    for what, a, b in (("id", keep.ext_id, drop.ext_id), ("handle", keep.handle, drop.handle)):
        if a is not None and b is not None and a != b:
            raise StoreError(f"{keep.name} and {drop.name} have different {what}s ({a}, {b})")

"""Channels as both backends store them: a row and its groups → :class:`~svodka.model.Channel`, how a ref's
handle is kept, the order a ref is looked up in, the checks before a tier, a handle or a merge is written,
and the SQL both dialects write alike (``?`` placeholders)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from svodka.errors import NotFoundError, StoreError
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
BY_ID = f"SELECT {CHANNEL_COLUMNS} FROM channels c WHERE c.id = ?"
# The channel a ref names by ``{column}`` (ext_id, handle or title; :func:`find_keys`, :func:`resolve_keys`).
FIND = (
    f"SELECT {CHANNEL_COLUMNS} FROM channels c WHERE c.platform = ? AND c.{{column}} = ? "
    "ORDER BY c.id LIMIT 1"
)
RESOLVE = (
    "SELECT id, handle, ext_id, title FROM channels WHERE platform = ? AND {column} = ? ORDER BY id LIMIT 1"
)
LIST = f"SELECT {CHANNEL_COLUMNS} FROM channels c ORDER BY c.id"
LIST_GROUP = (
    f"SELECT {CHANNEL_COLUMNS} FROM channels c JOIN channel_groups g ON g.channel_id = c.id "
    "WHERE g.grp = ? ORDER BY c.id"
)
GROUPS = "SELECT grp FROM channel_groups WHERE channel_id = ? ORDER BY grp"
ADD_GROUP = "INSERT INTO channel_groups VALUES (?, ?) ON CONFLICT DO NOTHING"
CLEAR_GROUPS = "DELETE FROM channel_groups WHERE channel_id = ?"
INSERT = "INSERT INTO channels (platform, handle, ext_id, title, added_at) VALUES (?, ?, ?, ?, ?)"
# What a ref knows that the stored channel lacks (:func:`fills_in`).
FILL_IN = (
    "UPDATE channels SET handle = COALESCE(handle, ?), ext_id = COALESCE(ext_id, ?), "
    "title = COALESCE(title, ?) WHERE id = ?"
)
SET_ACTIVE = "UPDATE channels SET active = ? WHERE id = ?"
SET_TIER = "UPDATE channels SET tier = ? WHERE id = ?"
SET_HANDLE = "UPDATE channels SET handle = ? WHERE id = ?"
DELETE = "DELETE FROM channels WHERE id = ?"
# Another channel of the platform holding a handle: ``(id, ext_id)``.
HANDLE_HOLDER = "SELECT id, ext_id FROM channels WHERE platform = ? AND handle = ? AND id != ?"
UPDATE_INFO = (
    "UPDATE channels SET title = COALESCE(?, title), subscribers = COALESCE(?, subscribers) WHERE id = ?"
)
# A merge (keep, drop): what ``drop`` has, its collection state and groups moved to ``keep``, and what
# ``keep`` lacks taken from ``drop`` (``{active}``: the dialect's "either is active"; :func:`merged_row`).
DROPPED = "SELECT handle, ext_id, title, tier, subscribers, active FROM channels WHERE id = ?"
MOVE_STATE = "UPDATE source_state SET channel_id = ? WHERE channel_id = ?"
MOVE_GROUPS = (
    "INSERT INTO channel_groups SELECT ?, grp FROM channel_groups WHERE channel_id = ? ON CONFLICT DO NOTHING"
)
TAKE_OVER = (
    "UPDATE channels SET handle = COALESCE(handle, ?), ext_id = COALESCE(ext_id, ?), "
    "title = COALESCE(title, ?), tier = CASE WHEN tier = 0 THEN ? ELSE tier END, "
    "subscribers = COALESCE(subscribers, ?), active = {active} WHERE id = ?"
)


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


def found_id(channel: Channel | None, channel_id: int) -> Channel:
    if channel is None:
        raise NotFoundError(f"no channel with id {channel_id}")
    return channel


def known(channel: Channel | None, ref: ChannelRef) -> Channel:
    """The channel :meth:`find` found for ``ref``; NotFoundError when none."""
    if channel is None:
        raise NotFoundError(f"unknown channel {ref.key()!r} (see `svodka channels list`)")
    return channel


def find_keys(ref: ChannelRef) -> list[tuple[str, object]]:
    """What a stored channel ``ref`` names is looked up by, in order: its platform's id, else its handle,
    else its exact title (what a user types is parsed into a ref at the edge:
    ``collect.registry.channel_named``)."""
    keys = (("ext_id", ref.ext_id), ("handle", handle_of(ref)), ("title", ref.title))
    return [(column, value) for column, value in keys if value is not None]


def resolve_keys(ref: ChannelRef, handle: str | None) -> list[tuple[str, object]]:
    """What a post's channel is resolved by, in order: its platform's id, else its handle; its title only
    when it names neither."""
    keys: list[tuple[str, object]] = []
    if ref.ext_id is not None:
        keys.append(("ext_id", ref.ext_id))
    if handle:
        keys.append(("handle", handle))
    if not handle and ref.ext_id is None and ref.title:
        keys.append(("title", ref.title))
    return keys


def new_row(ref: ChannelRef, handle: str | None, added_at: int) -> tuple[Any, ...]:
    """The parameters of :data:`INSERT` (after :func:`check_named`)."""
    check_named(ref, handle)
    return (ref.platform, handle, ref.ext_id, ref.title, added_at)


def group_rows(channel_id: int, groups: Sequence[str]) -> list[tuple[int, str]]:
    """The rows of :data:`ADD_GROUP`: the groups named, without blanks."""
    return [(channel_id, g.strip()) for g in groups if g.strip()]


def merged_row(dropped: Sequence[Any], keep_id: int) -> tuple[Any, ...]:
    """The parameters of :data:`TAKE_OVER` from the :data:`DROPPED` row."""
    handle, ext_id, title, tier, subscribers, active = dropped
    return (handle, ext_id, title, tier, subscribers, active, keep_id)


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

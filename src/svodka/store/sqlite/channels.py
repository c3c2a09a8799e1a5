"""Channels and feeds in SQLite."""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Sequence
from typing import Any

from svodka.errors import NotFoundError
from svodka.model import Channel, ChannelRef, ChannelStats
from svodka.store.records.channels import (
    CHANNEL_COLUMNS,
    STATS,
    channel_stats,
    check_handle_owner,
    check_merge,
    check_named,
    check_tier,
    fills_in,
    handle_of,
    new_handle,
    to_channel,
)
from svodka.store.sqlite.db import Database, now_ts
from svodka.store.sqlite.networks import merge_channel, touch_channel


class SqliteChannels:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[ChannelRef, int] = {}

    # --- reading -------------------------------------------------------------------------------------
    def _row_to_channel(self, row: Sequence[Any]) -> Channel:
        groups = self.db.conn.execute(
            "SELECT grp FROM channel_groups WHERE channel_id = ? ORDER BY grp", (row[0],)
        )
        return to_channel(row, [r[0] for r in groups])

    def by_id(self, channel_id: int) -> Channel:
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {CHANNEL_COLUMNS} FROM channels c WHERE c.id = ?", (channel_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no channel with id {channel_id}")
            return self._row_to_channel(row)

    def find(self, ref: ChannelRef) -> Channel | None:
        """The stored channel ``ref`` names: by its platform's id, else its handle, else its exact title
        (what a user types is parsed into a ref at the edge: ``collect.registry.channel_named``)."""
        handle = handle_of(ref)
        with self.db.read() as conn:
            for column, value in (("ext_id", ref.ext_id), ("handle", handle), ("title", ref.title)):
                if value is None:
                    continue
                row = conn.execute(
                    f"SELECT {CHANNEL_COLUMNS} FROM channels c WHERE c.platform = ? AND c.{column} = ? "
                    "ORDER BY c.id",
                    (ref.platform, value),
                ).fetchone()
                if row is not None:
                    return self._row_to_channel(row)
        return None

    def get(self, ref: ChannelRef) -> Channel:
        found = self.find(ref)
        if found is None:
            raise NotFoundError(f"unknown channel {ref.key()!r} (see `svodka channels list`)")
        return found

    def list(self, group: str | None = None) -> list[Channel]:
        with self.db.read() as conn:
            if group:
                rows = conn.execute(
                    f"SELECT {CHANNEL_COLUMNS} FROM channels c JOIN channel_groups g ON g.channel_id = c.id "
                    "WHERE g.grp = ? ORDER BY c.id",
                    (group,),
                ).fetchall()
            else:
                rows = conn.execute(f"SELECT {CHANNEL_COLUMNS} FROM channels c ORDER BY c.id").fetchall()
            return [self._row_to_channel(r) for r in rows]

    # --- writing -------------------------------------------------------------------------------------
    def resolve(self, ref: ChannelRef) -> int:
        cached = self._cache.get(ref)
        if cached is not None:
            return cached
        with self.db.write() as conn:
            channel_id = self._resolve_in(conn, ref)
        self._cache[ref] = channel_id
        return channel_id

    def resolve_in_transaction(self, conn: sqlite3.Connection, ref: ChannelRef) -> int:
        """Like :meth:`resolve`, inside a write transaction the caller holds."""
        cached = self._cache.get(ref)
        if cached is None:
            cached = self._resolve_in(conn, ref)
            self._cache[ref] = cached
        return cached

    def _resolve_in(self, conn: sqlite3.Connection, ref: ChannelRef) -> int:
        handle = handle_of(ref)
        row = None
        ext_id = ref.ext_id
        if ext_id is not None:
            row = conn.execute(
                "SELECT id, handle, ext_id, title FROM channels WHERE platform = ? AND ext_id = ?",
                (ref.platform, ext_id),
            ).fetchone()
        if row is None and handle:
            row = conn.execute(
                "SELECT id, handle, ext_id, title FROM channels WHERE platform = ? AND handle = ?",
                (ref.platform, handle),
            ).fetchone()
        if row is None and not handle and ext_id is None and ref.title:
            row = conn.execute(
                "SELECT id, handle, ext_id, title FROM channels WHERE platform = ? AND title = ?",
                (ref.platform, ref.title),
            ).fetchone()
        if row is None:
            check_named(ref, handle)
            cur = conn.execute(
                "INSERT INTO channels (platform, handle, ext_id, title, added_at) VALUES (?, ?, ?, ?, ?)",
                (ref.platform, handle, ext_id, ref.title, now_ts()),
            )
            return int(cur.lastrowid or 0)  # always set after an INSERT
        channel_id = row[0]
        if fills_in(ref, handle, row):
            conn.execute(
                "UPDATE channels SET handle = COALESCE(handle, ?), ext_id = COALESCE(ext_id, ?), "
                "title = COALESCE(title, ?) WHERE id = ?",
                (handle, ext_id, ref.title, channel_id),
            )
        return int(channel_id)

    def add(self, ref: ChannelRef, tier: int | None = None, groups: Sequence[str] = ()) -> Channel:
        with self.db.write() as conn:
            channel_id = self._resolve_in(conn, ref)
            conn.execute("UPDATE channels SET active = 1 WHERE id = ?", (channel_id,))
            if tier is not None:
                conn.execute("UPDATE channels SET tier = ? WHERE id = ?", (check_tier(tier), channel_id))
            conn.executemany(
                "INSERT OR IGNORE INTO channel_groups VALUES (?, ?)", [(channel_id, g) for g in groups if g]
            )
        self._cache[ref] = channel_id
        return self.by_id(channel_id)

    def remove(self, channel_id: int, keep_posts: bool = False) -> Channel:
        """Stop following a channel; with ``keep_posts`` its posts stay (the channel is only deactivated)."""
        channel = self.by_id(channel_id)
        with self.db.write() as conn:
            if keep_posts:
                conn.execute("UPDATE channels SET active = 0 WHERE id = ?", (channel.id,))
            else:
                touch_channel(conn, channel.id)  # its network evidence goes with its posts
                conn.execute("DELETE FROM channels WHERE id = ?", (channel.id,))
        self._cache.clear()
        return channel

    def set_tier(self, channel_id: int, tier: int) -> Channel:
        channel = self.by_id(channel_id)
        with self.db.write() as conn:
            conn.execute("UPDATE channels SET tier = ? WHERE id = ?", (check_tier(tier), channel.id))
        return self.by_id(channel.id)

    def set_groups(self, channel_id: int, groups: Sequence[str], add: bool = False) -> Channel:
        channel = self.by_id(channel_id)
        with self.db.write() as conn:
            if not add:
                conn.execute("DELETE FROM channel_groups WHERE channel_id = ?", (channel.id,))
            conn.executemany(
                "INSERT OR IGNORE INTO channel_groups VALUES (?, ?)",
                [(channel.id, g.strip()) for g in groups if g.strip()],
            )
        return self.by_id(channel.id)

    def set_handle(self, channel_id: int, handle: str) -> Channel:
        """Give a channel its public handle. A channel that already holds the handle and has no platform
        id (one added as ``@handle`` beside the imported one) is merged into this one; one with another
        platform id is a different channel: StoreError."""
        channel = self.by_id(channel_id)
        value = new_handle(channel, handle)
        with self.db.write() as conn:
            row = conn.execute(
                "SELECT id, ext_id FROM channels WHERE platform = ? AND handle = ? AND id != ?",
                (channel.platform, value, channel.id),
            ).fetchone()
            if row is not None:
                other_id, other_ext = row
                check_handle_owner(channel, value, int(other_id), other_ext)
                self._merge_in(conn, channel.id, int(other_id))
            conn.execute("UPDATE channels SET handle = ? WHERE id = ?", (value, channel.id))
        self._cache.clear()
        return self.by_id(channel.id)

    def merge(self, keep_id: int, drop_id: int) -> Channel:
        """Make two stored channels one: ``drop_id``'s posts, groups and collection state move to
        ``keep_id`` (a message both hold stays as ``keep_id`` stored it), what ``keep_id`` lacks (handle,
        platform id, title, tier) is taken from ``drop_id``, and ``drop_id`` is deleted."""
        keep, drop = self.by_id(keep_id), self.by_id(drop_id)
        check_merge(keep, drop)
        with self.db.write() as conn:
            self._merge_in(conn, keep.id, drop.id)
        self._cache.clear()
        return self.by_id(keep.id)

    def _merge_in(self, conn: sqlite3.Connection, keep_id: int, drop_id: int) -> None:
        row = conn.execute(
            "SELECT handle, ext_id, title, tier, subscribers, active FROM channels WHERE id = ?", (drop_id,)
        ).fetchone()
        merge_channel(conn, keep_id, drop_id)  # the networks' evidence follows the posts
        conn.execute("UPDATE OR IGNORE posts SET channel_id = ? WHERE channel_id = ?", (keep_id, drop_id))
        conn.execute("UPDATE source_state SET channel_id = ? WHERE channel_id = ?", (keep_id, drop_id))
        conn.execute(
            "INSERT OR IGNORE INTO channel_groups SELECT ?, grp FROM channel_groups WHERE channel_id = ?",
            (keep_id, drop_id),
        )
        conn.execute("DELETE FROM channels WHERE id = ?", (drop_id,))  # the unique handle and id free up
        handle, ext_id, title, tier, subscribers, active = row
        conn.execute(
            "UPDATE channels SET handle = COALESCE(handle, ?), ext_id = COALESCE(ext_id, ?), "
            "title = COALESCE(title, ?), tier = CASE WHEN tier = 0 THEN ? ELSE tier END, "
            "subscribers = COALESCE(subscribers, ?), active = MAX(active, ?) WHERE id = ?",
            (handle, ext_id, title, tier, subscribers, active, keep_id),
        )

    def update_info(self, channel_id: int, title: str | None = None, subscribers: int | None = None) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE channels SET title = COALESCE(?, title), subscribers = COALESCE(?, subscribers) "
                "WHERE id = ?",
                (title, subscribers, channel_id),
            )

    def stats(self) -> builtins.list[ChannelStats]:
        with self.db.read() as conn:
            rows = conn.execute(STATS.format(deleted="SUM(p.deleted_at IS NOT NULL)")).fetchall()
        return [channel_stats(r, self.by_id(r[0])) for r in rows]

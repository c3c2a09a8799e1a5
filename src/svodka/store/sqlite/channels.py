"""Channels and feeds in SQLite; rows, look-up order, checks and the shared SQL:
:mod:`svodka.store.records.channels`."""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Sequence
from typing import Any

from svodka.model import Channel, ChannelRef, ChannelStats
from svodka.store.records import channels as rec
from svodka.store.sqlite.db import Database, now_ts
from svodka.store.sqlite.networks import merge_channel, touch_channel


class SqliteChannels:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[ChannelRef, int] = {}

    # --- reading -------------------------------------------------------------------------------------
    def _row_to_channel(self, row: Sequence[Any]) -> Channel:
        groups = self.db.conn.execute(rec.GROUPS, (row[0],))
        return rec.to_channel(row, [r[0] for r in groups])

    def by_id(self, channel_id: int) -> Channel:
        with self.db.read() as conn:
            row = conn.execute(rec.BY_ID, (channel_id,)).fetchone()
            return rec.found_id(None if row is None else self._row_to_channel(row), channel_id)

    def find(self, ref: ChannelRef) -> Channel | None:
        """The stored channel ``ref`` names (``records.channels.find_keys``)."""
        with self.db.read() as conn:
            for column, value in rec.find_keys(ref):
                row = conn.execute(rec.FIND.format(column=column), (ref.platform, value)).fetchone()
                if row is not None:
                    return self._row_to_channel(row)
        return None

    def get(self, ref: ChannelRef) -> Channel:
        return rec.known(self.find(ref), ref)

    def list(self, group: str | None = None) -> list[Channel]:
        with self.db.read() as conn:
            if group:
                rows = conn.execute(rec.LIST_GROUP, (group,)).fetchall()
            else:
                rows = conn.execute(rec.LIST).fetchall()
            return [self._row_to_channel(r) for r in rows]

    # --- writing -------------------------------------------------------------------------------------
    def resolve(self, ref: ChannelRef) -> int:
        if ref not in self._cache:
            with self.db.write() as conn:
                channel_id = self._resolve_in(conn, ref)
            self._cache[ref] = channel_id  # once it is stored
        return self._cache[ref]

    def resolve_in_transaction(self, conn: sqlite3.Connection, ref: ChannelRef) -> int:
        """Like :meth:`resolve`, inside a write transaction the caller holds."""
        if ref not in self._cache:
            self._cache[ref] = self._resolve_in(conn, ref)
        return self._cache[ref]

    def _resolve_in(self, conn: sqlite3.Connection, ref: ChannelRef) -> int:
        handle = rec.handle_of(ref)
        for column, value in rec.resolve_keys(ref, handle):
            row = conn.execute(rec.RESOLVE.format(column=column), (ref.platform, value)).fetchone()
            if row is not None:
                break
        else:
            cur = conn.execute(rec.INSERT, rec.new_row(ref, handle, now_ts()))
            return int(cur.lastrowid or 0)  # always set after an INSERT
        if rec.fills_in(ref, handle, row):
            conn.execute(rec.FILL_IN, (handle, ref.ext_id, ref.title, row[0]))
        return int(row[0])

    def add(self, ref: ChannelRef, tier: int | None = None, groups: Sequence[str] = ()) -> Channel:
        with self.db.write() as conn:
            channel_id = self._resolve_in(conn, ref)
            conn.execute(rec.SET_ACTIVE, (True, channel_id))
            if tier is not None:
                conn.execute(rec.SET_TIER, (rec.check_tier(tier), channel_id))
            conn.executemany(rec.ADD_GROUP, [(channel_id, g) for g in groups if g])
        self._cache[ref] = channel_id
        return self.by_id(channel_id)

    def remove(self, channel_id: int, keep_posts: bool = False) -> Channel:
        """Stop following a channel; with ``keep_posts`` its posts stay (the channel is only deactivated)."""
        channel = self.by_id(channel_id)
        with self.db.write() as conn:
            if keep_posts:
                conn.execute(rec.SET_ACTIVE, (False, channel.id))
            else:
                touch_channel(conn, channel.id)  # its network evidence goes with its posts
                conn.execute(rec.DELETE, (channel.id,))
        self._cache.clear()
        return channel

    def set_tier(self, channel_id: int, tier: int) -> Channel:
        channel = self.by_id(channel_id)
        with self.db.write() as conn:
            conn.execute(rec.SET_TIER, (rec.check_tier(tier), channel.id))
        return self.by_id(channel.id)

    def set_groups(self, channel_id: int, groups: Sequence[str], add: bool = False) -> Channel:
        channel = self.by_id(channel_id)
        with self.db.write() as conn:
            if not add:
                conn.execute(rec.CLEAR_GROUPS, (channel.id,))
            conn.executemany(rec.ADD_GROUP, rec.group_rows(channel.id, groups))
        return self.by_id(channel.id)

    def set_handle(self, channel_id: int, handle: str) -> Channel:
        """Give a channel its public handle. A channel that already holds the handle and has no platform
        id (one added as ``@handle`` beside the imported one) is merged into this one; one with another
        platform id is a different channel: StoreError."""
        channel = self.by_id(channel_id)
        value = rec.new_handle(channel, handle)
        with self.db.write() as conn:
            row = conn.execute(rec.HANDLE_HOLDER, (channel.platform, value, channel.id)).fetchone()
            if row is not None:
                other_id, other_ext = row
                rec.check_handle_owner(channel, value, int(other_id), other_ext)
                self._merge_in(conn, channel.id, int(other_id))
            conn.execute(rec.SET_HANDLE, (value, channel.id))
        self._cache.clear()
        return self.by_id(channel.id)

    def merge(self, keep_id: int, drop_id: int) -> Channel:
        """Make two stored channels one: ``drop_id``'s posts, groups and collection state move to
        ``keep_id`` (a message both hold stays as ``keep_id`` stored it), what ``keep_id`` lacks (handle,
        platform id, title, tier) is taken from ``drop_id``, and ``drop_id`` is deleted."""
        keep, drop = self.by_id(keep_id), self.by_id(drop_id)
        rec.check_merge(keep, drop)
        with self.db.write() as conn:
            self._merge_in(conn, keep.id, drop.id)
        self._cache.clear()
        return self.by_id(keep.id)

    def _merge_in(self, conn: sqlite3.Connection, keep_id: int, drop_id: int) -> None:
        row = conn.execute(rec.DROPPED, (drop_id,)).fetchone()
        merge_channel(conn, keep_id, drop_id)  # the networks' evidence follows the posts
        conn.execute("UPDATE OR IGNORE posts SET channel_id = ? WHERE channel_id = ?", (keep_id, drop_id))
        conn.execute(rec.MOVE_STATE, (keep_id, drop_id))
        conn.execute(rec.MOVE_GROUPS, (keep_id, drop_id))
        conn.execute(rec.DELETE, (drop_id,))  # the unique handle and id free up
        conn.execute(rec.TAKE_OVER.format(active="MAX(active, ?)"), rec.merged_row(row, keep_id))

    def update_info(self, channel_id: int, title: str | None = None, subscribers: int | None = None) -> None:
        with self.db.write() as conn:
            conn.execute(rec.UPDATE_INFO, (title, subscribers, channel_id))

    def stats(self) -> builtins.list[ChannelStats]:
        with self.db.read() as conn:
            rows = conn.execute(rec.STATS.format(deleted="SUM(p.deleted_at IS NOT NULL)")).fetchall()
        return [rec.channel_stats(r, self.by_id(r[0])) for r in rows]

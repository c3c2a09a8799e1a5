"""Feed tokens and the web app's alert inbox in SQLite (migration 0019; see svodka.monitor.feeds)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from svodka.store.base import AlertRecord, FeedToken, InboxAlert
from svodka.store.records.alerts import READ, TOKEN_COLUMNS, UNREAD, alert, token, token_name
from svodka.store.sqlite.alerts import _ALERT_COLS
from svodka.store.sqlite.db import Database, now_ts

# The alerts a user may see: of their own lists, of shared ones, of lists stored nowhere (svodka.toml)
_VISIBLE = (
    "FROM alerts a LEFT JOIN watchlists w ON w.name = a.watchlist "
    "LEFT JOIN alert_reads r ON r.alert_id = a.id AND r.user_id = :user "
    "WHERE (w.id IS NULL OR w.shared = 1 OR w.owner_id = :user)"
)


class SqliteFeeds:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, token_hash: str, kind: str, scope: str, name: str, user_id: int | None) -> FeedToken:
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO feed_tokens (user_id, token_hash, kind, scope, name, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, token_hash, kind, scope, token_name(name), now_ts()),
            )
            row = conn.execute(
                f"SELECT {TOKEN_COLUMNS} FROM feed_tokens WHERE id = ?", (cur.lastrowid,)
            ).fetchone()
        return token(row)

    def by_hash(self, token_hash: str) -> FeedToken | None:
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {TOKEN_COLUMNS} FROM feed_tokens WHERE token_hash = ?", (token_hash,)
            ).fetchone()
        return None if row is None else token(row)

    def list(self, user_id: int | None = None) -> builtins.list[FeedToken]:
        sql, args = f"SELECT {TOKEN_COLUMNS} FROM feed_tokens", []
        if user_id is not None:
            sql, args = sql + " WHERE user_id = ?", [user_id]
        with self.db.read() as conn:
            return [token(r) for r in conn.execute(sql + " ORDER BY id", args).fetchall()]

    def revoke(self, token_id: int, user_id: int | None = None) -> bool:
        sql = "UPDATE feed_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"
        args: tuple[int, ...] = (now_ts(), token_id)
        if user_id is not None:
            sql, args = sql + " AND user_id = ?", (*args, user_id)
        with self.db.write() as conn:
            conn.execute(sql, args)
            return bool(conn.execute("SELECT changes()").fetchone()[0])

    def touch(self, token_id: int) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE feed_tokens SET last_used = ? WHERE id = ?", (now_ts(), token_id))


class SqliteInbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, user_id: int, unread_only: bool = False, limit: int = 50) -> builtins.list[InboxAlert]:
        cols = ", ".join(f"a.{c.strip()}" for c in _ALERT_COLS.split(","))
        sql = f"SELECT {cols}, {UNREAD} {_VISIBLE}" + (f" AND {UNREAD}" if unread_only else "")
        with self.db.read() as conn:
            rows = conn.execute(
                sql + " ORDER BY a.updated_at DESC, a.id DESC LIMIT :limit", {"user": user_id, "limit": limit}
            ).fetchall()
        return [InboxAlert(alert(r[:9]), bool(r[9])) for r in rows]

    def unread(self, user_id: int) -> int:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT COUNT(*) {_VISIBLE} AND {UNREAD}", {"user": user_id}).fetchone()
        return int(row[0])

    def of_watchlist(self, watchlist: str, limit: int = 50) -> builtins.list[AlertRecord]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_ALERT_COLS} FROM alerts WHERE watchlist = ? ORDER BY updated_at DESC, id DESC "
                "LIMIT ?",
                (watchlist, limit),
            ).fetchall()
        return [alert(r) for r in rows]

    def mark_read(self, user_id: int, alert_ids: Sequence[int] | None = None) -> int:
        sql = f"SELECT a.id, a.revision {_VISIBLE} AND {UNREAD}"
        params: dict[str, Any] = {"user": user_id}
        if alert_ids is not None:
            marks = ", ".join(f":a{i}" for i in range(len(alert_ids))) or "NULL"
            sql += f" AND a.id IN ({marks})"
            params.update({f"a{i}": int(a) for i, a in enumerate(alert_ids)})
        with self.db.write() as conn:
            rows = conn.execute(sql, params).fetchall()
            conn.executemany(
                READ,
                [(user_id, r[0], r[1], now_ts()) for r in rows],
            )
        return len(rows)

"""Feed tokens and the web app's alert inbox in PostgreSQL (migration 0019; see svodka.monitor.feeds)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from svodka.store.base import AlertRecord, FeedToken, InboxAlert
from svodka.store.postgres.alerts import _ALERT_COLS
from svodka.store.postgres.db import Database, now_ts, pyformat
from svodka.store.records.alerts import READ, TOKEN_COLUMNS, UNREAD, alert, token, token_name

# The alerts a user may see: of their own lists, of shared ones, of lists stored nowhere (svodka.toml)
_VISIBLE = (
    "FROM alerts a LEFT JOIN watchlists w ON w.name = a.watchlist "
    "LEFT JOIN alert_reads r ON r.alert_id = a.id AND r.user_id = %(user)s "
    "WHERE (w.id IS NULL OR w.shared OR w.owner_id = %(user)s)"
)


class PgFeeds:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, token_hash: str, kind: str, scope: str, name: str, user_id: int | None) -> FeedToken:
        with self.db.write() as conn:
            row = conn.execute(
                "INSERT INTO feed_tokens (user_id, token_hash, kind, scope, name, created_at) "
                f"VALUES (%s, %s, %s, %s, %s, %s) RETURNING {TOKEN_COLUMNS}",
                (user_id, token_hash, kind, scope, token_name(name), now_ts()),
            ).fetchone()
        assert row is not None  # RETURNING of an INSERT that did not fail
        return token(row)

    def by_hash(self, token_hash: str) -> FeedToken | None:
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {TOKEN_COLUMNS} FROM feed_tokens WHERE token_hash = %s", (token_hash,)
            ).fetchone()
        return None if row is None else token(row)

    def list(self, user_id: int | None = None) -> builtins.list[FeedToken]:
        with self.db.read() as conn:
            if user_id is None:
                rows = conn.execute(f"SELECT {TOKEN_COLUMNS} FROM feed_tokens ORDER BY id").fetchall()
            else:
                rows = conn.execute(
                    f"SELECT {TOKEN_COLUMNS} FROM feed_tokens WHERE user_id = %s ORDER BY id", (user_id,)
                ).fetchall()
        return [token(r) for r in rows]

    def revoke(self, token_id: int, user_id: int | None = None) -> bool:
        sql = "UPDATE feed_tokens SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL"
        args: tuple[int, ...] = (now_ts(), token_id)
        if user_id is not None:
            sql, args = sql + " AND user_id = %s", (*args, user_id)
        with self.db.write() as conn:
            return conn.execute(sql, args).rowcount > 0

    def touch(self, token_id: int) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE feed_tokens SET last_used = %s WHERE id = %s", (now_ts(), token_id))


class PgInbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, user_id: int, unread_only: bool = False, limit: int = 50) -> builtins.list[InboxAlert]:
        cols = ", ".join(f"a.{c.strip()}" for c in _ALERT_COLS.split(","))
        sql = f"SELECT {cols}, {UNREAD} {_VISIBLE}" + (f" AND {UNREAD}" if unread_only else "")
        with self.db.read() as conn:
            rows = conn.execute(
                sql + " ORDER BY a.updated_at DESC, a.id DESC LIMIT %(limit)s",
                {"user": user_id, "limit": limit},
            ).fetchall()
        return [InboxAlert(alert(r[:9]), bool(r[9])) for r in rows]

    def unread(self, user_id: int) -> int:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT COUNT(*) {_VISIBLE} AND {UNREAD}", {"user": user_id}).fetchone()
        return int(row[0]) if row else 0

    def of_watchlist(self, watchlist: str, limit: int = 50) -> builtins.list[AlertRecord]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_ALERT_COLS} FROM alerts WHERE watchlist = %s ORDER BY updated_at DESC, id DESC "
                "LIMIT %s",
                (watchlist, limit),
            ).fetchall()
        return [alert(r) for r in rows]

    def mark_read(self, user_id: int, alert_ids: Sequence[int] | None = None) -> int:
        sql = f"SELECT a.id, a.revision {_VISIBLE} AND {UNREAD}"
        params: dict[str, Any] = {"user": user_id}
        if alert_ids is not None:
            sql += " AND a.id = ANY(%(ids)s)"
            params["ids"] = [int(a) for a in alert_ids]
        with self.db.write() as conn:
            rows = conn.execute(sql, params).fetchall()
            with conn.cursor() as cur:
                cur.executemany(
                    pyformat(READ),
                    [(user_id, r[0], r[1], now_ts()) for r in rows],
                )
        return len(rows)

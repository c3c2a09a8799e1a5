"""Feed tokens and the web app's alert inbox as both backends keep them (migration 0019; see
svodka.monitor.feeds): the repositories, written once for both."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, ClassVar

from svodka.store.base import AlertRecord, FeedToken, InboxAlert
from svodka.store.records.alerts import ALERT_COLUMNS, READ, TOKEN_COLUMNS, UNREAD, alert, token, token_name
from svodka.store.records.dialect import Database, changed, inserted, now_ts, row, rows, write_many

# The alerts a user may see: of their own lists, of shared ones, of lists stored nowhere (svodka.toml); the
# parameters: the user twice.
VISIBLE = (
    "FROM alerts a LEFT JOIN watchlists w ON w.name = a.watchlist "
    "LEFT JOIN alert_reads r ON r.alert_id = a.id AND r.user_id = ? "
    "WHERE (w.id IS NULL OR w.shared = TRUE OR w.owner_id = ?)"
)

ADD_TOKEN = (
    "INSERT INTO feed_tokens (user_id, token_hash, kind, scope, name, created_at) VALUES (?, ?, ?, ?, ?, ?)"
)


class SharedFeeds:
    """Feed tokens on either backend."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, token_hash: str, kind: str, scope: str, name: str, user_id: int | None) -> FeedToken:
        params = (user_id, token_hash, kind, scope, token_name(name), now_ts())
        with self.db.write():
            found = row(
                self.db,
                f"SELECT {TOKEN_COLUMNS} FROM feed_tokens WHERE id = ?",
                (inserted(self.db, ADD_TOKEN, params),),
            )
        assert found is not None  # the row just inserted
        return token(found)

    def by_hash(self, token_hash: str) -> FeedToken | None:
        found = row(self.db, f"SELECT {TOKEN_COLUMNS} FROM feed_tokens WHERE token_hash = ?", (token_hash,))
        return None if found is None else token(found)

    def list(self, user_id: int | None = None) -> builtins.list[FeedToken]:
        if user_id is None:
            found = rows(self.db, f"SELECT {TOKEN_COLUMNS} FROM feed_tokens ORDER BY id")
        else:
            found = rows(
                self.db, f"SELECT {TOKEN_COLUMNS} FROM feed_tokens WHERE user_id = ? ORDER BY id", (user_id,)
            )
        return [token(r) for r in found]

    def revoke(self, token_id: int, user_id: int | None = None) -> bool:
        sql = "UPDATE feed_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"
        args: tuple[int, ...] = (now_ts(), token_id)
        if user_id is not None:
            sql, args = sql + " AND user_id = ?", (*args, user_id)
        return changed(self.db, sql, args) > 0

    def touch(self, token_id: int) -> None:
        changed(self.db, "UPDATE feed_tokens SET last_used = ? WHERE id = ?", (now_ts(), token_id))


class SharedInbox:
    """The web app's alert inbox on either backend; a backend's class names how it reads an alert's payload
    as text (``PAYLOAD``)."""

    PAYLOAD: ClassVar[str]

    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, user_id: int, unread_only: bool = False, limit: int = 50) -> builtins.list[InboxAlert]:
        columns = ALERT_COLUMNS.format(payload=self.PAYLOAD)
        cols = ", ".join(f"a.{c.strip()}" for c in columns.split(","))
        sql = f"SELECT {cols}, {UNREAD} {VISIBLE}" + (f" AND {UNREAD}" if unread_only else "")
        found = rows(
            self.db, sql + " ORDER BY a.updated_at DESC, a.id DESC LIMIT ?", (user_id, user_id, limit)
        )
        return [InboxAlert(alert(r[:9]), bool(r[9])) for r in found]

    def unread(self, user_id: int) -> int:
        found = row(self.db, f"SELECT COUNT(*) {VISIBLE} AND {UNREAD}", (user_id, user_id))
        return int(found[0]) if found else 0

    def of_watchlist(self, watchlist: str, limit: int = 50) -> builtins.list[AlertRecord]:
        sql = (
            f"SELECT {ALERT_COLUMNS.format(payload=self.PAYLOAD)} FROM alerts WHERE watchlist = ? "
            "ORDER BY updated_at DESC, id DESC LIMIT ?"
        )
        return [alert(r) for r in rows(self.db, sql, (watchlist, limit))]

    def mark_read(self, user_id: int, alert_ids: Sequence[int] | None = None) -> int:
        d = self.db.dialect
        sql = f"SELECT a.id, a.revision {VISIBLE} AND {UNREAD}"
        params: tuple[Any, ...] = (user_id, user_id)
        if alert_ids is not None:
            ids = [int(a) for a in alert_ids]
            sql, params = sql + f" AND a.id {d.ids(len(ids))}", (*params, *d.bind(ids))
        with self.db.write() as conn:
            unread = conn.execute(d.sql(sql), params).fetchall()
            write_many(self.db, READ, [(user_id, r[0], r[1], now_ts()) for r in unread])
        return len(unread)

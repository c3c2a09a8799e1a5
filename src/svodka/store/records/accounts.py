"""The web app's API keys and marks as both backends store them: rows → records, the checks before a write
and the SQL both dialects write alike (``?`` placeholders; the PostgreSQL backend puts them in its style)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, ClassVar

from svodka.errors import StoreError
from svodka.model import ApiKey, Mark, Session, User, from_ts
from svodka.store.base import LoginFailures
from svodka.store.records import when
from svodka.store.records.dialect import Database, changed, inserted, now_ts, row, rows
from svodka.store.records.users import USER_COLS, user_from_row

KEY_COLUMNS = "id, user_id, prefix, name, created_at, last_used"
LIST_KEYS = f"SELECT {KEY_COLUMNS} FROM api_keys WHERE user_id = ? ORDER BY id"
# A key, its stored hash and its owner (``{user_columns}``: the user's columns, as the users repository
# reads them).
KEY_BY_PREFIX = (
    "SELECT k.id, k.user_id, k.prefix, k.name, k.created_at, k.last_used, k.key_hash, "
    "{user_columns} FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = ?"
)
ADD_KEY = "INSERT INTO api_keys (user_id, prefix, key_hash, name, created_at) VALUES (?, ?, ?, ?, ?)"
REVOKE_KEY = "DELETE FROM api_keys WHERE id = ? AND user_id = ?"
TOUCH_KEY = "UPDATE api_keys SET last_used = ? WHERE id = ?"

SET_MARK = (
    "INSERT INTO marks (user_id, kind, ref_id, note, created_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (user_id, kind, ref_id) DO UPDATE SET note = excluded.note"
)
REMOVE_MARK = "DELETE FROM marks WHERE user_id = ? AND kind = ? AND ref_id = ?"
LIST_MARKS = (
    "SELECT user_id, kind, ref_id, note, created_at FROM marks WHERE user_id = ? "
    "ORDER BY created_at DESC, kind, ref_id"
)


def api_key(r: Sequence[Any]) -> ApiKey:
    """A row of :data:`KEY_COLUMNS` as its record."""
    return ApiKey(
        id=r[0], user_id=r[1], prefix=r[2], name=r[3], created_at=when(r[4]), last_used=from_ts(r[5])
    )


def key_name(name: str) -> str:
    return name.strip()[:100]


def mark(r: Sequence[Any]) -> Mark:
    """A row of :data:`LIST_MARKS` as its record."""
    return Mark(r[0], r[1], r[2], r[3], when(r[4]))


def mark_row(user_id: int, kind: str, ref_id: int, note: str, created_at: int) -> tuple[Any, ...]:
    """The parameters of :data:`SET_MARK`; StoreError for a mark on something but a post or a story."""
    if kind not in ("post", "story"):
        raise StoreError(f"a mark is on a post or a story, not {kind!r}")
    return (user_id, kind, ref_id, note.strip()[:1000], created_at)


# Sessions (``{user_columns}`` as in :data:`KEY_BY_PREFIX`).
DROP_EXPIRED = "DELETE FROM sessions WHERE expires_at < ?"
CREATE_SESSION = (
    "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)"
)
LIVE_SESSION = (
    "SELECT {user_columns}, s.csrf, s.expires_at FROM sessions s "
    "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at >= ?"
)
DELETE_SESSION = "DELETE FROM sessions WHERE token_hash = ?"

# Login attempts: those older than a day decide nothing.
ATTEMPTS_KEPT = 86400
DROP_OLD_ATTEMPTS = "DELETE FROM login_attempts WHERE at < ?"
RECORD_ATTEMPT = "INSERT INTO login_attempts (username, client, at, ok) VALUES (?, ?, ?, ?)"


def login_name(username: str) -> str:
    """A username as a login attempt keeps it."""
    return username.strip()[:64]


class SharedMarks:
    """Analysts' marks on posts and stories, on either backend."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def set(self, user_id: int, kind: str, ref_id: int, note: str = "") -> Mark:
        changed(self.db, SET_MARK, mark_row(user_id, kind, ref_id, note, now_ts()))
        return next(m for m in self.list(user_id) if m.kind == kind and m.ref_id == ref_id)

    def remove(self, user_id: int, kind: str, ref_id: int) -> bool:
        return changed(self.db, REMOVE_MARK, (user_id, kind, ref_id)) > 0

    def list(self, user_id: int) -> builtins.list[Mark]:
        return [mark(r) for r in rows(self.db, LIST_MARKS, (user_id,))]


class SharedSessions:
    """Login sessions of the web app, on either backend: only the SHA-256 of a session token is stored (see
    :mod:`svodka.web.auth`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, token_hash: str, user_id: int, csrf: str, expires_at: int) -> None:
        now, sql = now_ts(), self.db.dialect.sql
        with self.db.write() as conn:
            conn.execute(sql(DROP_EXPIRED), (now,))
            conn.execute(sql(CREATE_SESSION), (token_hash, user_id, csrf, now, expires_at))

    def get(self, token_hash: str) -> Session | None:
        """The live session with this token hash (None when unknown or expired)."""
        found = row(self.db, LIVE_SESSION.format(user_columns=USER_COLS), (token_hash, now_ts()))
        return None if found is None else Session(user_from_row(found[:5]), found[5], found[6])

    def delete(self, token_hash: str) -> None:
        changed(self.db, DELETE_SESSION, (token_hash,))


# The failed attempts of a pair since a time, after its last successful login (ids order attempts within a
# second): ``{name}``, the backend's test of ``username`` against one name (as :class:`SharedUsers.NAME`).
PAIR_FAILURES = (
    "SELECT COUNT(*), MAX(at) FROM login_attempts WHERE {name} AND client = ? AND at >= ? AND ok = ? "
    "AND id > COALESCE((SELECT MAX(id) FROM login_attempts WHERE {name} AND client = ? AND ok = ?), 0)"
)
CLIENT_FAILURES = "SELECT COUNT(*), MIN(at) FROM login_attempts WHERE client = ? AND at >= ? AND ok = ?"


class SharedLoginAttempts:
    """Login attempts of the web app, on either backend: what the login limit of :mod:`svodka.web.auth`
    counts; a backend's class names how it tests a name (``NAME``)."""

    NAME: ClassVar[str]

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, username: str, client: str, ok: bool) -> None:
        now, sql = now_ts(), self.db.dialect.sql
        with self.db.write() as conn:
            # Attempts older than a day decide nothing: the table is kept small.
            conn.execute(sql(DROP_OLD_ATTEMPTS), (now - ATTEMPTS_KEPT,))
            conn.execute(sql(RECORD_ATTEMPT), (login_name(username), client, now, ok))

    def failures_since(self, username: str, client: str, since: int) -> LoginFailures:
        name, sql = login_name(username), self.db.dialect.sql
        with self.db.read() as conn:
            # A successful login of the pair starts its count again.
            pair = conn.execute(
                sql(PAIR_FAILURES.format(name=self.NAME)), (name, client, since, False, name, client, True)
            ).fetchone()
            by_client = conn.execute(sql(CLIENT_FAILURES), (client, since, False)).fetchone()
        assert pair is not None and by_client is not None  # an aggregate has one row
        return LoginFailures(int(pair[0]), pair[1], int(by_client[0]), by_client[1])


class SharedApiKeys:
    """API keys of the web app, on either backend: a key is stored as its prefix and its SHA-256 (see
    :mod:`svodka.web.auth`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, user_id: int, prefix: str, key_hash: str, name: str = "") -> ApiKey:
        key_id = inserted(self.db, ADD_KEY, (user_id, prefix, key_hash, key_name(name), now_ts()))
        return next(k for k in self.list(user_id) if k.id == key_id)

    def by_prefix(self, prefix: str) -> tuple[ApiKey, str, User] | None:
        """The key with this prefix, its stored hash and its owner."""
        found = row(self.db, KEY_BY_PREFIX.format(user_columns=USER_COLS), (prefix,))
        return None if found is None else (api_key(found[:6]), found[6], user_from_row(found[7:]))

    def list(self, user_id: int) -> builtins.list[ApiKey]:
        return [api_key(r) for r in rows(self.db, LIST_KEYS, (user_id,))]

    def revoke(self, user_id: int, key_id: int) -> bool:
        return changed(self.db, REVOKE_KEY, (key_id, user_id)) > 0

    def touch(self, key_id: int) -> None:
        changed(self.db, TOUCH_KEY, (now_ts(), key_id))

"""The web app's API keys and marks as both backends store them: rows → records, the checks before a write
and the SQL both dialects write alike (``?`` placeholders; the PostgreSQL backend puts them in its style)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from svodka.errors import StoreError
from svodka.model import ApiKey, Mark, from_ts
from svodka.store.records import when

KEY_COLUMNS = "id, user_id, prefix, name, created_at, last_used"
LIST_KEYS = f"SELECT {KEY_COLUMNS} FROM api_keys WHERE user_id = ? ORDER BY id"
# A key, its stored hash and its owner (``{user_columns}``: the user's columns, as the users repository
# reads them).
KEY_BY_PREFIX = (
    "SELECT k.id, k.user_id, k.prefix, k.name, k.created_at, k.last_used, k.key_hash, "
    "{user_columns} FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = ?"
)
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

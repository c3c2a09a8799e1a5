"""Alerts, their outbox and the web app's alert inbox as both backends store them: rows → records, and the
SQL both dialects write alike (``?`` placeholders; the PostgreSQL backend puts them in its style)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from svodka.model import from_ts
from svodka.store.base import AlertRecord, Delivery, FeedToken, OutboxCount
from svodka.store.records import when

# The columns of an alert and of a delivery (``{payload}``: the payload as the backend reads it as text).
ALERT_COLUMNS = "id, watchlist, rule, subject, revision, level, {payload}, created_at, updated_at"
DELIVERY_COLUMNS = (
    "id, alert_id, revision, target, {payload}, status, attempts, next_attempt, last_error, created_at"
)
TOKEN_COLUMNS = "id, user_id, kind, scope, name, created_at, last_used, revoked_at"
UNREAD = "(r.revision IS NULL OR r.revision < a.revision)"

LAST_SENT = "SELECT MAX(sent_at) FROM alert_deliveries WHERE target = ?"
GET_STATE = "SELECT value FROM monitor_state WHERE key = ?"
SET_STATE = (
    "INSERT INTO monitor_state (key, value) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
CHANGES_AFTER = "SELECT id, kind, post_id FROM monitor_changes WHERE id > ? ORDER BY id LIMIT ?"
STORIES_TOUCHED = "SELECT DISTINCT story_id FROM story_posts WHERE post_id > ? ORDER BY story_id"
READ = (
    "INSERT INTO alert_reads (user_id, alert_id, revision, read_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (user_id, alert_id) DO UPDATE SET revision = excluded.revision, read_at = excluded.read_at"
)


def alert(r: Sequence[Any]) -> AlertRecord:
    """A row of :data:`ALERT_COLUMNS` as its record."""
    return AlertRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], when(r[7]), when(r[8]))


def delivery(r: Sequence[Any]) -> Delivery:
    """A row of :data:`DELIVERY_COLUMNS` as its record."""
    return Delivery(r[0], r[1], r[2], r[3], r[4], r[5], r[6], when(r[7]), r[8], when(r[9]))


def outbox_count(r: Sequence[Any]) -> OutboxCount:
    """A row ``(target, pending, sent, dead, last sent, last error)`` as its record."""
    return OutboxCount(r[0], r[1], r[2], r[3], when(r[4]) if r[4] else None, r[5])


def token(r: Sequence[Any]) -> FeedToken:
    """A row of :data:`TOKEN_COLUMNS` as its record."""
    return FeedToken(r[0], r[1], r[2], r[3], r[4], when(r[5]), from_ts(r[6]), from_ts(r[7]))


def token_name(name: str) -> str:
    return name.strip()[:100]

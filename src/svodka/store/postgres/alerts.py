"""Alerts and their outbox in PostgreSQL (migration 0017_monitoring); the rules live in svodka.monitor.

An alert is one row per (watchlist, rule, subject). Recording a draft whose level grew makes a new revision;
every revision gets one pending delivery per target in the same transaction, before anything is sent. The
alert's row is locked while its revision is decided, so two monitors recording at once make one revision.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import datetime

import psycopg

from svodka.store.base import AlertDraft, AlertRecord, Delivery, OutboxCount
from svodka.store.postgres.db import Database, pyformat
from svodka.store.records import ts, when
from svodka.store.records.alerts import (
    ALERT_COLUMNS,
    CHANGES_AFTER,
    DELIVERY_COLUMNS,
    GET_STATE,
    LAST_SENT,
    SET_STATE,
    STORIES_TOUCHED,
    alert,
    delivery,
    outbox_count,
)

_ALERT_COLS = ALERT_COLUMNS.format(payload="payload::text")
_DELIVERY_COLS = DELIVERY_COLUMNS.format(payload="payload::text")
_LOCK = (
    "SELECT id, revision, level FROM alerts WHERE watchlist = %s AND rule = %s AND subject = %s FOR UPDATE"
)


def _revision(conn: psycopg.Connection, d: AlertDraft, t: int) -> tuple[int, int] | None:
    """``(alert id, revision)`` recorded for the draft: a new alert, a grown one, or None (neither)."""
    key = (d.watchlist, d.rule, d.subject)
    row = conn.execute(_LOCK, key).fetchone()
    if row is None:
        new = conn.execute(
            "INSERT INTO alerts (watchlist, rule, subject, story_id, post_id, level, revision, payload, "
            "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, 1, %s::jsonb, %s, %s) "
            "ON CONFLICT (watchlist, rule, subject) DO NOTHING RETURNING id",
            (*key, d.story_id, d.post_id, d.level, d.payload, t, t),
        ).fetchone()
        if new is not None:
            return int(new[0]), 1
        row = conn.execute(_LOCK, key).fetchone()  # another writer made it a moment ago
        if row is None:
            return None
    if d.level <= row[2]:
        return None
    conn.execute(
        "UPDATE alerts SET level = %s, revision = %s, payload = %s::jsonb, updated_at = %s WHERE id = %s",
        (d.level, row[1] + 1, d.payload, t, row[0]),
    )
    return int(row[0]), int(row[1]) + 1


class PgAlerts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, drafts: Iterable[AlertDraft], now: datetime) -> builtins.list[AlertRecord]:
        t = ts(now)
        done: list[int] = []
        with self.db.write() as conn:
            for d in drafts:
                made = _revision(conn, d, t)
                if made is None:
                    continue
                alert_id, revision = made
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO alert_deliveries (alert_id, revision, target, payload, next_attempt, "
                        "created_at) VALUES (%s, %s, %s, %s::jsonb, %s, %s) ON CONFLICT DO NOTHING",
                        [(alert_id, revision, target, d.payload, t, t) for target in d.targets],
                    )
                done.append(alert_id)
            if not done:
                return []
            rows = conn.execute(
                f"SELECT {_ALERT_COLS} FROM alerts WHERE id = ANY(%s) ORDER BY id", (done,)
            ).fetchall()
        return [alert(r) for r in rows]

    def due(self, now: datetime, target: str | None = None) -> builtins.list[Delivery]:
        sql = f"SELECT {_DELIVERY_COLS} FROM alert_deliveries WHERE status = 'pending' AND next_attempt <= %s"
        with self.db.read() as conn:
            if target is None:
                rows = conn.execute(sql + " ORDER BY id", (ts(now),)).fetchall()
            else:
                rows = conn.execute(sql + " AND target = %s ORDER BY id", (ts(now), target)).fetchall()
        return [delivery(r) for r in rows]

    def pending(self, target: str) -> builtins.list[Delivery]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_DELIVERY_COLS} FROM alert_deliveries WHERE status = 'pending' AND target = %s "
                "ORDER BY id",
                (target,),
            ).fetchall()
        return [delivery(r) for r in rows]

    def mark_sent(self, delivery_ids: Sequence[int], at: datetime) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE alert_deliveries SET status = 'sent', sent_at = %s, attempts = attempts + 1, "
                "last_error = NULL WHERE id = ANY(%s) AND status = 'pending'",
                (ts(at), list(delivery_ids)),
            )

    def mark_failed(self, delivery_ids: Sequence[int], error: str, retry_at: datetime | None) -> None:
        with self.db.write() as conn:
            if retry_at is None:
                conn.execute(
                    "UPDATE alert_deliveries SET attempts = attempts + 1, last_error = %s, status = 'dead' "
                    "WHERE id = ANY(%s) AND status = 'pending'",
                    (error[:500], list(delivery_ids)),
                )
            else:
                conn.execute(
                    "UPDATE alert_deliveries SET attempts = attempts + 1, last_error = %s, next_attempt = %s "
                    "WHERE id = ANY(%s) AND status = 'pending'",
                    (error[:500], ts(retry_at), list(delivery_ids)),
                )

    def requeue_dead(self, target: str | None = None) -> int:
        sql = "UPDATE alert_deliveries SET status = 'pending', attempts = 0 WHERE status = 'dead'"
        with self.db.write() as conn:
            if target is None:
                return conn.execute(sql).rowcount
            return conn.execute(sql + " AND target = %s", (target,)).rowcount

    def last_sent(self, target: str) -> datetime | None:
        with self.db.read() as conn:
            row = conn.execute(pyformat(LAST_SENT), (target,)).fetchone()
        return when(row[0]) if row and row[0] else None

    def outbox(self) -> builtins.list[OutboxCount]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT target, COUNT(*) FILTER (WHERE status = 'pending'), "
                "COUNT(*) FILTER (WHERE status = 'sent'), COUNT(*) FILTER (WHERE status = 'dead'), "
                "MAX(sent_at), (SELECT e.last_error FROM alert_deliveries e WHERE e.target = d.target AND "
                "e.last_error IS NOT NULL ORDER BY e.id DESC LIMIT 1) "
                "FROM alert_deliveries d GROUP BY target ORDER BY target"
            ).fetchall()
        return [outbox_count(r) for r in rows]

    def dead(self, limit: int = 20) -> builtins.list[Delivery]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_DELIVERY_COLS} FROM alert_deliveries WHERE status = 'dead' "
                "ORDER BY id DESC LIMIT %s",
                (limit,),
            ).fetchall()
        return [delivery(r) for r in rows]

    def recent(self, limit: int = 20) -> builtins.list[AlertRecord]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_ALERT_COLS} FROM alerts ORDER BY updated_at DESC, id DESC LIMIT %s", (limit,)
            ).fetchall()
        return [alert(r) for r in rows]

    def get_state(self, key: str, default: int = 0) -> int:
        with self.db.read() as conn:
            row = conn.execute(pyformat(GET_STATE), (key,)).fetchone()
        return default if row is None else int(row[0])

    def set_state(self, key: str, value: int) -> None:
        with self.db.write() as conn:
            conn.execute(pyformat(SET_STATE), (key, value))

    def changes_after(self, change_id: int, limit: int = 1000) -> builtins.list[tuple[int, str, int]]:
        with self.db.read() as conn:
            rows = conn.execute(
                pyformat(CHANGES_AFTER),
                (change_id, limit),
            ).fetchall()
        return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]

    def last_post_id(self) -> int:
        with self.db.read() as conn:
            row = conn.execute("SELECT COALESCE(MAX(id), 0) FROM posts").fetchone()
        return int(row[0]) if row else 0

    def stories_touched(self, after_post_id: int) -> tuple[builtins.list[int], int]:
        with self.db.read() as conn:
            rows = conn.execute(
                pyformat(STORIES_TOUCHED),
                (after_post_id,),
            ).fetchall()
            top = conn.execute(
                "SELECT MAX(post_id) FROM story_posts WHERE post_id > %s", (after_post_id,)
            ).fetchone()
        return [int(r[0]) for r in rows], after_post_id if top is None or top[0] is None else int(top[0])

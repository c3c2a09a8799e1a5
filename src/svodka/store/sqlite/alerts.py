"""Alerts and their outbox in SQLite (migration 0017_monitoring); the rules live in svodka.monitor.

An alert is one row per (watchlist, rule, subject). Recording a draft whose level grew makes a new revision;
every revision gets one pending delivery per target in the same transaction, before anything is sent.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import datetime

from svodka.store.base import AlertDraft, AlertRecord, Delivery, OutboxCount
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
from svodka.store.sqlite.db import Database

_ALERT_COLS = ALERT_COLUMNS.format(payload="payload")
_DELIVERY_COLS = DELIVERY_COLUMNS.format(payload="payload")


class SqliteAlerts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, drafts: Iterable[AlertDraft], now: datetime) -> builtins.list[AlertRecord]:
        t = ts(now)
        done: list[int] = []
        with self.db.write() as conn:
            for d in drafts:
                row = conn.execute(
                    "SELECT id, revision, level FROM alerts WHERE watchlist = ? AND rule = ? AND subject = ?",
                    (d.watchlist, d.rule, d.subject),
                ).fetchone()
                if row is None:
                    cur = conn.execute(
                        "INSERT INTO alerts (watchlist, rule, subject, story_id, post_id, level, revision, "
                        "payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                        (d.watchlist, d.rule, d.subject, d.story_id, d.post_id, d.level, d.payload, t, t),
                    )
                    alert_id, revision = int(cur.lastrowid or 0), 1
                elif d.level > row[2]:
                    alert_id, revision = row[0], row[1] + 1
                    conn.execute(
                        "UPDATE alerts SET level = ?, revision = ?, payload = ?, updated_at = ? WHERE id = ?",
                        (d.level, revision, d.payload, t, alert_id),
                    )
                else:
                    continue
                conn.executemany(
                    "INSERT OR IGNORE INTO alert_deliveries (alert_id, revision, target, payload, "
                    "next_attempt, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [(alert_id, revision, target, d.payload, t, t) for target in d.targets],
                )
                done.append(alert_id)
            if not done:
                return []
            marks = ",".join("?" * len(done))
            rows = conn.execute(f"SELECT {_ALERT_COLS} FROM alerts WHERE id IN ({marks}) ORDER BY id", done)
            return [alert(r) for r in rows.fetchall()]

    def due(self, now: datetime, target: str | None = None) -> builtins.list[Delivery]:
        sql = f"SELECT {_DELIVERY_COLS} FROM alert_deliveries WHERE status = 'pending' AND next_attempt <= ?"
        args: list[object] = [ts(now)]
        if target is not None:
            sql += " AND target = ?"
            args.append(target)
        with self.db.read() as conn:
            return [delivery(r) for r in conn.execute(sql + " ORDER BY id", args).fetchall()]

    def pending(self, target: str) -> builtins.list[Delivery]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_DELIVERY_COLS} FROM alert_deliveries WHERE status = 'pending' AND target = ? "
                "ORDER BY id",
                (target,),
            ).fetchall()
        return [delivery(r) for r in rows]

    def mark_sent(self, delivery_ids: Sequence[int], at: datetime) -> None:
        with self.db.write() as conn:
            conn.executemany(
                "UPDATE alert_deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
                "last_error = NULL WHERE id = ? AND status = 'pending'",
                [(ts(at), i) for i in delivery_ids],
            )

    def mark_failed(self, delivery_ids: Sequence[int], error: str, retry_at: datetime | None) -> None:
        retry = None if retry_at is None else ts(retry_at)
        with self.db.write() as conn:
            conn.executemany(
                "UPDATE alert_deliveries SET attempts = attempts + 1, last_error = ?, "
                "status = CASE WHEN ? IS NULL THEN 'dead' ELSE 'pending' END, "
                "next_attempt = COALESCE(?, next_attempt) WHERE id = ? AND status = 'pending'",
                [(error[:500], retry, retry, i) for i in delivery_ids],
            )

    def requeue_dead(self, target: str | None = None) -> int:
        sql = "UPDATE alert_deliveries SET status = 'pending', attempts = 0 WHERE status = 'dead'"
        with self.db.write() as conn:
            conn.execute(sql + (" AND target = ?" if target else ""), (target,) if target else ())
            return int(conn.execute("SELECT changes()").fetchone()[0])

    def last_sent(self, target: str) -> datetime | None:
        with self.db.read() as conn:
            row = conn.execute(LAST_SENT, (target,)).fetchone()
        return when(row[0]) if row and row[0] else None

    def outbox(self) -> builtins.list[OutboxCount]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT target, SUM(status = 'pending'), SUM(status = 'sent'), SUM(status = 'dead'), "
                "MAX(sent_at), (SELECT last_error FROM alert_deliveries e WHERE e.target = d.target AND "
                "e.last_error IS NOT NULL ORDER BY e.id DESC LIMIT 1) "
                "FROM alert_deliveries d GROUP BY target ORDER BY target"
            ).fetchall()
        return [outbox_count(r) for r in rows]

    def dead(self, limit: int = 20) -> builtins.list[Delivery]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_DELIVERY_COLS} FROM alert_deliveries WHERE status = 'dead' "
                "ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [delivery(r) for r in rows]

    def recent(self, limit: int = 20) -> builtins.list[AlertRecord]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_ALERT_COLS} FROM alerts ORDER BY updated_at DESC, id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [alert(r) for r in rows]

    def get_state(self, key: str, default: int = 0) -> int:
        with self.db.read() as conn:
            row = conn.execute(GET_STATE, (key,)).fetchone()
        return default if row is None else int(row[0])

    def set_state(self, key: str, value: int) -> None:
        with self.db.write() as conn:
            conn.execute(SET_STATE, (key, value))

    def changes_after(self, change_id: int, limit: int = 1000) -> builtins.list[tuple[int, str, int]]:
        with self.db.read() as conn:
            rows = conn.execute(
                CHANGES_AFTER,
                (change_id, limit),
            ).fetchall()
        return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]

    def last_post_id(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM posts").fetchone()[0])

    def stories_touched(self, after_post_id: int) -> tuple[builtins.list[int], int]:
        with self.db.read() as conn:
            rows = conn.execute(
                STORIES_TOUCHED,
                (after_post_id,),
            ).fetchall()
            top = conn.execute(
                "SELECT COALESCE(MAX(post_id), ?) FROM story_posts WHERE post_id > ?",
                (after_post_id, after_post_id),
            ).fetchone()[0]
        return [int(r[0]) for r in rows], int(top)

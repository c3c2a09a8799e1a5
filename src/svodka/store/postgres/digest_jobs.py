"""State of the scheduled digests of `svodka watch` in PostgreSQL (migration 0008)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from svodka.digest.model import JobState, Pending
from svodka.model import from_ts
from svodka.store.postgres.db import Database

_COLUMNS = (
    "name, schedule, next_due, last_run, last_until, last_digest_id, last_error, last_error_at, failures, "
    "pending"
)


def _ts(dt: datetime | None) -> float | None:
    return None if dt is None else dt.timestamp()


def _to_state(r: tuple[Any, ...]) -> JobState:
    return JobState(
        name=r[0],
        schedule=r[1],
        next_due=from_ts(r[2]),
        last_run=from_ts(r[3]),
        last_until=from_ts(r[4]),
        last_digest_id=r[5],
        last_error=r[6],
        last_error_at=from_ts(r[7]),
        failures=r[8],
        pending=None if r[9] is None else Pending.from_json(r[9]),
    )


class PgDigestJobs:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, name: str) -> JobState:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM digest_jobs WHERE name = %s", (name,)).fetchone()
        return JobState(name=name) if row is None else _to_state(row)

    def put(self, state: JobState) -> None:
        sets = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.split(", ")[1:])
        with self.db.write() as conn:
            conn.execute(
                f"INSERT INTO digest_jobs ({_COLUMNS}) VALUES ({', '.join(['%s'] * 10)}) "
                f"ON CONFLICT (name) DO UPDATE SET {sets}",
                (
                    state.name,
                    state.schedule,
                    _ts(state.next_due),
                    _ts(state.last_run),
                    _ts(state.last_until),
                    state.last_digest_id,
                    state.last_error,
                    _ts(state.last_error_at),
                    state.failures,
                    None if state.pending is None else state.pending.to_json(),
                ),
            )

    def all(self) -> list[JobState]:
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM digest_jobs ORDER BY name").fetchall()
        return [_to_state(r) for r in rows]

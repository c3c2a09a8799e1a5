"""The scheduled digests' state as both backends store it: a row and its :class:`JobState`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from svodka.digest.model import JobState, Pending
from svodka.model import from_ts
from svodka.store.records.dialect import Database, changed, row, rows, upsert

JOB_COLUMNS = (
    "name, schedule, next_due, last_run, last_until, last_digest_id, last_error, last_error_at, failures, "
    "pending"
)
PUT = f"INSERT INTO digest_jobs ({JOB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) " + upsert(
    "name", JOB_COLUMNS.removeprefix("name, ")
)


def _ts(dt: datetime | None) -> float | None:
    return None if dt is None else dt.timestamp()


def job_state(r: Sequence[Any]) -> JobState:
    """A row of :data:`JOB_COLUMNS` as its record."""
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


def job_row(state: JobState) -> tuple[Any, ...]:
    """The parameters of ``state``'s row (:data:`JOB_COLUMNS`)."""
    return (
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
    )


class SharedDigestJobs:
    """The scheduled digests' state of `svodka watch`, on either backend (migration 0008)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, name: str) -> JobState:
        found = row(self.db, f"SELECT {JOB_COLUMNS} FROM digest_jobs WHERE name = ?", (name,))
        return JobState(name=name) if found is None else job_state(found)

    def put(self, state: JobState) -> None:
        changed(self.db, PUT, job_row(state))

    def all(self) -> list[JobState]:
        return [job_state(r) for r in rows(self.db, f"SELECT {JOB_COLUMNS} FROM digest_jobs ORDER BY name")]

"""State of the scheduled digests of `svodka watch` in SQLite (migration 0008)."""

from __future__ import annotations

from svodka.digest.model import JobState
from svodka.store.records.digest_jobs import JOB_COLUMNS, job_row, job_state
from svodka.store.sqlite.db import Database


class SqliteDigestJobs:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, name: str) -> JobState:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT {JOB_COLUMNS} FROM digest_jobs WHERE name = ?", (name,)).fetchone()
        return JobState(name=name) if row is None else job_state(row)

    def put(self, state: JobState) -> None:
        with self.db.write() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO digest_jobs ({JOB_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                job_row(state),
            )

    def all(self) -> list[JobState]:
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {JOB_COLUMNS} FROM digest_jobs ORDER BY name").fetchall()
        return [job_state(r) for r in rows]

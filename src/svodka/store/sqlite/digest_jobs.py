"""State of the scheduled digests of `svodka watch` in SQLite (migration 0008)."""

from __future__ import annotations

from svodka.digest.model import JobState
from svodka.store.records.digest_jobs import JOB_COLUMNS, SharedDigestJobReads, job_row
from svodka.store.sqlite.db import Database


class SqliteDigestJobs(SharedDigestJobReads):
    db: Database

    def put(self, state: JobState) -> None:
        with self.db.write() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO digest_jobs ({JOB_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                job_row(state),
            )

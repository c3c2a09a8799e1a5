"""State of the scheduled digests of `svodka watch` in PostgreSQL (migration 0008)."""

from __future__ import annotations

from svodka.digest.model import JobState
from svodka.store.postgres.db import Database
from svodka.store.records.digest_jobs import JOB_COLUMNS, SharedDigestJobReads, job_row

_UPDATE = ", ".join(f"{c} = excluded.{c}" for c in JOB_COLUMNS.split(", ")[1:])


class PgDigestJobs(SharedDigestJobReads):
    db: Database

    def put(self, state: JobState) -> None:
        with self.db.write() as conn:
            conn.execute(
                f"INSERT INTO digest_jobs ({JOB_COLUMNS}) VALUES ({', '.join(['%s'] * 10)}) "
                f"ON CONFLICT (name) DO UPDATE SET {_UPDATE}",
                job_row(state),
            )

"""State of the scheduled digests of `svodka watch` in SQLite (migration 0008; the repository, written
once for both backends: :mod:`svodka.store.records.digest_jobs`)."""

from __future__ import annotations

from svodka.store.records.digest_jobs import SharedDigestJobs


class SqliteDigestJobs(SharedDigestJobs):
    """:class:`SharedDigestJobs` on a :class:`svodka.store.sqlite.db.Database`."""

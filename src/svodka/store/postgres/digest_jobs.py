"""State of the scheduled digests of `svodka watch` in PostgreSQL (migration 0008; the repository, written
once for both backends: :mod:`svodka.store.records.digest_jobs`)."""

from __future__ import annotations

from svodka.store.records.digest_jobs import SharedDigestJobs


class PgDigestJobs(SharedDigestJobs):
    """:class:`SharedDigestJobs` on a :class:`svodka.store.postgres.db.Database`."""

"""Analysts' marks on posts and stories in PostgreSQL (the rows and SQL, written once for both backends:
:mod:`svodka.store.records.accounts`)."""

from __future__ import annotations

from svodka.store.records.accounts import SharedMarks


class PgMarks(SharedMarks):
    """:class:`SharedMarks` on a :class:`svodka.store.postgres.db.Database`."""

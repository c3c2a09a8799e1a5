"""Analysts' marks on posts and stories in SQLite (the rows and SQL, written once for both backends:
:mod:`svodka.store.records.accounts`)."""

from __future__ import annotations

from svodka.store.records.accounts import SharedMarks


class SqliteMarks(SharedMarks):
    """:class:`SharedMarks` on a :class:`svodka.store.sqlite.db.Database`."""

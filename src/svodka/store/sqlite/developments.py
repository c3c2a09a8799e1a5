"""Developments in stories, in SQLite (migration 0014_developments; the repository, written once for both
backends: :mod:`svodka.store.records.developments`)."""

from __future__ import annotations

from svodka.store.records.developments import SharedDevelopments


class SqliteDevelopments(SharedDevelopments):
    """:class:`SharedDevelopments` on a :class:`svodka.store.sqlite.db.Database`."""

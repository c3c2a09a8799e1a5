"""Stories in storylines, in PostgreSQL (migration 0023_storylines); the repository, its rows and SQL,
written once for both backends: :mod:`svodka.store.records.storylines`."""

from __future__ import annotations

from svodka.store.records.storylines import SharedStorylines


class PgStorylines(SharedStorylines):
    """:class:`SharedStorylines` on a :class:`svodka.store.postgres.db.Database`."""

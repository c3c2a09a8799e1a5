"""The interface language in PostgreSQL: each user's choice and the stored posts' detected languages (the
SQL, written once for both backends: :mod:`svodka.store.records.interface`)."""

from __future__ import annotations

from svodka.store.records.interface import SharedInterface


class PgInterface(SharedInterface):
    """:class:`SharedInterface` on a :class:`svodka.store.postgres.db.Database`."""

"""Login sessions of the web app in PostgreSQL: only the SHA-256 of a session token is stored (the SQL,
written once for both backends: :mod:`svodka.store.records.accounts`)."""

from __future__ import annotations

from svodka.store.records.accounts import SharedSessions


class PgSessions(SharedSessions):
    """:class:`SharedSessions` on a :class:`svodka.store.postgres.db.Database`."""

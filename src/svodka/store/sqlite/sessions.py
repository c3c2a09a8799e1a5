"""Login sessions of the web app in SQLite: only the SHA-256 of a session token is stored (see
:mod:`svodka.web.auth`; the SQL, written once for both backends: :mod:`svodka.store.records.accounts`)."""

from __future__ import annotations

from svodka.store.records.accounts import SharedSessions


class SqliteSessions(SharedSessions):
    """:class:`SharedSessions` on a :class:`svodka.store.sqlite.db.Database`."""

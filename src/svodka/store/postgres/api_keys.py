"""API keys of the web app in PostgreSQL; the repository, written once for both backends:
:mod:`svodka.store.records.accounts`."""

from __future__ import annotations

from svodka.store.records.accounts import SharedApiKeys


class PgApiKeys(SharedApiKeys):
    """:class:`SharedApiKeys` on a :class:`svodka.store.postgres.db.Database`."""

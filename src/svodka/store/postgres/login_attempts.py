"""Login attempts of the web app in PostgreSQL: what the login limit of :mod:`svodka.web.auth` counts (the
SQL, written once for both backends: :mod:`svodka.store.records.accounts`)."""

from __future__ import annotations

from svodka.store.records.accounts import SharedLoginAttempts


class PgLoginAttempts(SharedLoginAttempts):
    NAME = "lower(username) = lower(?)"  # as :class:`svodka.store.postgres.users.PgUsers` compares names

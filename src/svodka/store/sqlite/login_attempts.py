"""Login attempts of the web app in SQLite: what the login limit of :mod:`svodka.web.auth` counts (the SQL,
written once for both backends: :mod:`svodka.store.records.accounts`)."""

from __future__ import annotations

from svodka.store.records.accounts import SharedLoginAttempts


class SqliteLoginAttempts(SharedLoginAttempts):
    NAME = "username = ?"  # as :class:`svodka.store.sqlite.users.SqliteUsers` compares names

"""Local accounts of the web app in PostgreSQL; user names compare case-insensitively (``lower()``, the
unique index of migration 0006). Secrets arrive hashed (see :mod:`svodka.web.auth`). Rows, checks and the
SQL, written once for both backends: :mod:`svodka.store.records.users`."""

from __future__ import annotations

from svodka.store.records.users import SharedUsers


class PgUsers(SharedUsers):
    NAME = "lower(u.username) = lower(?)"  # user names case-insensitively
    ORDER = "lower(u.username)"

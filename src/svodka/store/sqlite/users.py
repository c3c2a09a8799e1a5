"""Local accounts of the web app in SQLite: user names compare as written (sessions, API keys, login attempts
and marks have their own modules beside this one); rows, checks and the SQL, written once for both backends:
:mod:`svodka.store.records.users`.

Secrets never reach this module in the clear: it stores the argon2 hash of a password; hashing and checking
live in :mod:`svodka.web.auth`.
"""

from __future__ import annotations

from svodka.store.records.users import SharedUsers


class SqliteUsers(SharedUsers):
    NAME = "u.username = ?"  # user names as written
    ORDER = "u.username"

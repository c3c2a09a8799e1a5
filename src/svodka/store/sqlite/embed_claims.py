"""Embedding claims in SQLite (migrations 0029, 0035): a row per claimed post, taken in a ``BEGIN IMMEDIATE``
transaction (one writer at a time: two workers never take one post), renewed by a thread while held, done
in the transaction that stores the vectors; logged for a day. The flow and the SQL are both backends' own
(:mod:`svodka.store.records.claims`); here they run on sqlite3, the clock is this machine's."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

from svodka.store.records.claims import EmbedClaims, OnDriver
from svodka.store.sqlite.db import Database


class _Statements:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.now = conn, time.time()

    def ids(self, post_ids: Sequence[int]) -> object:
        return json.dumps(list(post_ids))

    def rows(self, sql: str, params: Sequence[object], lock: str = "") -> Sequence[Sequence[Any]]:
        # one writer at a time: nothing to lock
        return self.conn.execute(sql.format(ids="json_each(?)", lock=""), params).fetchall()

    def run(self, sql: str, params: Sequence[object]) -> int:
        return self.conn.execute(sql, params).rowcount


class SqliteEmbedClaims(EmbedClaims):
    def __init__(self, db: Database) -> None:
        super().__init__(OnDriver(db, _Statements))

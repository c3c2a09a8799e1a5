"""Embedding claims in PostgreSQL (migrations 0029, 0035): a row per claimed post. A worker taking the next
posts locks the candidates ``FOR NO KEY UPDATE SKIP LOCKED`` (another worker claiming at that moment takes
the next ones rather than wait; a collector's insert or a foreign key check is not held up), the expired
claims it retakes ``FOR UPDATE SKIP LOCKED``, and a claim row is only ever taken over when it is done or
expired (``ON CONFLICT … WHERE``). Renewed by a thread while held, done in the transaction that stores the
vectors; times are the server's clock. Logged for a day. The flow and the SQL are both backends' own
(:mod:`svodka.store.records.claims`); here they run on psycopg."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from svodka.store.postgres.claims import NOW
from svodka.store.postgres.db import Database, pyformat
from svodka.store.records.claims import EmbedClaims, OnDriver


class _Statements:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self._now: float | None = None

    @property
    def now(self) -> float:
        if self._now is None:
            row = self.conn.execute(f"SELECT {NOW}").fetchone()
            self._now = float(row[0]) if row else 0.0
        return self._now

    def ids(self, post_ids: Sequence[int]) -> object:
        return list(post_ids)

    def rows(self, sql: str, params: Sequence[object], lock: str = "") -> Sequence[Sequence[Any]]:
        text = sql.format(ids="unnest(?::bigint[]) AS value", lock=f" FOR {lock} SKIP LOCKED" if lock else "")
        return self.conn.execute(pyformat(text), params).fetchall()

    def run(self, sql: str, params: Sequence[object]) -> int:
        return self.conn.execute(pyformat(sql), params).rowcount


class PgEmbedClaims(EmbedClaims):
    def __init__(self, db: Database) -> None:
        super().__init__(OnDriver(db, _Statements))

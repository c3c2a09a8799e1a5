"""Digests in PostgreSQL: what each digest showed, for telling repeats from updates (migration 0004)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson
import psycopg
from psycopg.types.json import Jsonb

from svodka.digest.model import Digest, DigestRecord
from svodka.digest.schema import DigestDocument, to_dict
from svodka.errors import NotFoundError
from svodka.store.postgres.db import Database, now_ts, pyformat
from svodka.store.records.digests import ADD_ITEM, BODY, ITEMS, RECORD, body_of, digest_record, item_rows, ts


def _record(conn: psycopg.Connection, row: tuple[Any, ...]) -> DigestRecord:
    return digest_record(row, conn.execute(pyformat(ITEMS), (row[0],)))


class PgDigests:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, digest: Digest) -> int:
        """Store ``digest``; returns its id."""
        q = digest.query
        with self.db.write() as conn:
            digest_id = int(
                conn.execute(  # type: ignore[index]
                    "SELECT nextval(pg_get_serial_sequence('digests', 'id'))"
                ).fetchone()[0]
            )
            body = body_of(to_dict(replace(digest, id=digest_id)))  # the document names itself
            conn.execute(
                "INSERT INTO digests (id, kind, name, since, until, created_at, filters, body) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    digest_id,
                    q.kind,
                    digest.name,
                    ts(q.since),
                    ts(q.until),
                    now_ts(),
                    Jsonb(q.filters()),
                    body,
                ),
            )
            with conn.cursor() as cur:
                cur.executemany(pyformat(ADD_ITEM), item_rows(digest, digest_id))
        return digest_id

    def last(self, kind: str, before: datetime | None = None) -> DigestRecord | None:
        """The latest digest of ``kind`` (ending at or before ``before``, when given)."""
        sql = f"{RECORD} WHERE kind = %s"
        args: list[object] = [kind]
        if before is not None:
            sql += " AND until <= %s"
            args.append(ts(before))
        with self.db.read() as conn:
            row = conn.execute(sql + " ORDER BY until DESC, id DESC LIMIT 1", args).fetchone()
            return None if row is None else _record(conn, row)

    def before(self, kind: str, until: datetime) -> DigestRecord | None:
        """The latest digest of ``kind`` that ended before ``until``: what a digest ending then follows."""
        with self.db.read() as conn:
            row = conn.execute(
                f"{RECORD} WHERE kind = %s AND until < %s ORDER BY until DESC, id DESC LIMIT 1",
                (kind, ts(until)),
            ).fetchone()
            return None if row is None else _record(conn, row)

    def get(self, digest_id: int) -> DigestRecord:
        with self.db.read() as conn:
            row = conn.execute(f"{RECORD} WHERE id = %s", (digest_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no digest with id {digest_id}")
            return _record(conn, row)

    def body(self, digest_id: int) -> DigestDocument:
        """The stored JSON document of a digest (as rendered by ``render_json``)."""
        with self.db.read() as conn:
            row = conn.execute(pyformat(BODY), (digest_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no digest with id {digest_id}")
        data: DigestDocument = orjson.loads(row[0])
        return data

    def list(self, kind: str | None = None, limit: int = 50) -> list[DigestRecord]:
        sql = RECORD
        args: list[object] = []
        if kind:
            sql += " WHERE kind = %s"
            args.append(kind)
        with self.db.read() as conn:
            rows = conn.execute(sql + " ORDER BY until DESC, id DESC LIMIT %s", (*args, limit)).fetchall()
            return [_record(conn, r) for r in rows]

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
from svodka.model import from_ts
from svodka.store.postgres.db import Database, now_ts

_RECORD = "SELECT id, kind, since, until, created_at, name FROM digests"


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())


def _record(conn: psycopg.Connection, row: tuple[Any, ...]) -> DigestRecord:
    items = {
        story_id: (posts, from_ts(last) or datetime.min)
        for story_id, posts, last in conn.execute(
            "SELECT story_id, posts, last_date FROM digest_items WHERE digest_id = %s", (row[0],)
        )
    }
    return DigestRecord(
        id=row[0],
        kind=row[1],
        since=from_ts(row[2]),  # type: ignore[arg-type]
        until=from_ts(row[3]),  # type: ignore[arg-type]
        created_at=from_ts(row[4]),  # type: ignore[arg-type]
        items=items,
        name=row[5],
    )


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
            body = orjson.dumps(to_dict(replace(digest, id=digest_id))).decode()  # the document names itself
            conn.execute(
                "INSERT INTO digests (id, kind, name, since, until, created_at, filters, body) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    digest_id,
                    q.kind,
                    digest.name,
                    _ts(q.since),
                    _ts(q.until),
                    now_ts(),
                    Jsonb(q.filters()),
                    body,
                ),
            )
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO digest_items (digest_id, story_id, rank, posts, last_date, is_update) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    [
                        (
                            digest_id,
                            it.card.story_id,
                            it.rank,
                            it.card.posts,
                            _ts(it.card.last_date),
                            it.update,
                        )
                        for it in digest.items
                    ],
                )
        return digest_id

    def last(self, kind: str, before: datetime | None = None) -> DigestRecord | None:
        """The latest digest of ``kind`` (ending at or before ``before``, when given)."""
        sql = f"{_RECORD} WHERE kind = %s"
        args: list[object] = [kind]
        if before is not None:
            sql += " AND until <= %s"
            args.append(_ts(before))
        with self.db.read() as conn:
            row = conn.execute(sql + " ORDER BY until DESC, id DESC LIMIT 1", args).fetchone()
            return None if row is None else _record(conn, row)

    def before(self, kind: str, until: datetime) -> DigestRecord | None:
        """The latest digest of ``kind`` that ended before ``until``: what a digest ending then follows."""
        with self.db.read() as conn:
            row = conn.execute(
                f"{_RECORD} WHERE kind = %s AND until < %s ORDER BY until DESC, id DESC LIMIT 1",
                (kind, _ts(until)),
            ).fetchone()
            return None if row is None else _record(conn, row)

    def get(self, digest_id: int) -> DigestRecord:
        with self.db.read() as conn:
            row = conn.execute(f"{_RECORD} WHERE id = %s", (digest_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no digest with id {digest_id}")
            return _record(conn, row)

    def body(self, digest_id: int) -> DigestDocument:
        """The stored JSON document of a digest (as rendered by ``render_json``)."""
        with self.db.read() as conn:
            row = conn.execute("SELECT body FROM digests WHERE id = %s", (digest_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no digest with id {digest_id}")
        data: DigestDocument = orjson.loads(row[0])
        return data

    def list(self, kind: str | None = None, limit: int = 50) -> list[DigestRecord]:
        sql = _RECORD
        args: list[object] = []
        if kind:
            sql += " WHERE kind = %s"
            args.append(kind)
        with self.db.read() as conn:
            rows = conn.execute(sql + " ORDER BY until DESC, id DESC LIMIT %s", (*args, limit)).fetchall()
            return [_record(conn, r) for r in rows]

"""Digests in SQLite: what each digest showed, for telling repeats from updates (migration 0004)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson

from svodka.digest.model import Digest, DigestRecord
from svodka.digest.schema import DigestDocument, to_dict
from svodka.errors import NotFoundError
from svodka.store.records.digests import ADD_ITEM, BODY, ITEMS, RECORD, body_of, digest_record, item_rows, ts
from svodka.store.sqlite.db import Database, now_ts


class SqliteDigests:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, digest: Digest) -> int:
        """Store ``digest``; returns its id."""
        q = digest.query
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO digests (kind, name, since, until, created_at, filters, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    q.kind,
                    digest.name,
                    ts(q.since),
                    ts(q.until),
                    now_ts(),
                    orjson.dumps(q.filters()).decode(),
                    body_of(to_dict(digest)),
                ),
            )
            digest_id = int(cur.lastrowid or 0)
            body = body_of(to_dict(replace(digest, id=digest_id)))  # the document names itself
            conn.execute("UPDATE digests SET body = ? WHERE id = ?", (body, digest_id))
            conn.executemany(ADD_ITEM, item_rows(digest, digest_id))
        return digest_id

    def _record(self, row: tuple[Any, ...]) -> DigestRecord:
        return digest_record(row, self.db.conn.execute(ITEMS, (row[0],)))

    def last(self, kind: str, before: datetime | None = None) -> DigestRecord | None:
        """The latest digest of ``kind`` (ending at or before ``before``, when given)."""
        sql = f"{RECORD} WHERE kind = ?"
        args: list[object] = [kind]
        if before is not None:
            sql += " AND until <= ?"
            args.append(ts(before))
        with self.db.read() as conn:
            row = conn.execute(sql + " ORDER BY until DESC, id DESC LIMIT 1", args).fetchone()
            return None if row is None else self._record(row)

    def before(self, kind: str, until: datetime) -> DigestRecord | None:
        """The digest of ``kind`` a digest ending at ``until`` follows: the latest that ended earlier (one
        ending at the same moment is an earlier run of that digest, or covers it: not its predecessor)."""
        with self.db.read() as conn:
            row = conn.execute(
                f"{RECORD} WHERE kind = ? AND until < ? ORDER BY until DESC, id DESC LIMIT 1",
                (kind, ts(until)),
            ).fetchone()
            return None if row is None else self._record(row)

    def get(self, digest_id: int) -> DigestRecord:
        with self.db.read() as conn:
            row = conn.execute(f"{RECORD} WHERE id = ?", (digest_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no digest with id {digest_id}")
            return self._record(row)

    def body(self, digest_id: int) -> DigestDocument:
        """The stored JSON document of a digest (as rendered by ``render_json``)."""
        with self.db.read() as conn:
            row = conn.execute(BODY, (digest_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no digest with id {digest_id}")
        data: DigestDocument = orjson.loads(row[0])
        return data

    def list(self, kind: str | None = None, limit: int = 50) -> list[DigestRecord]:
        sql = RECORD
        args: list[object] = []
        if kind:
            sql += " WHERE kind = ?"
            args.append(kind)
        with self.db.read() as conn:
            rows = conn.execute(sql + " ORDER BY until DESC, id DESC LIMIT ?", (*args, limit)).fetchall()
            return [self._record(r) for r in rows]

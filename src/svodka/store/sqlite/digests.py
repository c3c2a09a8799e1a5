"""Digests in SQLite: what each digest showed, for telling repeats from updates (migration 0004)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson

from svodka.digest.model import Digest, DigestRecord
from svodka.digest.schema import DigestDocument, to_dict
from svodka.errors import NotFoundError
from svodka.model import from_ts
from svodka.store.sqlite.db import Database, now_ts


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())


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
                    _ts(q.since),
                    _ts(q.until),
                    now_ts(),
                    orjson.dumps(q.filters()).decode(),
                    orjson.dumps(to_dict(digest)).decode(),
                ),
            )
            digest_id = int(cur.lastrowid or 0)
            body = orjson.dumps(to_dict(replace(digest, id=digest_id))).decode()  # the document names itself
            conn.execute("UPDATE digests SET body = ? WHERE id = ?", (body, digest_id))
            conn.executemany(
                "INSERT INTO digest_items (digest_id, story_id, rank, posts, last_date, is_update) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        digest_id,
                        it.card.story_id,
                        it.rank,
                        it.card.posts,
                        _ts(it.card.last_date),
                        int(it.update),
                    )
                    for it in digest.items
                ],
            )
        return digest_id

    def _record(self, row: tuple[Any, ...]) -> DigestRecord:
        items = {
            story_id: (posts, from_ts(last) or datetime.min)
            for story_id, posts, last in self.db.conn.execute(
                "SELECT story_id, posts, last_date FROM digest_items WHERE digest_id = ?", (row[0],)
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

    def last(self, kind: str, before: datetime | None = None) -> DigestRecord | None:
        """The latest digest of ``kind`` (ending at or before ``before``, when given)."""
        sql = "SELECT id, kind, since, until, created_at, name FROM digests WHERE kind = ?"
        args: list[object] = [kind]
        if before is not None:
            sql += " AND until <= ?"
            args.append(_ts(before))
        with self.db.read() as conn:
            row = conn.execute(sql + " ORDER BY until DESC, id DESC LIMIT 1", args).fetchone()
            return None if row is None else self._record(row)

    def before(self, kind: str, until: datetime) -> DigestRecord | None:
        """The digest of ``kind`` a digest ending at ``until`` follows: the latest that ended earlier (one
        ending at the same moment is an earlier run of that digest, or covers it: not its predecessor)."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT id, kind, since, until, created_at, name FROM digests WHERE kind = ? AND until < ? "
                "ORDER BY until DESC, id DESC LIMIT 1",
                (kind, _ts(until)),
            ).fetchone()
            return None if row is None else self._record(row)

    def get(self, digest_id: int) -> DigestRecord:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT id, kind, since, until, created_at, name FROM digests WHERE id = ?", (digest_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no digest with id {digest_id}")
            return self._record(row)

    def body(self, digest_id: int) -> DigestDocument:
        """The stored JSON document of a digest (as rendered by ``render_json``)."""
        with self.db.read() as conn:
            row = conn.execute("SELECT body FROM digests WHERE id = ?", (digest_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no digest with id {digest_id}")
        data: DigestDocument = orjson.loads(row[0])
        return data

    def list(self, kind: str | None = None, limit: int = 50) -> list[DigestRecord]:
        sql = "SELECT id, kind, since, until, created_at, name FROM digests"
        args: list[object] = []
        if kind:
            sql += " WHERE kind = ?"
            args.append(kind)
        with self.db.read() as conn:
            rows = conn.execute(sql + " ORDER BY until DESC, id DESC LIMIT ?", (*args, limit)).fetchall()
            return [self._record(r) for r in rows]

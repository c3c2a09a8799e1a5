"""Digests as both backends store them: the rows of a digest and its items, and the stored record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson

from svodka.digest.model import Digest, DigestRecord
from svodka.digest.schema import DigestDocument
from svodka.errors import NotFoundError
from svodka.model import from_ts
from svodka.store.records.dialect import Connection, Database, Row, row

RECORD = "SELECT id, kind, since, until, created_at, name FROM digests"
ITEMS = "SELECT story_id, posts, last_date, folded_into FROM digest_items WHERE digest_id = ?"
ADD_ITEM = (
    "INSERT INTO digest_items (digest_id, story_id, rank, posts, last_date, is_update, folded_into) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
BODY = "SELECT body FROM digests WHERE id = ?"


def ts(dt: datetime) -> int:
    return int(dt.timestamp())


def body_of(document: object) -> str:
    """A digest's JSON document (``to_dict``) as stored text."""
    return orjson.dumps(document).decode()


def item_rows(digest: Digest, digest_id: int) -> list[tuple[Any, ...]]:
    """The parameters of :data:`ADD_ITEM` for each item of ``digest``, and for each story folded into one
    (kept as shown with the item's posts and last date, so the next digest judges it as a repeat)."""
    rows: list[tuple[Any, ...]] = []
    for it in digest.items:
        last = ts(it.card.last_date)
        rows.append((digest_id, it.card.story_id, it.rank, it.card.posts, last, it.update, None))
        rows.extend(
            (digest_id, sid, it.rank, it.card.posts, last, it.update, it.card.story_id) for sid in it.folded
        )
    return rows


def digest_record(row: Sequence[Any], items: Iterable[Sequence[Any]]) -> DigestRecord:
    """A row of :data:`RECORD` with its :data:`ITEMS` rows as the stored record."""
    items = list(items)
    return DigestRecord(
        id=row[0],
        kind=row[1],
        since=from_ts(row[2]),  # type: ignore[arg-type]
        until=from_ts(row[3]),  # type: ignore[arg-type]
        created_at=from_ts(row[4]),  # type: ignore[arg-type]
        items={story_id: (posts, from_ts(last) or datetime.min) for story_id, posts, last, _into in items},
        name=row[5],
        folded=frozenset(story_id for story_id, _posts, _last, into in items if into is not None),
    )


class SharedDigestReads:
    """Digests read on either backend (what each digest showed, for telling repeats from updates, migration
    0004); a backend's class stores one (its new id and its JSON column)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _one(self, sql: str, args: Sequence[Any]) -> DigestRecord | None:
        with self.db.read() as conn:
            found = conn.execute(self.db.dialect.sql(sql), args).fetchone()
            return None if found is None else self._record(conn, found)

    def _record(self, conn: Connection, found: Row) -> DigestRecord:
        return digest_record(found, conn.execute(self.db.dialect.sql(ITEMS), (found[0],)).fetchall())

    def last(self, kind: str, before: datetime | None = None) -> DigestRecord | None:
        """The latest digest of ``kind`` (ending at or before ``before``, when given)."""
        sql = f"{RECORD} WHERE kind = ?"
        args: list[object] = [kind]
        if before is not None:
            sql += " AND until <= ?"
            args.append(ts(before))
        return self._one(sql + " ORDER BY until DESC, id DESC LIMIT 1", args)

    def before(self, kind: str, until: datetime) -> DigestRecord | None:
        """The digest of ``kind`` a digest ending at ``until`` follows: the latest that ended earlier (one
        ending at the same moment is an earlier run of that digest, or covers it: not its predecessor)."""
        sql = f"{RECORD} WHERE kind = ? AND until < ? ORDER BY until DESC, id DESC LIMIT 1"
        return self._one(sql, (kind, ts(until)))

    def get(self, digest_id: int) -> DigestRecord:
        found = self._one(f"{RECORD} WHERE id = ?", (digest_id,))
        if found is None:
            raise NotFoundError(f"no digest with id {digest_id}")
        return found

    def body(self, digest_id: int) -> DigestDocument:
        """The stored JSON document of a digest (as rendered by ``render_json``)."""
        found = row(self.db, BODY, (digest_id,))
        if found is None:
            raise NotFoundError(f"no digest with id {digest_id}")
        data: DigestDocument = orjson.loads(found[0])
        return data

    def list(self, kind: str | None = None, limit: int = 50) -> list[DigestRecord]:
        sql = RECORD
        args: list[object] = []
        if kind:
            sql += " WHERE kind = ?"
            args.append(kind)
        with self.db.read() as conn:
            found = conn.execute(
                self.db.dialect.sql(sql + " ORDER BY until DESC, id DESC LIMIT ?"), (*args, limit)
            )
            return [self._record(conn, r) for r in found.fetchall()]

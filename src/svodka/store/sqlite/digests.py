"""Digests in SQLite: what each digest showed, for telling repeats from updates (migration 0004)."""

from __future__ import annotations

from dataclasses import replace

import orjson

from svodka.digest.model import Digest
from svodka.digest.schema import to_dict
from svodka.store.records.digests import ADD_ITEM, SharedDigestReads, body_of, item_rows, ts
from svodka.store.sqlite.db import Database, now_ts


class SqliteDigests(SharedDigestReads):
    db: Database

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

"""Digests in PostgreSQL: what each digest showed, for telling repeats from updates (migration 0004)."""

from __future__ import annotations

from dataclasses import replace

from psycopg.types.json import Jsonb

from svodka.digest.model import Digest
from svodka.digest.schema import to_dict
from svodka.store.postgres.db import Database, now_ts, pyformat
from svodka.store.records.digests import ADD_ITEM, SharedDigestReads, body_of, item_rows, ts


class PgDigests(SharedDigestReads):
    db: Database

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

"""PostgreSQL's side of `svodka store copy` (:class:`svodka.store.copy.Dump`): the schema from the catalog,
keyset reads with JSON kept as text, ``COPY … FROM STDIN`` writes with the table's own triggers disabled
inside the batch's transaction (a copied edit is not a new edit for the monitor), identity sequences as
counters. Tables that hold a ``tsvector`` (the full-text index) are derived and rebuilt by the store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.types.string import TextLoader

from svodka.store.copy import Progress, Row, Table
from svodka.store.postgres import PgStore
from svodka.store.postgres.db import ADAPTERS, explain, pyformat, safe_url
from svodka.store.records.dump import PROGRESS, SAVE_PROGRESS, key_json, key_tuple

TABLES = """
SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
  AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.atttypid = 'tsvector'::regtype)
ORDER BY c.relname
"""
COLUMNS = """
SELECT attname, attidentity FROM pg_attribute
WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum
"""
PRIMARY_KEY = """
SELECT a.attname FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = %s AND i.indisprimary ORDER BY k.ord
"""
PARENTS = "SELECT confrelid::regclass::text FROM pg_constraint WHERE conrelid = %s AND contype = 'f'"
USER_TRIGGERS = "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal)"


class PgDump:
    def __init__(self, url: str) -> None:
        self.url = safe_url(url)
        self._dsn = url
        PgStore(url).close()  # create or migrate the schema as every command does
        try:
            self.conn = psycopg.connect(url, autocommit=True, context=ADAPTERS)
        except psycopg.Error as e:
            raise explain(url, e) from None
        for name in ("json", "jsonb"):  # JSON read as its text: what SQLite holds and writes back
            self.conn.adapters.register_loader(name, TextLoader)
        self._identity: dict[str, str] = {}

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as e:
            raise explain(self._dsn, e) from None

    def tables(self) -> list[Table]:
        out = []
        with self._errors():
            for oid, name in self.conn.execute(TABLES).fetchall():
                cols = self.conn.execute(COLUMNS, (oid,)).fetchall()
                pk = tuple(r[0] for r in self.conn.execute(PRIMARY_KEY, (oid,)))
                # An identity column beside the primary key numbers rows in the order stored (questions'
                # seq, SQLite's rowid there): read in its order, and left for the destination to number.
                order = [c for c, ident in cols if ident == "a" and c not in pk]
                for col, identity in cols:
                    if identity:
                        self._identity[name] = col
                columns = tuple(c for c, _ in cols if c not in order)
                key = tuple(order[:1]) or pk or columns
                parents = frozenset(r[0] for r in self.conn.execute(PARENTS, (oid,)))
                out.append(Table(name, columns, key, parents))
        return out

    def count(self, table: Table) -> int:
        with self._errors():
            row = self.conn.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table.name)))
            return int(row.fetchone()[0])  # type: ignore[index]

    def read(self, table: Table, after: Sequence[object] | None, limit: int) -> list[Row]:
        key = sql.SQL(", ").join(map(sql.Identifier, table.key))
        cols = sql.SQL(", ").join(map(sql.Identifier, (*table.key, *table.columns)))
        where: sql.Composable = sql.SQL("")
        if after is not None:
            marks = sql.SQL(", ").join(sql.Placeholder() * len(table.key))
            where = sql.SQL("WHERE ({}) > ({})").format(key, marks)
        query = sql.SQL("SELECT {} FROM {} {} ORDER BY {} LIMIT %s").format(
            cols, sql.Identifier(table.name), where, key
        )
        with self._errors():
            return self.conn.execute(query, (*(after or ()), limit)).fetchall()

    def write(self, table: Table, rows: Sequence[Row], progress: Progress) -> None:
        name = sql.Identifier(table.name)
        cols = sql.SQL(", ").join(map(sql.Identifier, table.columns))
        with self._errors(), self.conn.transaction():
            triggers = rows and self.conn.execute(USER_TRIGGERS, (table.name,)).fetchone() == (True,)
            if triggers:
                self.conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(name))
            if rows:
                with self.conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(name, cols)) as copy:
                    for row in rows:
                        copy.write_row(row)
            if triggers:
                self.conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(name))
            self.conn.execute(
                pyformat(SAVE_PROGRESS),
                (table.name, progress.source, key_json(progress.last_key), progress.rows, int(progress.done)),
            )

    def clear(self, table: Table) -> None:
        with self._errors():
            self.conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table.name)))

    def progress(self) -> dict[str, Progress]:
        with self._errors():
            rows = self.conn.execute(PROGRESS).fetchall()
        return {t: Progress(s, key_tuple(k), int(n), bool(d)) for t, s, k, n, d in rows}

    def _sequences(self) -> dict[str, tuple[str, str]]:
        if not self._identity:
            self.tables()
        out = {}
        for name, col in self._identity.items():
            seq = self.conn.execute("SELECT pg_get_serial_sequence(%s, %s)", (name, col)).fetchone()
            if seq and seq[0]:
                out[name] = (col, str(seq[0]))
        return out

    def counters(self) -> dict[str, int]:
        out = {}
        with self._errors():
            for name, (col, seq) in self._sequences().items():
                last, called = self.conn.execute(f"SELECT last_value, is_called FROM {seq}").fetchone()  # type: ignore[misc]
                top = self.conn.execute(
                    sql.SQL("SELECT MAX({}) FROM {}").format(sql.Identifier(col), sql.Identifier(name))
                ).fetchone()
                out[name] = max(int(last) if called else int(last) - 1, int((top and top[0]) or 0))
        return out

    def set_counters(self, counters: dict[str, int]) -> None:
        """Each identity sequence continues after the source's counter (or the largest id copied)."""
        with self._errors(), self.conn.transaction():
            for name, (col, seq) in self._sequences().items():
                top = self.conn.execute(
                    sql.SQL("SELECT MAX({}) FROM {}").format(sql.Identifier(col), sql.Identifier(name))
                ).fetchone()
                value = max(counters.get(name, 0), int((top and top[0]) or 0))
                if value > 0:
                    self.conn.execute("SELECT setval(%s, %s, true)", (seq, value))
                else:
                    self.conn.execute("SELECT setval(%s, 1, false)", (seq,))

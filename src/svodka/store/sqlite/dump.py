"""SQLite's side of `svodka store copy` (:class:`svodka.store.copy.Dump`): the schema from ``sqlite_master``,
keyset reads, ``executemany`` writes with the table's triggers dropped and re-created inside the batch's
transaction (a copied edit is not a new edit for the monitor), and ``sqlite_sequence`` for counters."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from svodka.store.copy import Progress, Row, Table
from svodka.store.records.dump import PROGRESS, SAVE_PROGRESS, key_json, key_tuple
from svodka.store.sqlite import SqliteStore
from svodka.store.sqlite.db import explain


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteDump:
    def __init__(self, path: str) -> None:
        self.url = path
        self.path = Path(path)
        SqliteStore(self.path).close()  # create or migrate it as every command does
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
            self.conn.execute("PRAGMA foreign_keys = OFF")  # rows come parents first; self-checks are moot
            self.conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as e:
            raise explain(self.path, e) from None

    def close(self) -> None:
        self.conn.close()

    def _derived(self) -> set[str]:
        """Full-text tables: the virtual table and its shadow tables, rebuilt by the store itself."""
        rows = self.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
        virtual = [n for n, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
        return {
            n
            for n, _ in rows
            if n.startswith("sqlite_") or any(n == v or n.startswith(v + "_") for v in virtual)
        }

    def tables(self) -> list[Table]:
        derived = self._derived()
        rows = self.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
        out = []
        for name, create in rows.fetchall():
            if name in derived:
                continue
            info = self.conn.execute(f"PRAGMA table_xinfo({_q(name)})").fetchall()
            columns = tuple(r[1] for r in info if r[6] == 0)  # hidden (generated) columns are not copied
            key: tuple[str, ...] = ("rowid",)  # the order rows were stored in (questions are read so)
            if "WITHOUT ROWID" in create.upper():
                key = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
            parents = frozenset(r[2] for r in self.conn.execute(f"PRAGMA foreign_key_list({_q(name)})"))
            out.append(Table(name, columns, key, parents))
        return out

    def count(self, table: Table) -> int:
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {_q(table.name)}").fetchone()[0])

    def read(self, table: Table, after: Sequence[object] | None, limit: int) -> list[Row]:
        key = ", ".join(k if k == "rowid" else _q(k) for k in table.key)
        cols = ", ".join([key, *(_q(c) for c in table.columns)])
        where = f"WHERE ({key}) > ({', '.join('?' * len(table.key))})" if after is not None else ""
        sql = f"SELECT {cols} FROM {_q(table.name)} {where} ORDER BY {key} LIMIT ?"
        try:
            return self.conn.execute(sql, (*(after or ()), limit)).fetchall()
        except sqlite3.Error as e:
            raise explain(self.path, e) from None

    def write(self, table: Table, rows: Sequence[Row], progress: Progress) -> None:
        cols = ", ".join(_q(c) for c in table.columns)
        marks = ", ".join("?" * len(table.columns))
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                triggers = self.conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                    (table.name,),
                ).fetchall()
                for name, _ in triggers:
                    self.conn.execute(f"DROP TRIGGER {_q(name)}")
                self.conn.executemany(f"INSERT INTO {_q(table.name)} ({cols}) VALUES ({marks})", rows)
                for _, sql in triggers:
                    self.conn.execute(sql)
                self.conn.execute(
                    SAVE_PROGRESS,
                    (
                        table.name,
                        progress.source,
                        key_json(progress.last_key),
                        progress.rows,
                        int(progress.done),
                    ),
                )
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as e:
            raise explain(self.path, e) from None

    def clear(self, table: Table) -> None:
        self.conn.execute(f"DELETE FROM {_q(table.name)}")

    def progress(self) -> dict[str, Progress]:
        rows = self.conn.execute(PROGRESS).fetchall()
        return {t: Progress(s, key_tuple(k), int(n), bool(d)) for t, s, k, n, d in rows}

    def _id_tables(self) -> list[tuple[str, str, bool]]:
        """``(table, id column, AUTOINCREMENT?)`` of each table keyed by one INTEGER column (its rowid)."""
        out = []
        for t in self.tables():
            pk = [r for r in self.conn.execute(f"PRAGMA table_info({_q(t.name)})") if r[5]]
            if len(pk) == 1 and str(pk[0][2]).upper() == "INTEGER":
                sql = self.conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (t.name,)).fetchone()[
                    0
                ]
                out.append((t.name, str(pk[0][1]), "AUTOINCREMENT" in sql.upper()))
        return out

    def counters(self) -> dict[str, int]:
        seq = dict(self.conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
        out = {}
        for name, col, _ in self._id_tables():
            top = self.conn.execute(f"SELECT MAX({_q(col)}) FROM {_q(name)}").fetchone()[0] or 0
            out[name] = max(int(top), int(seq.get(name, 0)))
        return out

    def set_counters(self, counters: dict[str, int]) -> None:
        """AUTOINCREMENT tables continue after the source's counter; the others after their largest id,
        as SQLite's rowids do anyway."""
        self.conn.execute("BEGIN IMMEDIATE")
        for name, _, auto in self._id_tables():
            if not auto or name not in counters:
                continue
            self.conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", (name,))
            self.conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, counters[name]))
        self.conn.execute("COMMIT")

"""Copy a whole store to another (SQLite ↔ PostgreSQL, SQLite → SQLite): `svodka store copy SRC DST`.

Backend-neutral: each backend gives a :class:`Dump` (``store/<backend>/dump.py``) that lists its tables
with their columns, primary keys and foreign keys, reads a table in key order in batches (keyset
pagination: memory stays flat), writes a batch together with the destination's progress row in one
transaction (COPY on PostgreSQL), and reads and sets the id counters. The tables are discovered from the
source's schema, never listed by hand, and copied parents first. A copy killed mid-way resumes after the
last committed batch (``copy_progress`` in the destination). At the end every table is verified: row counts
and an order-independent content checksum (the sum of the rows' hashes over a canonical text form both
backends produce alike), source beside destination. The source's sum of a table copied whole in this run
is taken from the rows as they are copied (each row is read from the source once); a table a killed run
had begun is read again for it. Columns are copied and hashed in name order, so no row is rearranged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from svodka.errors import StoreError

log = logging.getLogger(__name__)

BATCH_ROWS = 5_000
# Each store's own bookkeeping, never copied: its migrations, how far its full-text index has got (the
# destination indexes the copied posts itself, before its first search), the copy's own progress, and who
# is working on it now — the run leases, the collectors' source claims and the workers' embedding claims
# with their logs (held by processes of the source's, they would keep the copy's sources and posts claimed
# until they expired; the source's claims say nothing of the copy).
BOOKKEEPING = frozenset(
    {
        "schema_migrations",
        "fts_state",
        "copy_progress",
        "lease",
        "source_claims",
        "source_claim_log",
        "embed_claims",
        "embed_claim_log",
        "embed_cursor",
    }
)
MASK = (1 << 64) - 1
Row = tuple[object, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    # The order rows are read in, and where a resumed copy goes on: the primary key, or the column that
    # numbers rows in the order they were stored (SQLite's rowid, an identity column), so a copy keeps it.
    key: tuple[str, ...]
    parents: frozenset[str] = field(default_factory=frozenset)  # tables its foreign keys point at


@dataclass(frozen=True)
class Progress:
    source: str
    last_key: tuple[object, ...] | None
    rows: int
    done: bool


@dataclass(frozen=True)
class TableCheck:
    name: str
    source_rows: int
    dest_rows: int
    source_sum: int
    dest_sum: int
    seconds: float = 0.0  # copying it in this run (0 for a table a killed run had finished)

    @property
    def ok(self) -> bool:
        return self.source_rows == self.dest_rows and self.source_sum == self.dest_sum


@dataclass(frozen=True)
class CopyReport:
    checks: tuple[TableCheck, ...]
    rows_copied: int
    resumed: bool
    copy_seconds: float = 0.0  # copying, with the source's checksums of the tables copied whole
    verify_seconds: float = 0.0  # the destination's checksums, and the source's of tables resumed

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


class Dump(Protocol):
    """What a backend gives the copy: its schema, batches of rows in key order, bulk writes, counters."""

    url: str

    def tables(self) -> list[Table]:
        """The store's data tables (derived ones, e.g. a full-text index, left out)."""
        ...

    def count(self, table: Table) -> int: ...

    def read(self, table: Table, after: Sequence[object] | None, limit: int) -> list[Row]:
        """Up to ``limit`` rows with a key greater than ``after``, in key order: each the values of
        ``table.key``, then those of ``table.columns``."""
        ...

    def write(self, table: Table, rows: Sequence[Row], progress: Progress) -> None:
        """Insert ``rows`` (triggers off: a copied row is not a new event) and record ``progress``, in one
        transaction."""
        ...

    def clear(self, table: Table) -> None:
        """Delete every row of ``table`` (the rows a new store's migrations seeded it with)."""
        ...

    def progress(self) -> dict[str, Progress]: ...

    def counters(self) -> dict[str, int]:
        """``table`` → the highest id handed out for that table's generated id (≥ its largest id)."""
        ...

    def set_counters(self, counters: dict[str, int]) -> None:
        """New ids of each table continue after ``counters[table]``."""
        ...

    def close(self) -> None: ...


def open_dump(url: str) -> Dump:
    """The dump of the store at ``url`` (opened, and so migrated, as :func:`svodka.store.open_store` does)."""
    from svodka.store import POSTGRES_SCHEMES

    if url.startswith(POSTGRES_SCHEMES):
        from svodka.store.postgres.dump import PgDump

        return PgDump(url)
    from svodka.store.sqlite.dump import SqliteDump

    return SqliteDump(url[len("sqlite:///") :] if url.startswith("sqlite:///") else url)


def dependency_order(tables: Sequence[Table]) -> list[Table]:
    """``tables`` parents first (foreign keys), by name among equals; a cycle is broken by name."""
    by_name = {t.name: t for t in tables}
    pending = {t.name: {p for p in t.parents if p in by_name and p != t.name} for t in tables}
    order: list[Table] = []
    while pending:
        ready = sorted(n for n, deps in pending.items() if not deps) or [min(pending)]
        for name in ready:
            order.append(by_name[name])
            del pending[name]
        for deps in pending.values():
            deps.difference_update(ready)
    return order


def _text(value: str) -> str:
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    if value[:1] in ("{", "["):
        try:
            return json.dumps(json.loads(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        except ValueError:
            pass
    return value


def _float(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _bytes(value: bytes | bytearray | memoryview) -> str:
    return "\\x" + bytes(value).hex()


# canonical() by exact type, the types both drivers return (a row hash is one dictionary look-up a value).
_CANONICAL: dict[type, Callable[..., str]] = {
    type(None): lambda _: "\\N",
    bool: lambda v: "1" if v else "0",
    int: int.__repr__,
    float: _float,
    str: _text,
    bytes: _bytes,
    bytearray: _bytes,
    memoryview: _bytes,
}


def canonical(value: object) -> str:
    """One value as text both backends give alike: booleans as 0/1, integral floats as integers, bytes as
    hex, JSON objects and arrays re-serialised with sorted keys, NUL as PostgreSQL stores it (U+FFFD)."""
    fn = _CANONICAL.get(type(value))
    if fn is not None:
        return fn(value)
    for kind, fn in _CANONICAL.items():  # a subclass (an IntEnum, a str subclass): as its base type
        if kind is not type(None) and isinstance(value, kind):
            return fn(value)
    return _text(str(value))


def row_hash(row: Row) -> int:
    get = _CANONICAL.get
    text = "\x1f".join([(get(type(v)) or canonical)(v) for v in row])
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _sum(rows: Sequence[Row], total: int = 0) -> int:
    for row in rows:
        total += row_hash(row)
    return total & MASK


def _rows(
    dump: Dump, table: Table, after: Sequence[object] | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[tuple[Row, list[Row]]]:
    """``(last key, rows)`` batch by batch, rows without their key values."""
    n = len(table.key)
    while True:
        batch = dump.read(table, after, batch_rows)
        if not batch:
            return
        after = tuple(batch[-1][:n])
        yield after, [r[n:] for r in batch]


def by_name(table: Table) -> Table:
    """``table`` with its columns in name order: the order a row is hashed in, whatever each backend's."""
    return replace(table, columns=tuple(sorted(table.columns)))


def checksum(dump: Dump, table: Table) -> tuple[int, int]:
    """``(rows, sum of row hashes mod 2**64)`` of ``table``, its columns taken in name order."""
    count = total = 0
    for _, batch in _rows(dump, by_name(table)):
        total = _sum(batch, total)
        count += len(batch)
    return count, total


def _plan(src: Dump, dst: Dump) -> list[tuple[Table, Table]]:
    """The source's tables in dependency order, each with the destination's (read in the destination's
    key order, with the source's columns): each must be in the destination with all its columns."""
    dest = {t.name: t for t in dst.tables()}
    plan = []
    for table in dependency_order([t for t in src.tables() if t.name not in BOOKKEEPING]):
        there = dest.get(table.name)
        missing = set(table.columns) - set(there.columns) if there else set(table.columns)
        if missing:
            if src.count(table) == 0:
                log.warning(
                    "%s: not (or not all its columns) in %s; empty here: skipped", table.name, dst.url
                )
                continue
            what = f"columns {sorted(missing)} of table {table.name}" if there else f"table {table.name}"
            raise StoreError(f"{dst.url} has no {what} (is its backend behind on migrations?)")
        assert there is not None
        table = by_name(table)
        plan.append((table, replace(there, columns=table.columns)))
    return plan


def _seeded(plan: Sequence[tuple[Table, Table]]) -> set[str]:
    """The tables a freshly migrated store already has rows in (a one-row id sequence): their rows are
    replaced by the source's, and do not make the destination count as in use."""
    with tempfile.TemporaryDirectory(prefix="svodka-copy-") as tmp:
        fresh = open_dump(str(Path(tmp) / "fresh.db"))
        try:
            names = {t.name for t in fresh.tables()}
            return {t.name for _, t in plan if t.name in names and fresh.count(t)}
        finally:
            fresh.close()


def copy_store(src: Dump, dst: Dump, into_nonempty: bool = False, batch_rows: int = BATCH_ROWS) -> CopyReport:
    """Copy every table of ``src`` into ``dst`` (resuming an interrupted copy), then verify the result."""
    plan = _plan(src, dst)
    progress = dst.progress()
    others = {p.source for p in progress.values()} - {src.url}
    if others and not into_nonempty:
        raise StoreError(
            f"{dst.url} holds a copy from {sorted(others)[0]}, not from {src.url}"
            " (--into-nonempty to copy into it anyway)"
        )
    resumed = bool(progress)
    seeded = _seeded(plan)
    if not resumed and not into_nonempty:
        full = [t.name for _, t in plan if t.name not in seeded and dst.count(t)]
        if full:
            raise StoreError(
                f"{dst.url} is not empty (table {full[0]} has rows): copy into a new store,"
                " or give --into-nonempty"
            )
    copied = 0
    started = time.perf_counter()
    sums: dict[str, tuple[int, int]] = {}  # the source's checksum of each table copied whole now
    seconds: dict[str, float] = {}
    for table, there in plan:
        done = progress.get(table.name)
        if done is not None and done.done:
            continue
        began = time.perf_counter()
        if done is None and table.name in seeded:
            dst.clear(there)
        n, total = _copy_table(src, dst, table, done, batch_rows)
        copied += n
        if done is None:
            sums[table.name] = (n, total)
        seconds[table.name] = time.perf_counter() - began
    dst.set_counters(src.counters())
    copy_seconds = time.perf_counter() - started
    checks = []
    for table, there in plan:
        s_rows, s_sum = sums.get(table.name) or checksum(src, table)
        d_rows, d_sum = checksum(dst, there)
        checks.append(TableCheck(table.name, s_rows, d_rows, s_sum, d_sum, seconds.get(table.name, 0.0)))
    verify_seconds = time.perf_counter() - started - copy_seconds
    return CopyReport(tuple(checks), copied, resumed, copy_seconds, verify_seconds)


def _copy_table(
    src: Dump, dst: Dump, table: Table, done: Progress | None, batch_rows: int
) -> tuple[int, int]:
    """Copy ``table`` from where ``done`` left it; each batch is committed with its progress row. Returns
    the rows copied now and the sum of their hashes."""
    start = done.last_key if done else None
    last = start
    rows = done.rows if done else 0
    copied = total = 0
    for key, batch in _rows(src, table, start, batch_rows):
        rows += len(batch)
        last = key
        dst.write(table, batch, Progress(src.url, key, rows, done=False))
        total = _sum(batch, total)
        copied += len(batch)
        log.info("%s: %d rows", table.name, rows)
    dst.write(table, [], Progress(src.url, last, rows, done=True))
    return copied, total


def format_report(report: CopyReport) -> list[str]:
    """The verification, one line per table: rows and checksum of the source beside the destination's, and
    the seconds its copy took in this run."""
    lines = [
        f"{'table':<24} {'rows src':>10} {'rows dst':>10}  {'checksum src':<16} {'checksum dst':<16}"
        f" {'copy s':>8}"
    ]
    for c in report.checks:
        mark = "" if c.ok else "  MISMATCH"
        lines.append(
            f"{c.name:<24} {c.source_rows:>10} {c.dest_rows:>10}  {c.source_sum:016x} {c.dest_sum:016x}"
            f" {c.seconds:>8.1f}{mark}"
        )
    return lines

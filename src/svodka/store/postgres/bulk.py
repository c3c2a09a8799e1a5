"""The bulk-write path of posts in PostgreSQL: which of a batch's keys are stored, binary ``COPY`` of rows,
and the batch's compression — each measured with ``benchmarks/bench_import.py`` (CPU per post, client and
server; benchmarks/README.md, "Import into PostgreSQL").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg.types import string
from psycopg.types.string import BytesBinaryDumper

# The row's text columns of :func:`svodka.store.records.posts.post_row` that may hold what a source sent
# (entities and links are JSON from orjson, which writes a NUL as ``\u0000``).
_TEXTS = (3, 9, 10, 11, 12, 15, 16, 17)


def _array(values: Sequence[int]) -> str:
    """A ``bigint[]`` literal: one string, where psycopg would dump a list of ints element by element."""
    return "{" + ",".join(map(str, values)) + "}"


# The stored state of a batch's keys that decides whether a copy changes anything: its hash and counters.
STORED_KEYS = (
    "SELECT k.c, k.m, x.content_hash, x.views, x.forwards, x.reactions "
    "FROM unnest(%s::bigint[], %s::bigint[]) AS k(c, m) CROSS JOIN LATERAL (SELECT p.content_hash, "
    "p.views, p.forwards, p.reactions FROM posts p WHERE p.channel_id = k.c AND p.message_id = k.m LIMIT 1) x"
)
# Where a post row (svodka.store.records.posts.post_row) holds its hash and its counters.
_HASH, _COUNTERS = 19, (6, 7, 8)

Stored = dict[tuple[int, int], tuple[int, int | None, int | None, int | None]]


def stored_keys(conn: psycopg.Connection, keys: Sequence[tuple[int, int]]) -> Stored:
    """Which of these ``(channel_id, message_id)`` are stored already, each with its content hash and
    counters: one probe of the posts' unique key per key (a ``LATERAL … LIMIT 1`` the planner cannot make a
    hash join over a scan of every post, which it chose while the table's statistics were those of a
    smaller table: a scan per batch, quadratic over an import)."""
    rows = conn.execute(STORED_KEYS, (_array([k[0] for k in keys]), _array([k[1] for k in keys])))
    return {(r[0], r[1]): (r[2], r[3], r[4], r[5]) for r in rows}


def changes(row: tuple[Any, ...], stored: tuple[int, int | None, int | None, int | None]) -> bool:
    """Whether saving this copy of a stored post can change it: another text or entities (a hash of its
    own; the merge then decides whether it is a newer edit), or a counter it has that differs. What cannot
    is counted unchanged and never staged — a re-import of unchanged posts writes nothing."""
    if row[_HASH] != stored[0]:
        return True
    return any(row[i] is not None and row[i] != s for i, s in zip(_COUNTERS, stored[1:], strict=True))


def nul_free(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A post row (:func:`~svodka.store.records.posts.post_row`) with any NUL of its texts as U+FFFD
    (PostgreSQL text holds none), as the store's own dumpers write every other string (svodka.store.
    postgres.db); :func:`copy_rows` writes strings as they are."""
    for i in _TEXTS:
        value = row[i]
        if value is not None and "\x00" in value:
            return tuple(v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in row)
    return row


def copy_rows(
    conn: psycopg.Connection, statement: str, types: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """``COPY … FROM STDIN (FORMAT BINARY)`` of ``rows`` of these ``types``: rows of :func:`nul_free` post
    rows. Their strings and bytes go through psycopg's own C dumpers — not the store's Python one for
    strings, nor the DB-API ``Binary`` dumper that ``bytea`` picks by its type (a Python call per value)."""
    with conn.cursor() as cur:
        cur.adapters.register_dumper(str, string.StrBinaryDumper)
        cur.adapters.register_dumper(bytes, BytesBinaryDumper)
        with cur.copy(statement) as copy:
            copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)


def has_lz4(conn: psycopg.Connection) -> bool:
    """Whether the server can compress with lz4 (built with it)."""
    row = conn.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    ).fetchone()
    return bool(row and row[0])


# What a transaction stores compressed (a post's raw record, a long text) in lz4, on a server that has it:
# pglz took 11 % of the server's CPU of a COPY of posts. Values read back the same (a value's compression is
# the server's business); a column given a compression of its own keeps it.
LZ4 = "SET LOCAL default_toast_compression = lz4"

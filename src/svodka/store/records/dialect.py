"""What the two SQL dialects of the store do differently, as data (:class:`Dialect`), and the reads both
backends run through it: a repository's read written once (``records.<repository>``'s ``…Reads`` class) runs
on either backend's :class:`Database`, which names its dialect.

A shared text is written with SQLite's ``?`` marks (:attr:`Dialect.sql` puts in the driver's own) and says
``{ids}`` where a column is tested against a list of ids (:attr:`Dialect.ids`: SQLite binds each id, in
chunks; PostgreSQL one array). Nothing here imports a backend or a driver: both connections answer the few
calls of :class:`Connection`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, closing
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from svodka.store.records.lists import ANY, CHUNK, chunks, in_marks

Row = Sequence[Any]  # a stored row as the driver gives it: a tuple of column values


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Row | None: ...

    def fetchall(self) -> Sequence[Row]: ...

    def __iter__(self) -> Iterator[Row]: ...


class ManyCursor(Protocol):
    def executemany(self, sql: str, params: Iterable[Sequence[Any]], /) -> object: ...

    def close(self) -> None: ...


class Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor: ...

    def cursor(self) -> ManyCursor: ...


class Database(Protocol):
    """A backend's database as the shared reads use it (``svodka.store.sqlite.db.Database`` and
    ``svodka.store.postgres.db.Database``)."""

    @property
    def dialect(self) -> Dialect: ...

    def read(self) -> AbstractContextManager[Connection]: ...

    def write(self) -> AbstractContextManager[Connection]: ...


def pyformat(sql: str) -> str:
    """A SQL text both backends share, written with SQLite's ``?`` placeholders, in psycopg's ``%s`` style
    (a literal ``%`` doubled); the shared texts hold no ``?`` of their own."""
    return sql.replace("%", "%%").replace("?", "%s")


def _as_is(text: str) -> str:
    return text


def _stored(value: Any) -> Any:
    return value


def _last_rowid(conn: Connection, sql: str, params: Sequence[Any]) -> int:
    conn.execute(sql, params)
    found = conn.execute("SELECT last_insert_rowid()").fetchone()
    assert found is not None  # the function always answers
    return int(found[0])


def _returning_id(conn: Connection, sql: str, params: Sequence[Any]) -> int:
    found = conn.execute(pyformat(f"{sql} RETURNING id"), params).fetchone()
    assert found is not None  # an INSERT of one row that did not fail returns it
    return int(found[0])


def _one_each(ids: Sequence[int]) -> tuple[int, ...]:
    return tuple(ids)


def _one_array(ids: Sequence[int]) -> tuple[list[int], ...]:
    return (list(ids),)


@dataclass(frozen=True)
class Dialect:
    """How one backend's SQL differs from the other's where a shared text runs."""

    name: str
    sql: Callable[[str], str]  # a shared text (``?`` marks) as this driver takes it
    ids: Callable[[int], str]  # the test of a column against ``n`` ids, for ``{ids}``
    bind: Callable[[Sequence[int]], tuple[Any, ...]]  # the parameters of that test
    chunk: int  # at most this many ids in one statement
    json: Callable[[Any], Any]  # a stored JSON column as Python (SQLite keeps text, PostgreSQL JSONB)
    # run a shared INSERT of one row (its text as written, ``?`` marks) on a connection: the row's new id
    insert: Callable[[Connection, str, Sequence[Any]], int]


SQLITE = Dialect("sqlite", _as_is, in_marks, _one_each, CHUNK, orjson.loads, _last_rowid)
POSTGRES = Dialect("postgres", pyformat, lambda n: ANY, _one_array, sys.maxsize, _stored, _returning_id)


def upsert(key: str, columns: str) -> str:
    """The clause both dialects write for an insert that updates ``columns`` (``"a, b"``) of the row it
    meets on ``key`` (SQLite since 3.24, as PostgreSQL)."""
    sets = ", ".join(f"{c} = excluded.{c}" for c in columns.split(", "))
    return f"ON CONFLICT ({key}) DO UPDATE SET {sets}"


def now_ts() -> int:
    """The Unix time now, as the store keeps it."""
    return int(time.time())


def rows(db: Database, text: str, params: Sequence[Any] = ()) -> Sequence[Row]:
    """All rows of the shared ``text``."""
    with db.read() as conn:
        return conn.execute(db.dialect.sql(text), params).fetchall()


def row(db: Database, text: str, params: Sequence[Any] = ()) -> Row | None:
    """The first row of the shared ``text``, None when there is none."""
    with db.read() as conn:
        return conn.execute(db.dialect.sql(text), params).fetchone()


def rows_in(db: Database, text: str, ids: Iterable[int], before: Sequence[Any] = ()) -> list[Row]:
    """The rows of the shared ``text`` with its one ``{ids}`` tested against ``ids`` (in as many statements
    as the dialect needs; none for no ids); ``before``: the parameters ahead of the list's."""
    d, out = db.dialect, list[Row]()
    with db.read() as conn:
        for chunk in chunks(ids, d.chunk):
            sql = d.sql(text.format(ids=d.ids(len(chunk))))
            out += conn.execute(sql, (*before, *d.bind(chunk))).fetchall()
    return out


def rows_among(db: Database, text: str, ids: Sequence[int]) -> Sequence[Row]:
    """The rows of the shared ``text`` whose every ``{ids}`` is tested against all of ``ids`` (one statement:
    a pair of columns both among them; none for no ids)."""
    if not ids:
        return []
    d = db.dialect
    times = text.count("{ids}")
    with db.read() as conn:
        sql = d.sql(text.format(ids=d.ids(len(ids))))
        return conn.execute(sql, d.bind(ids) * times).fetchall()


def changed(db: Database, text: str, params: Sequence[Any] = ()) -> int:
    """Run the shared write ``text`` in its own transaction: how many rows it changed."""
    with db.write() as conn:
        return conn.execute(db.dialect.sql(text), params).rowcount


def value(db: Database, text: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row of the shared ``text`` (a count, a name), None when no row."""
    found = row(db, text, params)
    return None if found is None else found[0]


def changed_in(db: Database, text: str, ids: Iterable[int], before: Sequence[Any] = ()) -> int:
    """Run the shared write ``text`` with its one ``{ids}`` tested against ``ids`` (as :func:`rows_in`, all in
    one transaction): how many rows it changed."""
    d, done = db.dialect, 0
    with db.write() as conn:
        for chunk in chunks(ids, d.chunk):
            sql = d.sql(text.format(ids=d.ids(len(chunk))))
            done += max(conn.execute(sql, (*before, *d.bind(chunk))).rowcount, 0)
    return done


def write_many(db: Database, text: str, params: Iterable[Sequence[Any]]) -> None:
    """Run the shared write ``text`` once for each of ``params``, in one transaction (the caller's, if it
    is inside one)."""
    with db.write() as conn, closing(conn.cursor()) as cur:
        cur.executemany(db.dialect.sql(text), params)


def inserted(db: Database, text: str, params: Sequence[Any]) -> int:
    """Run the shared INSERT ``text`` of one row in its own transaction (the caller's, if it is inside one):
    the new row's id."""
    with db.write() as conn:
        return db.dialect.insert(conn, text, params)

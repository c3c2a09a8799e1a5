"""Full-text search over posts: the query language, and indexing off the write path.

Posts are indexed in bulk (one ``INSERT … SELECT`` per chunk) after writes and before any search, not by a
trigger per inserted row: see migration 0007_fts_deferred. ``fts_state.indexed_upto`` is the highest post
id in the index, and what is pending is always ``id > indexed_upto``: SQLite has one writer at a time, and a
new row's id is the highest id + 1, given inside the writer's transaction, so no post is ever committed
under an id below one already visible — but for an id freed by deleting the newest posts, which is why the
delete trigger keeps the mark at or below the highest id (migration 0033_fts_yo). A caller's transaction
that indexes moves the mark in the same transaction as its posts: both are stored, or neither.

The index holds the text folded (:func:`folded`: ё read as е, as the query reads it); its content table is
``posts``, so snippets show the text as written.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable

from svodka.errors import QueryError, StoreError
from svodka.query import And, Node, Not, Or, Phrase, Term, parse_query
from svodka.stemming import snowball
from svodka.store.sqlite.db import Database

log = logging.getLogger(__name__)

INDEX_CHUNK = 20_000


def folded(column: str) -> str:
    """The SQL of the text the index holds for a text column: ё as е (unicode61 folds the case, not ё).
    Migration 0033_fts_yo's triggers write the same expression out: an FTS5 'delete' needs the tokens that
    were indexed."""
    return f"replace(replace({column}, 'ё', 'е'), 'Ё', 'Е')"


def pending(conn: sqlite3.Connection) -> tuple[int, int]:
    """``(indexed_upto, highest post id)``: posts with ids in between are not searchable yet."""
    upto = conn.execute("SELECT indexed_upto FROM fts_state").fetchone()[0]
    top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM posts").fetchone()[0]
    return int(upto), int(top)


def index_pending(db: Database, on_progress: Callable[[int], None] | None = None) -> int:
    """Add every post not yet in the full-text index, in chunks of one transaction each; returns how many.

    A read-only database is searched as it is (what was indexed when it was last written). When the disk
    fills, the error says what is true: every post is stored, the index holds them up to a post id, and the
    rest is indexed by the next command that writes or searches (the posts' own batches were committed
    before; "nothing of the interrupted batch was stored" would be false here).
    """
    if db.readonly:
        return 0
    with db.read() as conn:
        upto, top = pending(conn)
    done = 0
    while upto < top:
        try:
            with db.write() as conn:
                upto, top = pending(conn)  # another writer may have indexed meanwhile
                end = min(top, upto + INDEX_CHUNK)
                cur = conn.execute(
                    f"INSERT INTO posts_fts(rowid, text) SELECT id, {folded('text')} FROM posts "
                    "WHERE id > ? AND id <= ?",
                    (upto, end),
                )
                conn.execute("UPDATE fts_state SET indexed_upto = ?", (end,))
        except StoreError as e:
            if "disk full" not in str(e):
                raise
            raise StoreError(
                f"{db.path}: disk full while indexing for full-text search: every post is stored, but the "
                f"search index holds posts up to id {upto} of {top} ({done} indexed now); free space, and "
                "the next import or search indexes the rest"
            ) from None
        n = max(cur.rowcount, 0)
        done += n
        upto = end
        if on_progress and n:
            on_progress(n)
    if done:
        log.info("indexed %d posts for full-text search", done)
    return done


_WORD = re.compile(r"\w+", re.UNICODE)


def _stem(word: str) -> str:
    lang = "ru" if re.search(r"[а-яё]", word) else "en"
    stem = snowball(lang).stemWord(word)
    # A stem shorter than 3 letters matches too much as a prefix; keep the word then.
    return stem if len(stem) >= 3 else word


def fts_query(text: str) -> str:
    """An FTS5 query for what a person typed (the syntax of :mod:`svodka.query`): every word must occur, in
    any inflection, unless the query says otherwise (OR, NOT / -word, "a phrase", prefix*).

    Words are stemmed (Snowball, Russian or English by script) and searched as prefixes, so "выборы" finds
    "выборах" and "elections" finds "election"; ``"quoted phrases"`` are the words as written, next to each
    other; ``word*`` is that prefix as typed. Malformed input raises :class:`svodka.errors.QueryError`.
    """
    return fts_expression(parse_query(text))


def fts_expression(node: Node) -> str:
    """The FTS5 MATCH expression of a parsed query (FTS5's NOT is binary: ``a NOT b``)."""
    if isinstance(node, Term):
        return f'"{node.word}"*' if node.prefix else f'"{_stem(node.word)}"*'
    if isinstance(node, Phrase):
        return '"' + " ".join(node.words) + '"'
    if isinstance(node, Or):
        return "(" + " OR ".join(fts_expression(n) for n in node.nodes) + ")"
    if isinstance(node, And):
        wanted = [fts_expression(n) for n in node.nodes if not isinstance(n, Not)]
        expr = " AND ".join(wanted)
        if len(wanted) > 1:
            expr = f"({expr})"
        for n in node.nodes:
            if isinstance(n, Not):
                expr = f"({expr} NOT {fts_expression(n.node)})"
        return expr
    raise QueryError("a query cannot be only a NOT")  # parse_query never hands one over

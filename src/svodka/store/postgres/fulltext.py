"""Full-text search over posts in PostgreSQL: the query language as a ``tsquery``, and bulk indexing.

``post_search.tsv`` holds ``to_tsvector('russian', text)`` (links split into words first) — PostgreSQL's own
Russian configuration: Snowball stems for Cyrillic words, its English stemmer for Latin ones, ё folded to
е — under a GIN index. It is filled in bulk after writes and before any search (migration
0007_fts_deferred), as the SQLite backend fills its FTS5 table: ``fts_state.indexed_upto`` is the highest
post id indexed, so what is pending is always ``id > indexed_upto``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from svodka.query import And, Node, Not, Or, Phrase, Term, parse_query
from svodka.store.postgres.db import Database

log = logging.getLogger(__name__)

CONFIG = "russian"  # regconfig of post_search.tsv and of every query
INDEX_CHUNK = 20_000
# Links and markup are split into their words before parsing, as SQLite's unicode61 tokenizer splits them:
# PostgreSQL's parser keeps a URL whole (bbc.com/russian/… is one lexeme), so "russian" would not find it.
_SPLIT = "/.:?=&_#+~|*[]()<>"  # no %: the SQL carries parameters


def tsvector_of(column: str) -> str:
    """The SQL of the stored ``tsvector`` of a text column.

    The split characters become spaces by one ``replace`` each: the same text as ``translate`` gives, at a
    quarter of its cost on Cyrillic text (``translate`` decodes every character; ``replace`` searches bytes),
    which made it a third of the indexing time."""
    split = column
    for ch in _SPLIT:
        split = f"replace({split}, '{ch}', ' ')"
    return f"to_tsvector('{CONFIG}', {split})"


TSVECTOR = tsvector_of("text")
HEADLINE_OPTIONS = 'StartSel="[", StopSel="]", MaxWords=24, MinWords=8, MaxFragments=1, FragmentDelimiter="…"'


def index_pending(db: Database, on_progress: Callable[[int], None] | None = None) -> int:
    """Index (``post_search``) every post not yet indexed, in chunks of one transaction each; returns how
    many.

    A read-only store is searched as it is (what was indexed when it was last written)."""
    if db.readonly:
        return 0
    with db.read() as conn:  # the common case, before every search: nothing pending, no lock taken
        row = conn.execute(
            "SELECT (SELECT indexed_upto FROM fts_state) >= (SELECT COALESCE(MAX(id), 0) FROM posts)"
        ).fetchone()
    if row and row[0]:
        return 0
    done = 0
    while True:
        with db.write() as conn:
            # the row lock orders two processes indexing at once: the second sees the first's progress
            row = conn.execute("SELECT indexed_upto FROM fts_state FOR UPDATE").fetchone()
            upto = int(row[0]) if row else 0
            top = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM posts").fetchone()[0])  # type: ignore[index]
            if upto >= top:
                break
            end = min(top, upto + INDEX_CHUNK)
            n = conn.execute(
                f"INSERT INTO post_search SELECT id, {TSVECTOR} FROM posts WHERE id > %s AND id <= %s",
                (upto, end),
            ).rowcount
            conn.execute("UPDATE fts_state SET indexed_upto = %s", (end,))
        done += max(n, 0)
        if on_progress and n:
            on_progress(n)
    if done:
        log.info("indexed %d posts for full-text search", done)
    return done


def _lexeme(word: str, prefix: bool = False) -> str:
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + ":*" if prefix else quoted


def _compile(node: Node) -> str:
    if isinstance(node, Term):
        return _lexeme(node.word, node.prefix)
    if isinstance(node, Phrase):
        return "(" + " <-> ".join(_lexeme(w) for w in node.words) + ")"
    if isinstance(node, Not):
        return f"!({_compile(node.node)})"
    joiner = " & " if isinstance(node, And) else " | "
    return "(" + joiner.join(_compile(n) for n in node.nodes) + ")"


def ts_query(text: str) -> str:
    """The ``to_tsquery`` input for what a person typed (the language of :mod:`svodka.query`): every word in
    any inflection (``to_tsquery`` stems it as ``post_search.tsv`` was stemmed), ``"phrases"`` as ``<->``,
    ``prefix*`` as ``:*``, ``-word`` / ``NOT`` as ``!``, ``OR`` as ``|``. Malformed input: QueryError."""
    return _compile(parse_query(text))


def post_match(text: str) -> tuple[str, str, list[object]]:
    """What a search of posts needs for what a person typed: the ``to_tsquery`` input, and the ``AND …``
    condition on ``s.tsv`` and ``p.text`` that a quoted phrase adds, with its parameters ("" when none).

    A phrase is its words as written, next to each other (as on SQLite), while ``tsv`` holds stems: the
    tsquery finds the stems side by side (a superset, through the GIN index), the condition keeps the posts
    whose text has the words themselves. A phrase a post must not have is left to the condition alone."""
    node = parse_query(text)
    if not _has_phrase(node):
        return _compile(node), "", []
    params: list[object] = []
    check = _check(node, params)
    return _compile(_loosen(node)), f" AND {check}", params


def ranked_sql(filters: str, check: str) -> str:
    """The query of a ranked page of :func:`post_match`'s matches: parameters ``(tsquery, *filter and check
    parameters, rank window, tsquery, limit, offset)``; ``filters`` are conditions on ``posts p`` (or ""),
    ``check`` what :func:`post_match` adds for phrases.

    The phrase check (a regex on the text) runs only on the posts the tsquery and the filters found, by
    their ids: left to the planner, it scanned every post with the regex (it guessed the regex selective),
    ten times the time of the GIN scan. The tsquery stays inline in the first step, so the planner sizes
    the GIN scan by its selectivity."""
    rank = (
        f"SELECT id, ts_rank_cd(tsv, to_tsquery('{CONFIG}', %s)) AS score FROM hits "
        "ORDER BY score DESC, id DESC LIMIT %s OFFSET %s"
    )
    joined = " JOIN posts p ON p.id = s.post_id" if filters else ""
    found = f"SELECT s.post_id, s.tsv FROM post_search s{joined} WHERE s.tsv @@ to_tsquery('{CONFIG}', %s)"
    if not check:
        return (
            f"WITH hits AS MATERIALIZED (SELECT post_id AS id, tsv FROM ({found}{filters}) s "
            f"ORDER BY post_id DESC LIMIT %s) {rank}"
        )
    return (
        f"WITH found AS MATERIALIZED ({found}{filters}), "
        "hits AS MATERIALIZED (SELECT s.post_id AS id, s.tsv FROM found s "
        "CROSS JOIN LATERAL (SELECT p.text FROM posts p WHERE p.id = s.post_id OFFSET 0) p "
        f"WHERE true{check} ORDER BY s.post_id DESC LIMIT %s) {rank}"
    )


def _has_phrase(node: Node) -> bool:
    if isinstance(node, Phrase):
        return True
    if isinstance(node, Not):
        return _has_phrase(node.node)
    if isinstance(node, And | Or):
        return any(_has_phrase(n) for n in node.nodes)
    return False


def _loosen(node: Node) -> Node:
    """``node`` without the phrases an AND forbids (the tsquery then finds a superset of the posts)."""
    if isinstance(node, And):
        kept = [_loosen(n) for n in node.nodes if not (isinstance(n, Not) and _has_phrase(n.node))]
        if not kept:
            return node
        return kept[0] if len(kept) == 1 else And(tuple(kept))
    if isinstance(node, Or):
        return Or(tuple(_loosen(n) for n in node.nodes))
    return node


def _check(node: Node, params: list[object]) -> str:
    """The SQL condition of ``node`` on one post: words by ``s.tsv``, phrases by a regex on ``p.text``."""
    if isinstance(node, Term):
        params.append(_lexeme(node.word, node.prefix))
        return f"s.tsv @@ to_tsquery('{CONFIG}', %s)"
    if isinstance(node, Phrase):
        words = (re.escape(w).replace("е", "[её]") for w in node.words)
        params.append(r"\m" + r"\W+".join(words) + r"\M")
        return "p.text ~* %s"
    if isinstance(node, Not):
        return f"NOT ({_check(node.node, params)})"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(_check(n, params) for n in node.nodes) + ")"

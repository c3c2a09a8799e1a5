"""Full-text search over posts in PostgreSQL: the query language as SQL over two stored vectors, and bulk
indexing.

``post_search.tsv`` holds ``to_tsvector('russian', text)`` (links split into words first) — PostgreSQL's own
Russian configuration: Snowball stems for Cyrillic words, its English stemmer for Latin ones, ё folded to
е — under a GIN index: words in any inflection, prefixes, ranking (``ts_rank_cd``), and the positions
snippets are made of (:mod:`svodka.store.postgres.snippets`: no ``ts_headline`` parse of each post).
``post_search.words`` holds the words as written (``simple``: lower case, ё read as е, stop words kept, at
their positions; migration 0028_phrase_index): a quoted phrase is a ``<->`` tsquery on it, checked only on
the posts that have all of the phrase's stems (found by the stems' GIN index; the words' own GIN index cost
more than half of the indexing and is gone, migration 0036_phrases_by_stems), with no regex over the text.

Both are filled in bulk after writes and before any search (migration 0007_fts_deferred), as the SQLite
backend fills its FTS5 table. ``fts_state.indexed_upto`` is a mark below which every post is indexed, moved
only to a *settled* id (no lower id still being written): ids come from a sequence before commit, so with
several writers a post may be committed after one with a higher id, and a mark moved to the highest id seen
would pass it over for good. What is pending is a post above the mark not in ``post_search``; the posts
above it are indexed as they become visible, so the mark's lag costs a short range of the primary keys.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg

from svodka.model import SearchHit
from svodka.query import And, Node, Not, Or, Phrase, Term, parse_query
from svodka.store.postgres.db import Database
from svodka.store.postgres.snippets import snippet
from svodka.store.records.posts import SELECT_POST, stored_post

log = logging.getLogger(__name__)

CONFIG = "russian"  # regconfig of post_search.tsv and of every query of words
EXACT = "simple"  # regconfig of post_search.words and of every phrase
INDEX_CHUNK = 20_000
# How far the mark may lag behind the highest id, all indexed, before a call moves it on (taking the lock of
# :func:`_settled`): the posts above it are walked by every search's check for what is pending.
MARK_LAG = 1_000
# Connections that index parts of a chunk at once: PostgreSQL builds the vectors and GIN entries of a
# statement in one backend, so two halve the time where the server has two cores (the bench's machine).
INDEX_WORKERS = 2
# Links and markup are split into their words before parsing, as SQLite's unicode61 tokenizer splits them:
# PostgreSQL's parser keeps a URL whole (bbc.com/russian/… is one lexeme), so "russian" would not find it.
# Hyphens too: the parser reads «COVID-19» as «covid» and the number «-19» (a query's «covid-19» is «covid»
# and «19»), and gives a hyphenated word a position of its own before its parts (so «северо-западный округ»
# would not have «западный» next to «округ»).
_SPLIT = "/.:?=&_#+~|*[]()<>-"  # no %: the SQL carries parameters
_EXACT_SPLIT = _SPLIT
# PostgreSQL keeps at most 255 positions of a lexeme, and none past 16,383: a post that long could lose a
# phrase's position. Its ``words`` is this marker alone, and its phrases are read from its text (a regex).
CAPPED = "'§capped'"  # never a lexeme of the parser: § is not a word character
MAX_POSITIONS, MAX_POSITION = 255, 16_383


def _split(column: str, chars: str) -> str:
    """The SQL of ``column`` with ``chars`` as spaces, by one ``replace`` each: the same text as
    ``translate`` gives, at a quarter of its cost on Cyrillic text (``translate`` decodes every character;
    ``replace`` searches bytes), which made it a third of the indexing time."""
    for ch in chars:
        column = f"replace({column}, '{ch}', ' ')"
    return column


def tsvector_of(column: str) -> str:
    """The SQL of the stored stemmed ``tsvector`` (``tsv``) of a text column."""
    return f"to_tsvector('{CONFIG}', {_split(column, _SPLIT)})"


def words_of(column: str) -> str:
    """The SQL of the ``tsvector`` of a text column's words as written (``words``, before the marker of a
    capped post): lower case, ё as е (the query reads ё as е), stop words kept."""
    return _words_of_split(_split(column, _EXACT_SPLIT))


def _words_of_split(split: str) -> str:
    """:func:`words_of` of a text already split (the split and the folding of ё touch different characters:
    either order gives the same text)."""
    return f"to_tsvector('{EXACT}', replace(replace({split}, 'ё', 'е'), 'Ё', 'Е'))"


def index_values(column: str) -> str:
    """A ``LATERAL`` subquery giving ``tsv`` and ``words`` of a text column, as stored.

    Whether PostgreSQL may have cut a position list short is looked at lexeme by lexeme (``unnest``) only
    where the vector's size allows it: its positions take ``size - size(strip)`` bytes, 2 to 3 a lexeme
    plus 2 a position, so a lexeme 255 times needs ``508 + 4 × lexemes`` of them (and 16,383 positions,
    more still, unless there are over 16,000 lexemes)."""
    may_be_capped = (
        "(pg_column_size(w.v) - pg_column_size(strip(w.v)) >= "
        f"{2 * (MAX_POSITIONS - 1)} + 4 * length(w.v) OR length(w.v) > 16000)"
    )
    capped = (
        f"{may_be_capped} AND EXISTS (SELECT 1 FROM unnest(w.v) u WHERE "
        f"cardinality(u.positions) >= {MAX_POSITIONS} "
        f"OR u.positions[cardinality(u.positions)] >= {MAX_POSITION})"
    )
    # the column split once for both vectors (_EXACT_SPLIT is _SPLIT): each replace copies the text, and the
    # second split was ≈ 7 % of the vectors' server CPU
    return (
        f"(SELECT to_tsvector('{CONFIG}', x.t) AS tsv, CASE WHEN {capped} THEN {CAPPED}::tsvector "
        f"ELSE w.v END AS words FROM (SELECT {_split(column, _SPLIT)} AS t OFFSET 0) x "
        f"CROSS JOIN LATERAL (SELECT {_words_of_split('x.t')} AS v OFFSET 0) w)"
    )


TSVECTOR = tsvector_of("text")
HEADLINE_OPTIONS = 'StartSel="[", StopSel="]", MaxWords=24, MinWords=8, MaxFragments=1, FragmentDelimiter="…"'
HEADLINE = f"ts_headline('{CONFIG}', p.text, to_tsquery('{CONFIG}', %s), '{HEADLINE_OPTIONS}')"
# The ranking query's lexemes (``lex``; ``prefix``: a prefix) from its text (quotes and backslashes doubled).
OPERANDS = (
    "ops AS MATERIALIZED (SELECT replace(replace(m[1], '''''', ''''), '\\\\', '\\') AS lex, "
    f"m[2] IS NOT NULL AS prefix FROM regexp_matches(to_tsquery('{CONFIG}', %s)::text, "
    "'''((?:[^'']|'''')*)''(:\\*)?', 'g') m)"
)
# For the row ``ps`` of post_search: the positions of the stems the ranking query matches (its lexemes
# ``ops``), in order, and the query's lexeme each matched — what a snippet is made of (svodka.store.
# postgres.snippets), instead of ts_headline's parse of the whole text. The query's own lexemes are picked
# out by binary search (``setweight`` of those, then ``ts_filter``), its prefixes (if any) by a walk.
MATCHED = (
    "(SELECT array_agg(pos ORDER BY pos), array_agg(m.lex ORDER BY pos) FROM ("
    "SELECT u.lexeme AS lex, u.positions FROM unnest(ts_filter(setweight(ps.tsv, 'A', "
    "(SELECT array_agg(lex) FROM ops WHERE NOT prefix)), '{a}')) u "
    "UNION ALL SELECT o.lex, u.positions FROM unnest(ps.tsv) u "
    "JOIN ops o ON o.prefix AND starts_with(u.lexeme, o.lex) WHERE (SELECT bool_or(prefix) FROM ops)"
    ") m CROSS JOIN unnest(m.positions) pos)"
)
# Whether posts were stored after the last indexing: a search answers with it, and is asked again after
# indexing when it is true (one round trip in the common case, not a check and then the search).
# A post above the mark not indexed, among the newest STALE_WINDOW above it (the mark lags at most
# MARK_LAG when a writer lets it move): walked down the primary key, each looked up in post_search's (a
# scalar subquery, never pulled up into a join the planner could make a scan of post_search).
STALE_WINDOW = 10 * MARK_LAG
STALE = (
    "EXISTS (SELECT FROM (SELECT q.id FROM posts q WHERE q.id > (SELECT indexed_upto FROM fts_state) "
    f"ORDER BY q.id DESC LIMIT {STALE_WINDOW}) r "
    "WHERE (SELECT i.post_id FROM post_search i WHERE i.post_id = r.id) IS NULL)"
)


def index_pending(db: Database, on_progress: Callable[[int], None] | None = None) -> int:
    """Index (``post_search``) every post not yet indexed, in chunks of one transaction each; returns how
    many.

    A chunk is cut into :data:`INDEX_WORKERS` parts, each indexed by a connection of its own (its own
    transaction), while the chunk's transaction holds ``fts_state``: the server computes the vectors and
    their GIN entries in one backend per connection (inside a caller's write transaction, in that one
    alone: only it sees what the caller stored). Every post visible is indexed; the mark moves on only up
    to the id settled before the first chunk (:func:`_settled`), never inside a caller's transaction (its
    own posts are not settled for anyone else). A part already stored by a run that died before moving the
    mark is skipped. Afterwards the GIN index's pending list is merged, so that no search reads it
    entry by entry. A read-only store is searched as it is (what was indexed when it was last written)."""
    if db.readonly:
        return 0
    with db.read() as conn:  # the common case, before every search: nothing pending, no lock taken
        row = conn.execute(
            f"SELECT NOT {STALE} AND (SELECT indexed_upto FROM fts_state) >= "
            "(SELECT COALESCE(MAX(id), 0) FROM posts) - %s",
            (MARK_LAG,),
        ).fetchone()
    if row and row[0]:
        return 0
    done = 0
    # inside a write transaction of the caller, its connection alone sees the posts it has just stored
    workers = 1 if db.writing else INDEX_WORKERS
    settled = 0 if db.writing else _settled(db)
    after = 0  # how far this call has indexed: the mark may stay behind it
    with ThreadPoolExecutor(workers, thread_name_prefix="svodka-index") as pool:
        run = pool.map if workers > 1 else map
        while True:
            with db.write() as conn:
                # the row lock orders two processes indexing at once: the second sees the first's progress
                row = conn.execute("SELECT indexed_upto FROM fts_state FOR UPDATE").fetchone()
                upto = int(row[0]) if row else 0
                start = max(upto, after)
                top = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM posts").fetchone()[0])  # type: ignore[index]
                if start >= top:
                    break
                end = min(top, start + INDEX_CHUNK)
                step = -(-(end - start) // workers)
                parts = [(lo, min(end, lo + step)) for lo in range(start, end, step)]
                n = sum(run(lambda part: _index_part(db, *part), parts))
                if min(end, settled) > upto:
                    conn.execute("UPDATE fts_state SET indexed_upto = %s", (min(end, settled),))
            after = end
            done += n
            if on_progress and n:
                on_progress(n)
    if done:
        _merge_pending_lists(db)
        log.info("indexed %d posts for full-text search", done)
    return done


def _settled(db: Database) -> int:
    """The highest post id with no lower one still being written (as ``claims.settled_post_id``): a SHARE
    lock on posts waits for every transaction writing posts now (they hold ROW EXCLUSIVE from their
    INSERT or COPY, the moment their ids are drawn). A writer that holds it past the lock timeout leaves
    the mark where it is (0): what is visible is indexed all the same, and a later call moves the mark."""
    with db.write() as conn:
        try:
            with conn.transaction():
                conn.execute("LOCK TABLE posts IN SHARE MODE")
        except psycopg.errors.LockNotAvailable:
            log.info("posts are being written past the lock timeout: the search index's mark stays")
            return 0
        row = conn.execute("SELECT COALESCE(MAX(id), 0) FROM posts").fetchone()
    return int(row[0]) if row else 0


def _index_part(db: Database, after: int, upto: int) -> int:
    """Index the posts with ids in ``(after, upto]`` not indexed yet, in one transaction; how many were
    added (the vectors are computed only for those: each post is looked up in post_search's primary key
    before the lateral, by a scalar subquery, never a join the planner could make a scan of post_search).

    The lookup is kept an index probe whatever post_search's statistics say: planned while post_search was
    empty and vacuumed (the planner then trusts it to stay empty) it was a sequential scan per post, over a
    table this very statement fills — quadratic in the part's posts (415 against 105 µs of server CPU a post
    for 22,099 posts). Nothing else in the statement reads a table by a sequential scan."""
    with db.write() as conn:
        # SET LOCAL lasts to the end of the transaction, a caller's too (indexing inside its write): the
        # settings are put back as they were after the statement
        prior = conn.execute(
            "SELECT current_setting('work_mem'), current_setting('enable_seqscan')"
        ).fetchone()
        # GIN merges its pending list in work_mem-sized rounds while rows come in: fewer, larger ones
        conn.execute("SET LOCAL work_mem = '64MB'; SET LOCAL enable_seqscan = off")
        n = conn.execute(
            "INSERT INTO post_search (post_id, tsv, words) SELECT p.id, v.tsv, v.words FROM posts p "
            f"CROSS JOIN LATERAL {index_values('p.text')} v WHERE p.id > %s AND p.id <= %s "
            "AND (SELECT i.post_id FROM post_search i WHERE i.post_id = p.id) IS NULL "
            "ON CONFLICT (post_id) DO NOTHING",
            (after, upto),
        ).rowcount
        conn.execute("SELECT set_config('work_mem', %s, true), set_config('enable_seqscan', %s, true)", prior)
    return max(n, 0)


def _merge_pending_lists(db: Database) -> None:
    """Move the GIN index's pending list (GIN's fast update: new entries kept in a list, up to 4 MB,
    merged in bulk) into the indexes: every search scans what is left there, ≈ 0.5 ms a scan when full.
    Only the indexes' owner may; anyone else leaves it to autovacuum."""
    with db.write() as conn:
        try:
            with conn.transaction():
                conn.execute("SELECT gin_clean_pending_list('post_search_tsv')")
        except psycopg.errors.InsufficientPrivilege:
            log.debug("not the owner of the search indexes: their pending lists are left to autovacuum")


def _lexeme(word: str, prefix: bool = False) -> str:
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + ":*" if prefix else quoted


def _compile(node: Node) -> str:
    """The ``to_tsquery('russian')`` input of ``node``: a phrase as its stems side by side."""
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


@dataclass(frozen=True)
class Match:
    """What a search of posts needs for what a person typed: ``where``, the condition on ``post_search s``
    with its ``params``; ``rank``, the ``to_tsquery('russian')`` input that ranks and highlights."""

    where: str
    params: tuple[object, ...]
    rank: str


def post_match(text: str) -> Match:
    """The :class:`Match` of what a person typed; malformed input: QueryError (one line).

    Words are looked up in ``s.tsv`` (stems), phrases in ``s.words`` (the words as written, next to each
    other, as on SQLite) among the posts with their stems in ``s.tsv``: every part of the query goes
    through the stems' GIN index (``BitmapAnd`` / ``BitmapOr``), but a phrase of stop words alone."""
    node = parse_query(text)
    params: list[object] = []
    where = _condition(node, params)
    return Match(where, tuple(params), _compile(_loosen(node)))


def _condition(node: Node, params: list[object]) -> str:
    if not _has_phrase(node):
        params.append(_compile(node))
        return f"s.tsv @@ to_tsquery('{CONFIG}', %s)"
    if _only_phrases(node):
        return _exact_condition(node, params)
    if isinstance(node, Not):
        return f"NOT ({_condition(node.node, params)})"
    assert isinstance(node, And | Or)  # a Term or Phrase is one of the cases above
    kind, joiner = (And, " AND ") if isinstance(node, And) else (Or, " OR ")
    words = [n for n in node.nodes if not _has_phrase(n)]  # in one stemmed tsquery
    phrases = [n for n in node.nodes if _has_phrase(n) and _only_phrases(n)]  # in one exact tsquery
    mixed = [n for n in node.nodes if _has_phrase(n) and not _only_phrases(n)]
    groups = [g[0] if len(g) == 1 else kind(tuple(g)) for g in (words, phrases) if g]
    return "(" + joiner.join(_condition(n, params) for n in [*groups, *mixed]) + ")"


def _exact_condition(node: Node, params: list[object]) -> str:
    """``node`` (phrases only) on ``s.words``; a capped post by the regex of its text. The posts looked at
    are those :func:`_candidates` finds through the stems' index, where it can say (``words`` has none)."""
    found = _candidates(node)
    if found:
        params.extend(found[1])
    params.append(_exact(node))
    regex = _regex(node, params)
    exact = (
        f"(s.words @@ (to_tsquery('{EXACT}', %s) && !!{CAPPED}::tsquery) "
        f"OR s.words @@ {CAPPED}::tsquery AND {regex})"
    )
    return f"({found[0]} AND {exact})" if found else exact


def _candidates(node: Node) -> tuple[str, list[object]] | None:
    """A condition on ``s.tsv`` that every post matching ``node`` (phrases only) meets, and its parameters:
    a phrase's stems, all of them (``&``); an AND's phrases in one such query, an OR's branches each; none
    under a NOT (``None``: every post). A phrase of stop words only has no stems (``to_tsquery`` drops them,
    and an empty query matches nothing): ``numnode`` says so, and its condition is then true. The planner
    folds ``numnode`` of a constant, leaving the GIN scan of ``post_search_tsv``."""
    if isinstance(node, Not):
        return None
    if isinstance(node, Or):
        branches = [_candidates(n) for n in node.nodes]
        if any(b is None for b in branches):
            return None
        known = [b for b in branches if b is not None]
        return "(" + " OR ".join(b[0] for b in known) + ")", [p for b in known for p in b[1]]
    nodes = node.nodes if isinstance(node, And) else (node,)
    stems = " & ".join(_lexeme(w) for n in nodes if isinstance(n, Phrase) for w in n.words)
    parts: list[str] = []
    params: list[object] = []
    if stems:
        parts.append(f"(numnode(to_tsquery('{CONFIG}', %s)) = 0 OR s.tsv @@ to_tsquery('{CONFIG}', %s))")
        params += [stems, stems]
    for n in nodes:
        found = None if isinstance(n, Phrase) else _candidates(n)
        if found:
            parts.append(found[0])
            params += found[1]
    return (" AND ".join(parts), params) if parts else None


def _exact(node: Node) -> str:
    """The ``to_tsquery('simple')`` input of a tree of phrases: each word as written, ``<->`` between."""
    if isinstance(node, Phrase):
        return "(" + " <-> ".join(_lexeme(w) for w in node.words) + ")"
    if isinstance(node, Not):
        return f"!({_exact(node.node)})"
    assert isinstance(node, And | Or)
    joiner = " & " if isinstance(node, And) else " | "
    return "(" + joiner.join(_exact(n) for n in node.nodes) + ")"


def _regex(node: Node, params: list[object]) -> str:
    """A tree of phrases as regexes on the post's text (read only for a capped post)."""
    if isinstance(node, Phrase):
        words = (re.escape(w).replace("е", "[её]") for w in node.words)
        params.append(r"\m" + r"\W+".join(words) + r"\M")
        return "(SELECT t.text FROM posts t WHERE t.id = s.post_id) ~* %s"
    if isinstance(node, Not):
        return f"NOT ({_regex(node.node, params)})"
    assert isinstance(node, And | Or)
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(_regex(n, params) for n in node.nodes) + ")"


def _has_phrase(node: Node) -> bool:
    if isinstance(node, Phrase):
        return True
    if isinstance(node, Not):
        return _has_phrase(node.node)
    if isinstance(node, And | Or):
        return any(_has_phrase(n) for n in node.nodes)
    return False


def _only_phrases(node: Node) -> bool:
    if isinstance(node, Term):
        return False
    if isinstance(node, Not):
        return _only_phrases(node.node)
    if isinstance(node, And | Or):
        return all(_only_phrases(n) for n in node.nodes)
    return True


def _loosen(node: Node) -> Node:
    """``node`` without the phrases an AND forbids: what ranks the posts found (by their stems)."""
    if isinstance(node, And):
        kept = [_loosen(n) for n in node.nodes if not (isinstance(n, Not) and _has_phrase(n.node))]
        if not kept:
            return node
        return kept[0] if len(kept) == 1 else And(tuple(kept))
    if isinstance(node, Or):
        return Or(tuple(_loosen(n) for n in node.nodes))
    return node


def _page() -> str:
    """The page of a search's hits (parameters: their ids and scores in order, and ``rank``, the query whose
    words the snippets show) with each post (the columns of SELECT_POST), what its snippet needs
    (:data:`MATCHED`), its score and whether posts await indexing (:data:`STALE`). One text whatever the
    query: a prepared statement, planned once per connection (its plan, by primary keys, depends on no
    value; the hits' statement, whose best plan depends on the words and filters, is planned each time)."""
    joined = SELECT_POST.replace(
        " FROM posts p ",
        f", m.positions, m.lexemes, h.score, {STALE} FROM hits h JOIN posts p ON p.id = h.id "
        f"JOIN post_search ps ON ps.post_id = h.id CROSS JOIN LATERAL {MATCHED} m(positions, lexemes) ",
        1,
    )
    hits = "SELECT * FROM unnest(%s::bigint[], %s::real[]) WITH ORDINALITY h(id, score, ord)"
    return f"WITH hits AS MATERIALIZED ({hits}), {OPERANDS} {joined} ORDER BY h.ord"


PAGE = _page()


def page_rows(conn: psycopg.Connection, hits_sql: str, args: Sequence[object], rank: str) -> list[Any]:
    """The rows of a page (:data:`PAGE`) of the hits of ``hits_sql`` (:func:`ranked_sql` /
    :func:`recent_sql`, with ``args``), on one connection: two statements, the page's prepared (its
    planning was ≈ 0.9 ms of the server's CPU a search, more than the hits' own). No hits, no rows."""
    hits = conn.execute(hits_sql, args, prepare=False).fetchall()
    if not hits:
        return []
    ids, scores = [h[0] for h in hits], [h[1] for h in hits]
    return conn.execute(PAGE, (ids, scores, rank), prepare=True).fetchall()


def page_hits(db: Database, rows: Sequence[Sequence[Any]], rank: str) -> list[SearchHit]:
    """The hits of the rows of a page (:data:`PAGE`), each with its snippet (:func:`snippets.snippet`;
    ``ts_headline``'s for a post whose words its positions do not fit). ``rank``: the ranking query."""
    built = [snippet(r[5] or "", r[-4], r[-3]) for r in rows]
    missing = [r[0] for r, s in zip(rows, built, strict=True) if s is None]
    headlines: dict[int, str] = {}
    if missing:
        with db.read() as conn:
            sql = f"SELECT p.id, {HEADLINE} FROM posts p WHERE p.id = ANY(%s)"
            headlines = dict(conn.execute(sql, (rank, missing)).fetchall())
        log.debug("snippets of %d posts by ts_headline: their words and positions differ", len(missing))
    return [
        SearchHit(stored_post(r[:-4]), s or headlines.get(r[0]) or (r[5] or "")[:200], float(r[-2]))
        for r, s in zip(rows, built, strict=True)
    ]


def _found(filters: str, match: Match, columns: str) -> str:
    joined = " JOIN posts p ON p.id = s.post_id" if filters or "p." in columns else ""
    return f"SELECT {columns} FROM post_search s{joined} WHERE {match.where}{filters}"


def ranked_sql(filters: str, match: Match) -> str:
    """The best-ranked page of ``match``'s posts, ``(id, score)`` best first: parameters ``(rank,
    *match.params, *filter parameters, rank window, limit, offset)``; ``filters`` are conditions on
    ``posts p`` (or "").

    The newest ``rank window`` matches are ranked by ``ts_rank_cd`` on their stems, as SQLite ranks its
    newest matches."""
    found = _found(filters, match, "s.post_id, s.tsv") + " ORDER BY s.post_id DESC LIMIT %s"
    return (
        f"SELECT post_id AS id, ts_rank_cd(tsv, to_tsquery('{CONFIG}', %s)) AS score FROM ({found}) f "
        "ORDER BY score DESC, id DESC LIMIT %s OFFSET %s"
    )


def recent_sql(filters: str, match: Match) -> str:
    """The newest (by date) page of ``match``'s posts, ``(id, score, date)`` newest first: parameters
    ``(rank, *match.params, *filter parameters, limit, offset)``."""
    found = _found(
        filters,
        match,
        f"s.post_id AS id, ts_rank_cd(s.tsv, to_tsquery('{CONFIG}', %s)) AS score, p.date",
    )
    return f"{found} ORDER BY p.date DESC, s.post_id DESC LIMIT %s OFFSET %s"


def count_sql(filters: str, match: Match) -> str:
    """How many posts match: one row ``(count, stale)``; parameters ``(*match.params, *filter
    parameters)``."""
    return f"SELECT COUNT(*), {STALE} FROM ({_found(filters, match, 's.post_id')}) f"

"""Search snippets on PostgreSQL, built in Python from the positions the index already holds.

``ts_headline`` parses and stems a whole post for its snippet — for a page of long posts most of a
search's time. The stored stemmed vector (``post_search.tsv``) already says where each stem is: the search
statement returns, for each post of the page, the positions of the words that the ranking query matches
(``fulltext.MATCHED``), and :func:`snippet` finds those words in the text by counting its words — PostgreSQL
gives every word and number a position, in order, and the index's text (links, hyphens and underscores
split, see :mod:`svodka.store.postgres.fulltext`) has the same runs of letters and digits as the text.
The fragment is chosen as ``ts_headline`` chooses it (``MaxWords=24``, one fragment: the shortest span
with the most of the query's words, widened on both sides, never starting or ending on a number or a
one-letter word) and each matched word is wrapped in ``[ ]``, in any inflection.

Where the text and its positions disagree (a word the two read differently, a post edited while it was
indexed), :func:`snippet` says so (``None``) and that post's snippet is ``ts_headline``'s after all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import islice

MAX_WORDS = 24  # as fulltext.HEADLINE_OPTIONS' MaxWords
SHORT_WORD = 3  # ts_headline's ShortWord: a fragment does not start or end on a word of so few bytes
MAX_POSITION = 16_383  # PostgreSQL's last position: words past it all share it

# A word as PostgreSQL's parser counts it in the index's text: a run of letters and digits.
_WORD = re.compile(r"[^\W_]+")


def _folded(word: str) -> str:
    return word.lower().replace("ё", "е")


def _bad_end(word: str) -> bool:
    """Whether a fragment may not start or end on ``word`` (ts_headline's BADENDPOINT): a number, or a word
    of at most :data:`SHORT_WORD` bytes."""
    return word.isdigit() or len(word.encode()) <= SHORT_WORD


def snippet(text: str, positions: Sequence[int] | None, lexemes: Sequence[str] | None) -> str | None:
    """The snippet of ``text`` with the words at ``positions`` (1-based, as the index counts words; each the
    query's lexeme in ``lexemes`` at the same place) wrapped in ``[ ]``; ``None`` where the text's words
    are not those positions' (the caller asks ``ts_headline``). Without positions: its first words."""
    found: dict[int, str] = {}
    for pos, lex in zip(positions or (), lexemes or (), strict=True):
        if pos < MAX_POSITION:
            found.setdefault(pos - 1, lex)
    if not found:
        spans = [m.span() for m in islice(_WORD.finditer(text), MAX_WORDS)]
        return text[: spans[-1][1]] if spans else text[:200]
    at = sorted(found)
    start, end = _cover(at, found)
    # The spans of the text's words the fragment can reach (not past its widest end: a long post's last
    # match is far; the words before its widest start are counted, not kept)
    skip = max(0, start - MAX_WORDS)
    words = [(0, 0)] * skip + [m.span() for m in islice(_WORD.finditer(text), skip, end + MAX_WORDS + 1)]
    if end >= len(words):
        return None
    start, end = _stretch(text, words, start, end)
    at = [i for i in at if start <= i <= end]
    for i in at:
        lex = found[i]
        if not _folded(text[words[i][0] : words[i][1]]).startswith(lex[: min(3, len(lex))]):
            return None
    out: list[str] = []
    last = words[start][0]
    for i in at:
        a, b = words[i]
        out += (text[last:a], "[", text[a:b], "]")
        last = b
    out.append(text[last : words[end][1]])
    return "".join(out)


def _cover(at: list[int], found: dict[int, str]) -> tuple[int, int]:
    """The words of the fragment's core: of the spans under :data:`MAX_WORDS` words, the one with the most
    of the query's lexemes, the shortest of those, the first of those (``ts_headline``'s choice of cover)."""
    best: tuple[int, int, int, int] | None = None  # (-lexemes, words, start, end)
    for a, first in enumerate(at):
        seen: set[str] = set()
        end = first
        for i in at[a:]:
            if i - first >= MAX_WORDS:
                break
            if found[i] not in seen:
                seen.add(found[i])
                end = i
        key = (-len(seen), end - first, first, end)
        if best is None or key < best:
            best = key
    assert best is not None
    return best[2], best[3]


def _stretch(text: str, words: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """The core ``start..end`` widened to :data:`MAX_WORDS` words as ``ts_headline`` widens it: half of what
    is left before it, the rest after, neither end on a number or a short word."""
    length = end - start + 1
    if length >= MAX_WORDS:
        return start, end
    first = max(0, start - (MAX_WORDS - length) // 2)
    while first < start and _bad_end(text[words[first][0] : words[first][1]]):
        first += 1
    length += start - first
    last = min(len(words) - 1, end + MAX_WORDS - length)
    while last > end and _bad_end(text[words[last][0] : words[last][1]]):
        last -= 1
    return first, last

"""Cheap lexical features of a post for story clustering: content-word stems and links.

Stems come from Snowball (Russian/English by script; Ukrainian words fall back to a 6-letter prefix), so
"выборах" and "выборы" meet. Numbers of 3+ digits count as words ("107 задержанных").

Names are not a separate feature. Capitalised words inside sentences were one (weight 0.2) until measured:
over the 72,010 news-post pairs of stories_dev their overlap separates same-story pairs with average
precision 0.27 (e5 cosine 0.755, lexical 0.646), names from natasha's NER with 0.155, and dropping the term
raised story B-cubed F1 on both halves of the day (benchmarks/bench_story_signals.py). A name that matters
is a content word here already: "Тбилиси" weighs by its IDF like any other stem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from svodka.stemming import snowball
from svodka.stopwords import RUSSIAN_FUNCTION_WORDS

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
# News-reporting words and English function words, on top of the Russian function words.
_STOP_WORDS = """
также это заявил заявила сообщил сообщила сообщает сообщают говорится ранее однако который которые
которая которых которым также сегодня году года время словам слова рассказал the a an of to in and or
for on at by with from as is are was were be been this that it its has have had will would said says new
also about after over into than more
"""
_STOP = RUSSIAN_FUNCTION_WORDS | frozenset(_STOP_WORDS.split())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    w = word.lower().replace("ё", "е")
    if re.search(r"[a-z]", w):
        s = snowball("en").stemWord(w)
    elif re.search(r"[іїєґў]", w):
        s = w[:6]
    else:
        s = snowball("ru").stemWord(w)
    return s if len(s) >= 3 else w


@dataclass(frozen=True, slots=True)
class Features:
    words: frozenset[str]  # content-word stems and numbers of 3+ digits
    links: frozenset[str]  # normalised link targets (host + path)


def extract(text: str, links: tuple[str, ...] = ()) -> Features:
    """Features of normalised text (its first 1,500 characters: the lead is where the event is named)."""
    words: set[str] = set()
    for m in _WORD.finditer(text[:1500]):
        tok = m.group(0)
        if tok.isdigit():
            if len(tok) >= 3:
                words.add(tok)
        elif len(tok) >= 3 and tok.lower() not in _STOP:
            words.add(stem(tok))
    return Features(frozenset(words), frozenset(_link_key(u) for u in links if u))


def _link_key(url: str) -> str:
    u = re.sub(r"^https?://(www\.)?", "", url.strip().lower()).rstrip("/")
    return u.split("?", 1)[0]

"""Cheap lexical features of a post for story clustering: content-word stems, names, numbers, links.

Stems come from Snowball (Russian/English by script; Ukrainian words fall back to a 6-letter prefix), so
"выборах" and "выборы" meet. Names are capitalised words not opening a sentence, and Latin-script words in
Cyrillic text — a cheap stand-in for NER that costs microseconds per post (natasha's NER runs at tens of
posts per second on 2 cores; see benchmarks/bench_pipeline.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from svodka.stopwords import RUSSIAN_FUNCTION_WORDS

_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|[.!?…]\s", re.UNICODE)
_STEMMERS = {"ru": snowballstemmer.stemmer("russian"), "en": snowballstemmer.stemmer("english")}
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
        s = _STEMMERS["en"].stemWord(w)
    elif re.search(r"[іїєґў]", w):
        s = w[:6]
    else:
        s = _STEMMERS["ru"].stemWord(w)
    return s if len(s) >= 3 else w


@dataclass(frozen=True, slots=True)
class Features:
    words: frozenset[str]  # content-word stems
    names: frozenset[str]  # stems of capitalised words inside sentences, numbers of 3+ digits
    links: frozenset[str]  # normalised link targets (host + path)


def extract(text: str, links: tuple[str, ...] = ()) -> Features:
    """Features of normalised text (the lead weighs as much as the rest: it is where the event is named)."""
    words: set[str] = set()
    names: set[str] = set()
    sentence_start = True
    for m in _TOKEN.finditer(text[:1500]):
        tok = m.group(0)
        if tok[0] in ".!?…":
            sentence_start = True
            continue
        low = tok.lower()
        if tok.isdigit():
            if len(tok) >= 3:
                names.add(tok)
            sentence_start = False
            continue
        if low in _STOP or len(low) < 3:
            sentence_start = False
            continue
        s = stem(tok)
        words.add(s)
        if (tok[0].isupper() and not sentence_start) or (tok.isupper() and len(tok) >= 2):
            names.add(s)
        sentence_start = False
    return Features(frozenset(words), frozenset(names), frozenset(_link_key(u) for u in links if u))


def _link_key(url: str) -> str:
    u = re.sub(r"^https?://(www\.)?", "", url.strip().lower()).rstrip("/")
    return u.split("?", 1)[0]

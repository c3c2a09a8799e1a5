"""Quoted phrases on real posts, on both backends, against a reference: a phrase is found in exactly the posts
whose words (runs of letters and digits, lower case, ё as е) hold it side by side — PostgreSQL from the
positions of its ``words`` vector (migration 0028), SQLite from FTS5's — and a phrase whose words a post holds
apart, never side by side, does not find it (what a faster phrase index, e.g. word-pair keys, must keep)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from conftest import open_test_store, shared
from svodka.model import ChannelRef, Post
from svodka.store import Store

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
NEWS = ChannelRef(handle="newsroom")
POSTS = 1500
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-я]+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("ё", "е"))


def _holds(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


@pytest.fixture(scope="module")
def texts() -> list[str]:
    lines = shared("tg_ru_news_2024", "posts.jsonl").read_text(encoding="utf-8").splitlines()[:POSTS]
    # an emoji out of the BMP glued to a word (🤑В Москве) is part of that word to FTS5, a separator here
    return [_ASTRAL.sub(" ", json.loads(line)["text"] or "") for line in lines]


@pytest.fixture(scope="module")
def real(backend: str, texts: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_test_store(backend, tmp_path_factory.mktemp("pairs"))
    store.posts.save([Post(NEWS, i + 1, T0 + timedelta(minutes=i), t) for i, t in enumerate(texts)])
    yield store
    store.close()


def _phrases(texts: list[str]) -> tuple[list[list[str]], list[tuple[int, list[str]]]]:
    """Phrases of 1 to 4 words taken from the posts (all Cyrillic: FTS5 folds Latin diacritics, the reference
    does not), and ``(post, words)`` of two words one post holds apart, never side by side."""
    side_by_side: list[list[str]] = [["в", "москве"], ["на", "украине"], ["курс", "рубля"], ["москве"]]
    apart: list[tuple[int, list[str]]] = []
    for m, text in enumerate(texts, 1):
        words = _words(text)
        if m % 97 == 0 and len(words) > 12:
            for start, n in ((2, 2), (5, 3), (8, 4)):
                phrase = words[start : start + n]
                if all(_CYRILLIC.fullmatch(w) for w in phrase):
                    side_by_side.append(phrase)
        if m % 61 == 0 and len(apart) < 12:
            for i in range(len(words) - 2):
                pair = [words[i], words[i + 2]]
                if all(_CYRILLIC.fullmatch(w) for w in pair) and not _holds(words, pair):
                    apart.append((m, pair))
                    break
    return side_by_side, apart


def _found(store: Store, words: list[str]) -> set[int]:
    return {h.post.message_id for h in store.posts.search('"' + " ".join(words) + '"', limit=2000)}


def test_a_phrase_finds_the_posts_holding_its_words_side_by_side(real: Store, texts: list[str]) -> None:
    side_by_side, apart = _phrases(texts)
    assert len(side_by_side) > 20 and len(apart) > 8
    words_of = {m: _words(t) for m, t in enumerate(texts, 1)}
    for phrase in side_by_side + [p for _, p in apart]:
        expected = {m for m, words in words_of.items() if _holds(words, phrase)}
        assert _found(real, phrase) == expected, phrase
        assert real.posts.count_matches('"' + " ".join(phrase) + '"') == len(expected), phrase
    for m, pair in apart:
        assert set(pair) <= set(words_of[m]) and m not in _found(real, pair), (m, pair)
    assert _found(real, ["в", "москве"]) and _found(real, ["москве"]) > _found(real, ["в", "москве"])

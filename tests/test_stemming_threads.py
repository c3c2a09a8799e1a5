"""Stemming from many threads at once gives each word the stem it gets alone (svodka.stemming).

A Snowball stemmer keeps its word in itself; the web app stems in its request threads (search, the story
page's summary, watchlists). Shared stemmers there gave other words' stems or raised IndexError.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from svodka.monitor import words as watch_words
from svodka.pipeline import features, summarize
from svodka.stemming import snowball
from svodka.store.sqlite import fulltext

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "tg_ru_news_2024-12-02.jsonl"


def _words() -> list[str]:
    found: list[str] = []
    with SAMPLE.open(encoding="utf-8") as lines:
        for line in lines:
            text = json.loads(line).get("text") or ""
            found.extend(w.lower().replace("ё", "е") for w in re.findall(r"[а-яА-ЯёЁa-zA-Z]{4,}", text))
    assert len(found) > 20_000  # the bundled day's posts
    return found


@pytest.fixture
def fast_switching() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns every few bytecodes, as under a loaded server
    yield
    sys.setswitchinterval(before)


def _in_threads(stem: Callable[[str], str], words: list[str], threads: int = 6) -> list[dict[str, str]]:
    results: list[dict[str, str]] = [{} for _ in range(threads)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for word in words[k::2] + words:
                results[k][word] = stem(word)
        except BaseException as error:  # an IndexError inside the stemmer is the defect
            errors.append(error)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, f"{len(errors)} threads failed: {errors[0]!r}"
    return results


STEMMERS: dict[str, Callable[[str], str]] = {
    # the memoised stems are read through their cache; the functions underneath stem every call
    "features": features.stem.__wrapped__,  # type: ignore[attr-defined]
    "summarize": summarize._stem.__wrapped__,  # type: ignore[attr-defined]
    "fulltext": fulltext._stem,
    "watchlists": watch_words.stem,
}


@pytest.mark.parametrize("name", sorted(STEMMERS))
def test_every_thread_gets_the_stem_a_word_gets_alone(name: str, fast_switching: None) -> None:
    stem = STEMMERS[name]
    words = sorted(set(_words()))
    alone = {w: stem(w) for w in words}
    for got in _in_threads(stem, words):
        wrong = {w: s for w, s in got.items() if s != alone[w]}
        assert not wrong, f"{len(wrong)} words stemmed wrongly, e.g. {next(iter(wrong.items()))}"


def test_each_thread_has_its_own_stemmer() -> None:
    kept: list[object] = [snowball("ru")]

    def note() -> None:
        kept.append(snowball("ru"))

    workers = [threading.Thread(target=note) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len({id(s) for s in kept}) == 4  # kept alive here, so no id is reused
    assert snowball("ru") is snowball("ru")  # one per thread, reused
    assert snowball("en") is not snowball("ru")
    assert snowball("ru").stemWord("выборах") == "выбор"
    assert snowball("en").stemWord("elections") == "elect"

"""Search snippets: the words found, in any inflection, highlighted in a short fragment around them — also in
a long post whose match is far from its start — on both backends. On PostgreSQL the snippet is built from the
index's positions (svodka.store.postgres.snippets), ts_headline's only where those do not fit the text."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from conftest import shared
from svodka.model import ChannelRef, Post
from svodka.store import Store, open_store
from svodka.store.postgres.fulltext import CONFIG, post_match
from svodka.store.postgres.snippets import MAX_WORDS, snippet

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
NEWS = ChannelRef(handle="newsroom")
FILLER = " ".join(f"слово{i} и текст" for i in range(1500))  # 4,500 words before the match
LONG = f"{FILLER} Итоги выборах в парламент объявят завтра. " + " ".join(f"конец{i}" for i in range(3000))
QUERIES = ["выборы", "курс рубля", '"в москве"', "украин* -россия", "трамп OR байден", "погода москва"]
_MARKED = re.compile(r"\[([^\[\]]+)\]")


def test_a_long_post_is_shown_around_its_match_far_from_the_start(store: Store) -> None:
    store.posts.save([Post(NEWS, 1, T0, LONG), Post(NEWS, 2, T0 + timedelta(hours=1), "Выборы прошли")])
    hits = {h.post.message_id: h.snippet for h in store.posts.search("выборы")}
    far = hits[1]
    assert "[выборах]" in far and "слово0 " not in far
    assert len(re.findall(r"\w+", far)) <= MAX_WORDS + 2 and len(far) < 300
    assert hits[2].startswith("[Выборы]")
    phrase = store.posts.search('"выборах в парламент"')[
        0
    ].snippet  # SQLite marks it whole, PostgreSQL its words
    assert "[выборах" in phrase and "парламент]" in phrase and "слово0 " not in phrase


def test_a_snippet_marks_the_words_at_the_positions_of_the_index() -> None:
    text = "Курс рубля к доллару вырос: 5 — курс упал? Нет, курс рубля держится."
    got = snippet(text, [1, 2, 7, 10, 11], ["курс", "рубл", "курс", "курс", "рубл"])
    # the fragment is the shortest span with every word of the query, widened to MAX_WORDS words
    assert got == "[Курс] [рубля] к доллару вырос: 5 — [курс] упал? Нет, [курс] [рубля] держится"
    # never starting on a number or a one-letter word
    assert snippet("в 2024 выборы", [3], ["выбор"]) == "[выборы]"
    # no positions (a phrase of stop words): the start of the post
    assert snippet("В и на", None, None) == "В и на"
    words = " ".join(f"w{i}" for i in range(60))
    assert snippet(words, None, None) == " ".join(f"w{i}" for i in range(MAX_WORDS))


def test_positions_that_do_not_fit_the_text_are_said_so() -> None:
    assert snippet("Курс рубля", [5], ["курс"]) is None  # past the text's words
    assert snippet("Курс рубля", [2], ["курс"]) is None  # another word there
    assert snippet("Ёлка в Москве", [1], ["елк"]) == "[Ёлка] в Москве"  # ё read as е


@pytest.mark.backends("postgresql", reason="the index's positions and ts_headline are PostgreSQL's")
def test_a_post_whose_index_does_not_fit_its_text_gets_ts_headlines_snippet(store_url: str) -> None:
    with open_store(store_url) as store:
        store.posts.save([Post(NEWS, 1, T0, "Итоги: на выборах победил кандидат")])
        assert store.posts.search("выборы")[0].snippet == "Итоги: на [выборах] победил кандидат"
        with psycopg.connect(store_url, autocommit=True) as conn:  # the words at other positions
            conn.execute(f"UPDATE post_search SET tsv = to_tsvector('{CONFIG}', 'выборы')")
        assert store.posts.search("выборы")[0].snippet == "Итоги: на [выборах] победил кандидат"


@pytest.mark.backends("postgresql", reason="compares with PostgreSQL's ts_headline")
def test_snippets_mark_the_words_ts_headline_marks_on_real_posts(store_url: str) -> None:
    """On 3,000 real posts and the benchmark's queries, every word a snippet marks is one that ts_headline
    marks in the whole post (HighlightAll), and every snippet marks one at least."""
    lines = shared("tg_ru_news_2024", "posts.jsonl").read_text(encoding="utf-8").splitlines()[:3000]
    posts = [
        Post(NEWS, i + 1, T0 + timedelta(minutes=i), json.loads(line)["text"] or "")
        for i, line in enumerate(lines)
    ]
    checked = 0
    with open_store(store_url) as store, psycopg.connect(store_url, autocommit=True) as conn:
        store.posts.save(posts)
        for query in QUERIES:
            rank = post_match(query).rank
            for hit in store.posts.search(query, limit=50):
                marked = conn.execute(
                    f"SELECT ts_headline('{CONFIG}', text, to_tsquery('{CONFIG}', %s), "
                    "'StartSel=[, StopSel=], HighlightAll=true') FROM posts WHERE id = %s",
                    (rank, hit.post.id),
                ).fetchone()[0]  # type: ignore[index]
                ours = [w.lower() for w in _MARKED.findall(hit.snippet)]
                assert ours, (query, hit.snippet)
                assert set(ours) <= {w.lower() for w in _MARKED.findall(marked)}, (query, hit.snippet)
                checked += 1
    assert checked > 100

"""The search index's two vectors from one split of each post's text: the stems (``tsv``) and the words as
written (``words``) are read from the same split text (``fulltext.index_values``), and on real posts they are
the vectors each gets from its own split by ``translate`` — the definition the index had before — byte for
byte, with the marker of a capped post exactly where a lexeme's positions were cut."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from conftest import shared
from svodka.model import ChannelRef, Post
from svodka.store import Store
from svodka.store.postgres import fulltext

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
NEWS = ChannelRef(handle="newsroom")
SPACES = " " * len(fulltext._SPLIT)
# each vector from its own split, as translate splits (ё folded for the words), and a post's words the marker
# where a lexeme's positions were cut: the index's definition before one split served both
REFERENCE = (
    f"SELECT p.id, to_tsvector('russian', translate(p.text, '{fulltext._SPLIT}', '{SPACES}'))::text, "
    "CASE WHEN EXISTS (SELECT FROM unnest(x.w) u WHERE "
    f"cardinality(u.positions) >= {fulltext.MAX_POSITIONS} "
    f"OR u.positions[cardinality(u.positions)] >= {fulltext.MAX_POSITION}) "
    f"THEN {fulltext.CAPPED}::tsvector::text ELSE x.w::text END FROM posts p CROSS JOIN LATERAL "
    f"(SELECT to_tsvector('simple', translate(p.text, 'ёЁ{fulltext._SPLIT}', 'еЕ{SPACES}')) AS w) x"
)


def test_the_text_is_split_once_for_both_vectors() -> None:
    sql = fulltext.index_values("p.text")
    # one replace per split character, two more to fold ё (each vector's own split would be twice that)
    assert sql.count("replace(") == len(fulltext._SPLIT) + 2
    assert sql.count("to_tsvector(") == 2 and sql.count("p.text") == 1


def test_both_vectors_equal_their_own_splits_on_real_posts(store: Store) -> None:
    lines = shared("tg_ru_news_2024", "posts.jsonl").read_text(encoding="utf-8").splitlines()[:3000]
    texts = [json.loads(line)["text"] or "" for line in lines]
    # and a post long enough to be capped (a lexeme 300 times: PostgreSQL keeps 255 of its positions)
    texts.append("Москва " * 300)
    store.posts.save([Post(NEWS, i + 1, T0 + timedelta(minutes=i), t) for i, t in enumerate(texts)])
    assert store.posts.index_pending() == len(texts)
    with store.db.read() as conn:  # type: ignore[attr-defined]
        stored = {
            r[0]: (r[1], r[2])
            for r in conn.execute("SELECT post_id, tsv::text, words::text FROM post_search").fetchall()
        }
        expected = {r[0]: (r[1], r[2]) for r in conn.execute(REFERENCE).fetchall()}
    assert len(stored) == len(texts) and stored == expected
    assert sum(words == "'§capped'" for _, words in stored.values()) >= 1

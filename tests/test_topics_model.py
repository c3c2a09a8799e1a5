"""The story topic model (svodka.pipeline.topic_model): the shipped file, the arithmetic of its linear model
against a small hand-made one, and the lexicon's place beside it (its "other", and alone without a model)."""

from __future__ import annotations

import math

import pytest

from svodka.pipeline import story_topics
from svodka.pipeline.story_topics import TOPICS, classify_texts, lemmas, lexicon_guess
from svodka.pipeline.topic_model import (
    SHARE_SCALE,
    ModelDoc,
    load_model,
    model_from_json,
    probabilities,
    term_counts,
    tfidf,
)


def test_the_shipped_model_is_whole() -> None:
    model = load_model()
    assert model is not None
    # every topic but "other", which only the lexicon says (where no topic word is found)
    assert set(model.topics) == set(TOPICS) - {"other"}
    assert len(model.bias) == len(model.topics)
    assert len(model.shares) == len(TOPICS)
    assert all(len(w) == len(model.topics) for w in model.shares)
    assert len(model.terms) > 1000 and all(len(w) == len(model.topics) for w in model.terms.values())
    assert set(model.terms) <= set(model.idf)
    assert {"война", "рубль"} <= set(model.terms)  # lemmas, as story_topics.lemmas reads them


def test_tfidf_counts_each_post_by_its_weight_and_normalises() -> None:
    counts = term_counts([(["удар", "дрон", "удар"], 1.0), (["удар"], 0.25)])
    assert counts == {"удар": 2.25, "дрон": 1.0}
    row = tfidf({**counts, "неведомо": 3.0}, {"удар": 1.0, "дрон": 2.0})  # a term without idf is left out
    assert set(row) == {"удар", "дрон"}
    a, b = math.log1p(2.25), 2 * math.log1p(1.0)
    assert row["удар"] == pytest.approx(a / math.hypot(a, b)) and row["дрон"] == pytest.approx(
        b / math.hypot(a, b)
    )


def test_probabilities_of_a_small_model() -> None:
    doc: ModelDoc = {
        "about": "",
        "topics": ["economy", "sport"],
        "idf": {"гол": 1.0, "ставка": 1.0},
        "terms": {"гол": [-1.0, 2.0], "ставка": [1.5, -0.5]},
        "shares": [[0.0, 0.0] for _ in TOPICS],
        "bias": [0.1, -0.1],
    }
    doc["shares"][TOPICS.index("economy")] = [1.0, 0.0]
    model = model_from_json(doc)
    shares = [0.0] * len(TOPICS)
    shares[TOPICS.index("economy")] = 0.5
    p = probabilities(model, {"гол": 0.6, "ставка": 0.8}, shares)
    z_economy = 0.1 - 0.6 + 1.2 + SHARE_SCALE * 0.5
    z_sport = -0.1 + 1.2 - 0.4
    assert p["economy"] == pytest.approx(1 / (1 + math.exp(z_sport - z_economy)))
    assert sum(p.values()) == pytest.approx(1.0)
    assert probabilities(model, {"неведомо": 1.0}, [0.0] * len(TOPICS))["economy"] == pytest.approx(
        1 / (1 + math.exp(-0.2))
    )  # a word the model does not know moves nothing


def test_the_model_makes_no_topic_where_the_lexicon_finds_none() -> None:
    # weak words only (roubles): the lexicon says "other", and so does the topic with the model
    text = "В Люберцах продают картофелину за 250 тысяч рублей."
    assert lexicon_guess([(text, 1.0)]).topic == "other"
    assert classify_texts([text], headline=text).topic == "other"


def test_without_a_model_the_lexicon_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    war = "ВСУ атаковали беспилотниками Белгородскую область, ПВО сбила 11 дронов."
    money = "ЦБ сохранил ключевую ставку, инфляция замедлилась."
    with_model = classify_texts([war, money], headline=money)
    assert with_model.lexicon  # the model decided, the lexicon's shares kept beside its probabilities
    monkeypatch.setattr(story_topics, "load_model", lambda: None)
    alone = classify_texts([war, money], headline=money)
    assert alone == lexicon_guess([(war, 1.0), (money, 1.0), (money, 1.0)])
    assert not alone.lexicon and alone.topic == "economy"


def test_lemmas_are_what_the_lexicon_reads() -> None:
    # channel plugs out, ё as е, each word's lemma
    assert lemmas("Ракеты упали. [Подписаться](https://t.me/+abc) @channel Ёлки") == [
        "ракета",
        "упасть",
        "елка",
    ]

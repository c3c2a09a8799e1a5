""" "other" as the topic model's own class (svodka.pipeline.story_topics.classify_weighted): a model trained
with it decides "other" itself, where the lexicon finds topic words too, and a topic where the lexicon finds
none; a model without it leaves "other" to the lexicon's gate; a story of no word either knows is "other"."""

from __future__ import annotations

import pytest

from svodka.pipeline import story_topics
from svodka.pipeline.story_topics import TOPICS, classify_texts, lexicon_guess
from svodka.pipeline.topic_model import ModelDoc, TopicModel, model_from_json

MEME = "Хоккеисты «Спартака» после матча КХЛ сняли мем с маскотом клуба."  # sport words, a desk's "other"
POTATO = "В Люберцах продают картофелину за 250 тысяч рублей."  # weak words only: the lexicon's "other"


def toy(topics: list[str]) -> TopicModel:
    """A hand-made model: «мем» points at "other" (where it is a class), «картофелина» at economy."""
    doc: ModelDoc = {
        "about": "",
        "topics": topics,
        "idf": {"мем": 1.0, "картофелина": 1.0, "хоккеист": 1.0},
        "terms": {
            "мем": [4.0 if t == "other" else 0.0 for t in topics],
            "картофелина": [2.0 if t == "economy" else 0.0 for t in topics],
            "хоккеист": [1.0 if t == "sport" else 0.0 for t in topics],
        },
        "shares": [[0.0] * len(topics) for _ in TOPICS],
        "bias": [0.0] * len(topics),
    }
    return model_from_json(doc)


def test_a_model_with_other_decides_it_where_the_lexicon_finds_a_topic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert lexicon_guess([(MEME, 1.0)]).topic == "sport"
    monkeypatch.setattr(story_topics, "load_model", lambda: toy(["economy", "sport", "other"]))
    guess = classify_texts([MEME])
    assert guess.topic == "other" and guess.words == ()
    assert not guess.settled(0.0)


def test_a_model_with_other_finds_a_topic_the_lexicon_gate_would_drop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert lexicon_guess([(POTATO, 1.0)]).topic == "other"
    monkeypatch.setattr(story_topics, "load_model", lambda: toy(["economy", "sport", "other"]))
    assert classify_texts([POTATO]).topic == "economy"  # the fifth pass's gate said "other" here


def test_a_model_without_other_keeps_the_lexicons_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(story_topics, "load_model", lambda: toy(["economy", "sport"]))
    assert classify_texts([POTATO]).topic == "other"
    assert classify_texts([MEME]).topic == "sport"


def test_no_word_either_knows_is_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(story_topics, "load_model", lambda: toy(["economy", "sport", "other"]))
    for texts in (["Смотрите видео 👇"], [""], ["https://t.me/+abc"]):
        assert classify_texts(texts).topic == "other"

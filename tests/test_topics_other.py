""" "other" as the topic model's own class (svodka.pipeline.story_topics.classify_weighted): a model trained
with it decides "other" itself, where the lexicon finds topic words too, and a topic where the lexicon finds
none; a model without it leaves "other" to the lexicon's gate unless it is sure (its gate_override); a story
of no word either knows is "other"."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from svodka.pipeline import story_topics, topic_model
from svodka.pipeline.story_topics import TOPICS, classify_texts, classify_weighted, lexicon_guess
from svodka.pipeline.topic_model import (
    MODEL_FILE,
    ModelDoc,
    StoryVector,
    TopicHead,
    TopicModel,
    load_model,
    model_from_json,
)

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


def test_a_sure_model_overrides_the_lexicons_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model without "other" whose topic, with the story's head, is at least its ``gate_override`` sure
    decides where the lexicon finds no topic word (p(economy) = e² / (e² + 1) ≈ 0.88 for the potato, the toy
    head saying nothing); below it, or without a head (the words alone), the gate holds."""
    assert lexicon_guess([(POTATO, 1.0)]).topic == "other"
    head = TopicHead("toy", ("economy", "sport"), np.zeros((2, 4), np.float32), np.zeros(2, np.float32), 1.0)
    monkeypatch.setattr(topic_model, "load_heads", lambda: {"toy": head})
    vector = StoryVector("toy", np.full(4, 0.5, np.float32))
    sure = replace(toy(["economy", "sport"]), gate_override=0.8)
    monkeypatch.setattr(story_topics, "load_model", lambda: sure)
    guess = classify_weighted([(POTATO, 1.0)], vector=vector)
    assert guess.topic == "economy" and round(guess.score, 2) == 0.88
    assert classify_texts([POTATO]).topic == "other"  # no head: the gate holds
    assert classify_weighted([(POTATO, 1.0)], vector=StoryVector("another", vector.vector)).topic == "other"
    unsure = replace(sure, gate_override=0.95)
    monkeypatch.setattr(story_topics, "load_model", lambda: unsure)
    assert classify_weighted([(POTATO, 1.0)], vector=vector).topic == "other"
    for text in ("Смотрите видео 👇", ""):  # no word either knows: "other", however sure the model
        assert classify_weighted([(text, 1.0)], vector=vector).topic == "other"


def test_the_gate_override_ships_and_reads_back() -> None:
    doc: ModelDoc = {**json.loads(MODEL_FILE.read_text(encoding="utf-8"))}
    assert 0.5 <= doc["gate_override"] < 1.0  # benchmarks/train_topics.py: GATE_OVERRIDE
    model = load_model()
    assert model is not None and model.gate_override == doc["gate_override"]
    del doc["gate_override"]  # a model file of the sixth pass: the gate always holds
    assert model_from_json(doc).gate_override == math.inf

"""The no-e5 path's topic head (svodka.pipeline.topic_model.word_vector, WORD_VECTORS): a story without a
vector of an embedder that has a head (USE, a user's model, none cached) is read by a head over its
words' navec vector (SIF-weighted mean, natasha's navec ships in its wheel) beside the words' model; a
story with an e5 vector keeps the e5 head alone. Leave one day out over the eight training days, without e5
vectors: 0.758 → 0.796 (benchmarks/train_topics.py --check); held-out 2024-11-20 0.667 → 0.762
(bench_topics.py --held-out). The lexicon's gate always holds there: the potato stays "other"."""

from __future__ import annotations

import numpy as np
import pytest

from svodka.digest.fold import MODEL_KEYS
from svodka.pipeline import story_topics
from svodka.pipeline.story_topics import TOPICS, classify_texts, classify_weighted, word_forms, words_vector
from svodka.pipeline.topic_model import (
    WORD_VECTORS,
    StoryVector,
    combined,
    head_for,
    head_probabilities,
    load_heads,
    load_model,
    probabilities,
    term_counts,
    tfidf,
    word_vector,
)

E5 = MODEL_KEYS["e5"]
DRONES = (
    "ВСУ атаковали беспилотниками Брянскую область, ПВО сбила 12 дронов над регионом, повреждена подстанция."
)


def test_the_word_head_ships_beside_the_e5_head() -> None:
    heads, model = load_heads(), load_model()
    assert model is not None and set(heads) == {E5, WORD_VECTORS}
    head = heads[WORD_VECTORS]
    assert set(head.topics) == set(model.topics) == set(TOPICS) - {"other"}
    assert head.weights.shape == (len(head.topics), 300) and head.mix == heads[E5].mix


def test_a_story_word_vector_is_its_words_navec_mean_by_sif() -> None:
    alone = word_vector({"путин": 1.0})
    assert alone is not None and alone.model == WORD_VECTORS
    assert float(np.linalg.norm(alone.vector)) == pytest.approx(1.0, abs=1e-5)
    # Function words weigh almost nothing (SIF): five of them beside one name leave the name's direction.
    padded = word_vector({"путин": 1.0, "в": 1.0, "на": 1.0, "и": 1.0, "что": 1.0})
    assert padded is not None and float(alone.vector @ padded.vector) > 0.95
    # A word's count and its post's weight scale its part; an unknown word none at all.
    war, money = word_vector({"ракета": 1.0}), word_vector({"инфляция": 1.0})
    mix = word_vector({"ракета": 3.0, "инфляция": 1.0, "zzqxv": 50.0})
    assert war is not None and money is not None and mix is not None
    assert float(mix.vector @ war.vector) > float(mix.vector @ money.vector)
    assert word_vector({"zzqxv": 1.0}) is None and word_vector({}) is None
    # Channel plugs are not the story's words; letters are lower-cased as navec keys them.
    assert word_forms("Удар по Днепру @rian_ru t.me/mash") == ["удар", "по", "днепру"]


def test_a_story_without_an_e5_vector_takes_the_word_head() -> None:
    """The topic without a vector is the words' model × the word head ** mix, as model and head say."""
    model = load_model()
    assert model is not None
    guess = classify_texts([DRONES])
    vector = words_vector([(DRONES, 1.0)])
    head = head_for(vector)
    assert vector is not None and head is not None and head.model == WORD_VECTORS
    lexicon = dict(story_topics.lexicon_guess([(DRONES, 1.0)]).scores)
    row = tfidf(term_counts([(story_topics.lemmas(DRONES), 1.0)]), model.idf)
    words = probabilities(model, row, [lexicon.get(t, 0.0) for t in TOPICS])
    want = combined(words, head_probabilities(head, vector.vector), head.mix)
    assert guess.topic == max(want, key=want.__getitem__) == "war and security"
    assert guess.score == pytest.approx(max(want.values()))
    assert guess.score != pytest.approx(max(words.values()))  # the head moved it: not the words alone
    # Another embedder's vector has no head: the word head reads the story instead, as with no vector.
    rng = np.random.default_rng(1)
    use = rng.normal(size=512).astype(np.float32)
    assert classify_weighted([(DRONES, 1.0)], vector=StoryVector(MODEL_KEYS["use"], use)) == guess
    # Where the lexicon finds no topic word, the word head does not override its gate (the e5 head may).
    assert classify_texts(["В Люберцах продают картофелину за 250 тысяч рублей."]).topic == "other"


def test_a_story_with_an_e5_vector_keeps_the_e5_head_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    e5 = rng.normal(size=384).astype(np.float32)
    vector = StoryVector(E5, e5 / np.linalg.norm(e5))
    with_both = classify_weighted([(DRONES, 1.0)], vector=vector)
    only_e5 = {E5: load_heads()[E5]}
    monkeypatch.setattr(story_topics, "head_for", lambda v, heads=None: head_for(v, only_e5))
    assert classify_weighted([(DRONES, 1.0)], vector=vector) == with_both

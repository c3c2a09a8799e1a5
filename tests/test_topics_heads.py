"""The story topic's heads (svodka.pipeline.topic_model): a logistic regression over one embedder's story
vectors, shipped per embedder, multiplied into the words' model; never applied to another embedder's
vectors; fed by the digest from the vectors `svodka process` cached."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from svodka.digest.compose import build_fresh_digest, load_stories
from svodka.digest.fold import MODEL_KEYS
from svodka.digest.model import DigestQuery
from svodka.digest.topic_vectors import story_vectors
from svodka.ingest import import_file
from svodka.pipeline import story_topics
from svodka.pipeline.embed import make_embedder
from svodka.pipeline.story_topics import TOPICS, classify_texts
from svodka.pipeline.topic_model import (
    WORD_VECTORS,
    HeadDoc,
    StoryVector,
    TopicHead,
    combined,
    head_for,
    head_from_json,
    head_probabilities,
    load_heads,
    load_model,
)
from svodka.process import process
from svodka.settings import defaults
from svodka.store import open_store

E5 = MODEL_KEYS["e5"]


def test_the_shipped_e5_head_is_whole() -> None:
    heads = load_heads()
    assert set(heads) == {E5, WORD_VECTORS}  # USE and a user's model have none: the word head reads them
    head, model = heads[E5], load_model()
    assert model is not None
    assert set(head.topics) == set(model.topics) == set(TOPICS) - {"other"}
    assert head.weights.shape == (len(head.topics), 384) and head.bias.shape == (len(head.topics),)
    assert 0 < head.mix <= 3


def test_a_head_never_reads_another_embedders_vectors() -> None:
    rng = np.random.default_rng(0)
    use = rng.normal(size=512).astype(np.float32)
    assert head_for(StoryVector(MODEL_KEYS["use"], use / np.linalg.norm(use))) is None
    assert head_for(StoryVector("st:/models/my-minilm", np.ones(384, dtype=np.float32) / 384**0.5)) is None
    assert head_for(StoryVector(E5, use)) is None  # named e5 but not e5's size: not e5's vector
    assert head_for(None) is None
    text = "ЦБ сохранил ключевую ставку, курс рубля к доллару снизился, а «Спартак» обыграл ЦСКА."
    alone = classify_texts([text])
    for model, v in ((MODEL_KEYS["use"], use), ("st:/models/my-minilm", use[:384])):
        guess = story_topics.classify_weighted([(text, 1.0)], vector=StoryVector(model, v))
        assert guess == alone


def test_a_head_of_the_right_embedder_moves_the_topic() -> None:
    """A small hand-made head: the product p_words × p_head ** mix, normalised."""
    topics = ["economy", "sport"]
    doc: HeadDoc = {"topics": topics, "mix": 2.0, "bias": [0.0, 0.0], "weights": [[0.0, 0.0], [3.0, 0.0]]}
    head = head_from_json("toy", doc)
    assert isinstance(head, TopicHead)
    p = head_probabilities(head, np.array([1.0, 0.0]))
    assert p["sport"] == pytest.approx(np.exp(3) / (1 + np.exp(3)))
    mixed = combined({"economy": 0.7, "sport": 0.3}, p, head.mix)
    want = 0.3 * p["sport"] ** 2 / (0.3 * p["sport"] ** 2 + 0.7 * p["economy"] ** 2)
    assert mixed["sport"] == pytest.approx(want) and sum(mixed.values()) == pytest.approx(1.0)
    assert head_for(StoryVector("toy", np.array([1.0, 0.0])), {"toy": head}) is head
    assert head_for(StoryVector("toy", np.array([1.0, 0.0, 0.0])), {"toy": head}) is None


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("ЦБ сохранил ключевую ставку, курс рубля к доллару снизился, инфляция замедлилась.", "economy"),
        ("ВСУ атаковали беспилотниками Белгородскую область, ПВО сбила 11 дронов.", "war and security"),
        ("«Спартак» обыграл ЦСКА в матче РПЛ, решающий гол забил нападающий в концовке.", "sport"),
        ("В Подмосковье произошло ДТП: погибли два человека, водитель задержан полицией.", "incidents"),
    ],
)
def test_the_e5_head_reads_real_e5_vectors(text: str, topic: str) -> None:
    """The shipped classifier with a real e5 vector keeps the plain cases right; the head alone agrees on
    the topics the labelled days have many stories of (sport has a handful: the words carry it)."""
    vector = make_embedder("e5").embed([text])[0]
    guess = story_topics.classify_weighted([(text, 1.0)], vector=StoryVector(E5, vector))
    assert guess.topic == topic
    p = head_probabilities(load_heads()[E5], vector)
    if topic != "sport":
        assert max(p, key=p.__getitem__) == topic


def test_the_digest_gives_the_topic_its_stories_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real store processed with e5: the ranker and the cards read each story's e5 centroid (a spy on the
    head lookup sees them); with an embedder without a head nothing is read."""
    rows = [
        json.loads(line) for line in (ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl").open(encoding="utf-8")
    ]
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:90]), encoding="utf-8")
    seen: list[str] = []
    real = story_topics.head_for

    def spy(vector: StoryVector | None, heads: object = None) -> TopicHead | None:
        if vector is not None:
            seen.append(vector.model)
        return real(vector)

    with open_store(tmp_path / "t.db") as store:
        import_file(store, posts)
        process(store, dict(defaults(pipeline__embedder="e5").items()))
        since = min(datetime.fromisoformat(r["date"]) for r in rows[:90])
        query = DigestQuery(since=since, until=datetime(2024, 12, 3, tzinfo=UTC), top=5)
        monkeypatch.setattr(story_topics, "head_for", spy)
        digest = build_fresh_digest(store, query)
        assert digest.items and seen and set(seen) == {E5}
        ids = [it.card.story_id for it in digest.items]
        stories = [s for s in load_stories(store, query.since, query.until) if s.id in ids]
        vectors = story_vectors(store, "e5", stories)
        assert set(vectors) == set(ids)
        assert all(
            v.model == E5 and abs(float(np.linalg.norm(v.vector)) - 1) < 1e-4 for v in vectors.values()
        )
        assert story_vectors(store, "use", stories) == {}  # no head ships for USE: its vectors are not read

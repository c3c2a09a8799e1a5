"""Readable topic titles (extractive, trimmed at a clause boundary), the catch-all split, and the
largest-topic figures of the questions evaluation."""

from __future__ import annotations

import json
import re
from itertools import islice
from pathlib import Path

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

from conftest import shared
from svodka.model import QuestionTopic
from svodka.questions.kmeans import TopicSettings, cluster
from svodka.questions.quality import shares
from svodka.questions.run import triage_texts
from svodka.questions.split import cohesion, split_catchalls
from svodka.questions.titles import TITLE_CHARS, title, topic_title, trim


def test_trim_cuts_at_a_clause_boundary() -> None:
    long = (
        "Прошу убрать мусор во дворе дома, контейнеры переполнены уже третью неделю, "
        "а управляющая компания на звонки не отвечает и заявки не принимает"
    )
    t = trim(long)
    assert t == "Прошу убрать мусор во дворе дома, контейнеры переполнены уже третью неделю"
    assert len(t) <= TITLE_CHARS
    # Only the first sentence; masks, markup and links dropped; a capital first letter.
    assert trim("нет света в парадной. Уже неделю XXXX не чинят.") == "Нет света в парадной"
    assert trim("**Яма** на дороге https://t.me/x у дома 5") == "Яма на дороге у дома 5"
    # A too-short first sentence takes the next one along.
    assert trim("Мусор! Во дворе не вывозят контейнеры.") == "Мусор! Во дворе не вывозят контейнеры"
    # No clause boundary: whole words and an ellipsis.
    words = trim(" ".join(["слово"] * 40))
    assert words.endswith("…") and len(words) <= TITLE_CHARS + 1 and "слово слово" in words


def test_title_prefers_the_representative_naming_the_keywords() -> None:
    reps = ("Спасибо за ответ, жду", "Не убран снег на тротуаре у дома 3", "Снег не чистят")
    assert title(reps, ("снег", "убрать", "тротуар")) == "Не убран снег на тротуаре у дома 3"
    t = QuestionTopic(1, None, "снег, убрать, тротуар", ("снег", "убрать", "тротуар"), 3, reps)
    assert topic_title(t) == "Не убран снег на тротуаре у дома 3"
    bare = QuestionTopic(2, None, "снег, убрать", ("снег", "убрать"), 0, ())
    assert topic_title(bare) == "снег, убрать"  # nothing to quote: the keywords


def _blobs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Ten tight classes of 100 points each around orthogonal directions, unit rows."""
    dims = 20
    rows, truth = [], []
    for c in range(10):
        centre = np.zeros(dims)
        centre[c] = 1.0
        rows.append(centre + rng.normal(0, 0.05, (100, dims)))
        truth += [c] * 100
    x = np.vstack(rows)
    return x / np.linalg.norm(x, axis=1, keepdims=True), np.array(truth)


def test_split_catchalls_splits_a_loose_giant_and_keeps_tight_topics() -> None:
    rng = np.random.default_rng(0)
    x, truth = _blobs(rng)
    w = np.ones(len(x))
    merged = np.where(truth < 4, truth, 4)  # classes 4..9 lumped into one catch-all topic (60 %)
    out = split_catchalls(x, w, merged, truth, 2.0, 0)  # subtopics: the classes
    assert len(np.unique(out)) > 5
    assert max(np.bincount(out)) < 0.6 * len(x)
    for c in range(10):  # the tight topics are untouched; subtopics are never cut
        assert len(np.unique(out[truth == c])) == 1
    assert normalized_mutual_info_score(truth, out) > normalized_mutual_info_score(truth, merged) + 0.1
    assert (split_catchalls(x, w, merged, truth, 0.0, 0) == merged).all()  # 0: never split
    # A large topic that is tight stays whole: one class asked ten times as often as the others.
    loose = 1 + truth % 3  # the other nine classes lumped three by three
    big = np.vstack([x[truth == 0]] * 10 + [x[truth != 0]])
    lab = np.concatenate([np.zeros(1000, dtype=np.int64), loose[truth != 0]])
    stats = {s.topic: s for s in cohesion(big, np.ones(len(big)), lab)}
    assert stats[0].share > 2 / 4 and stats[0].cohesion == max(s.cohesion for s in stats.values())
    big_subs = np.concatenate([np.zeros(1000, dtype=np.int64), truth[truth != 0]])
    assert (split_catchalls(big, np.ones(len(big)), lab, big_subs, 2.0, 0) == lab).all()


def test_shares_add_up_to_the_nmi() -> None:
    truth = ["a"] * 30 + ["b"] * 30 + ["c"] * 20 + ["d"] * 20
    pred = [0] * 30 + [1] * 30 + [2] * 40  # topic 2 mixes c and d
    sh = shares(truth, pred)
    assert [s.topic for s in sh] == [2, 0, 1] and sh[0].share == 0.4
    assert abs(sum(s.nmi_part for s in sh) - normalized_mutual_info_score(truth, pred)) < 1e-9
    assert sh[0].nmi_part / sh[0].share < sh[1].nmi_part / sh[1].share  # the mix carries less per question


def test_titles_of_real_topics_are_short_sentences() -> None:
    src = Path(str(shared("citizen_appeals_dev", "appeals.jsonl")))
    texts = [json.loads(line)["text"] for line in islice(src.open(encoding="utf-8"), 1500)]
    _, tri, _ = triage_texts(texts, TopicSettings(topics=6, subtopics=18))
    titles = [topic_title(t) for t in tri.topics]
    assert all(0 < len(t) <= TITLE_CHARS + 1 for t in titles)
    assert all("XXXX" not in t and "\n" not in t for t in titles)
    for level in (True, False):  # topics tell apart by title, and so do subtopics
        same = [ti for t, ti in zip(tri.topics, titles, strict=True) if (t.parent is None) == level]
        assert len(set(same)) >= 0.9 * len(same), same

    # Each title is the start of one of its own representatives (extractive, not made up).
    def words(text: str) -> str:
        return " ".join(w for w in re.findall(r"\w+", text.lower()) if w != "xxxx")

    for t, ti in zip(tri.topics, titles, strict=True):
        head = " ".join(words(ti).split()[:4])
        assert any(head in words(r) for r in t.representatives), (ti, t.representatives)


def test_cluster_splits_the_catch_all_of_real_appeals() -> None:
    src = Path(str(shared("citizen_appeals_dev", "appeals.jsonl")))
    rows = [json.loads(line) for line in islice(src.open(encoding="utf-8"), 3000)]
    from svodka.questions.features import Featurizer

    x, _ = Featurizer().fit_embed([r["text"] for r in rows])
    w = np.ones(len(x))
    before, _, _ = cluster(x, w, TopicSettings(topics=10, subtopics=20, split_above=0))
    after, _, _ = cluster(x, w, TopicSettings(topics=10, subtopics=20))
    truth = [r["reason"] for r in rows]
    assert shares(truth, after)[0].share < shares(truth, before)[0].share
    assert normalized_mutual_info_score(truth, after) >= normalized_mutual_info_score(truth, before) - 0.005

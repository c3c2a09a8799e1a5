"""Same-event decisions of the clusterer's pair score on labelled pair sets.

* ``ru_paraphraser_headlines`` (``paraphraser_train.csv``): Russian headline pairs; strict (1) and loose (0)
  paraphrases count as the same event, -1 as different;
* ``en_mrpc_news_paraphrase`` (``msr_paraphrase_test.txt``): English news sentence pairs, 1 = paraphrase.

Each pair is scored as two posts of different channels at the same time, so the decision is exactly the
one the clusterer makes for a post against a one-post story.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from svodka.errors import InputError
from svodka.evaluate.pairs import PairScores, pair_scores
from svodka.pipeline.cluster import ClusterItem, ClusterSettings, StoryClusterer
from svodka.pipeline.embed import Embedder, make_embedder
from svodka.pipeline.features import extract
from svodka.pipeline.normalize import normalize


def read_pairs(folder: Path) -> list[tuple[str, str, bool]]:
    ru = folder / "paraphraser_train.csv"
    en = folder / "msr_paraphrase_test.txt"
    out: list[tuple[str, str, bool]] = []
    if ru.exists():
        with ru.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                out.append((row["text_1"], row["text_2"], row["is_paraphrase"] in ("0", "1")))
    elif en.exists():
        with en.open(encoding="utf-8-sig") as f:
            for cells in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if cells and cells[0] in ("0", "1"):
                    out.append((cells[3], cells[4], cells[0] == "1"))
    else:
        raise InputError(folder, "expected paraphraser_train.csv or msr_paraphrase_test.txt")
    return out


def evaluate_pairs(
    folder: Path, settings: Mapping[str, Any], limit: int = 0, embedder: Embedder | None = None
) -> PairScores:
    pairs = read_pairs(folder)
    if limit:
        pairs = pairs[:limit]
    embedder = embedder or make_embedder(settings["pipeline.embedder"], device=settings["pipeline.device"])
    texts = [normalize(t) for a, b, _ in pairs for t in (a, b)]
    vectors = embedder.embed(texts)
    # another model's floor: from these pairs (biased)
    cs = ClusterSettings.from_settings(settings, embedder.name, vectors)
    clusterer = StoryClusterer(cs)
    feats = [extract(t) for t in texts]
    for f in feats:  # document frequencies over the whole set, as the clusterer would have over a day
        clusterer._df.update(f.words)
    clusterer._n_docs = len(feats)
    scored = []
    for i, (_a, _b, gold) in enumerate(pairs):
        x = ClusterItem(2 * i, 1, 0.0, vectors[2 * i], feats[2 * i])
        y = ClusterItem(2 * i + 1, 2, 0.0, vectors[2 * i + 1], feats[2 * i + 1])
        scored.append((gold, clusterer.pair_score(x, y)))
    return pair_scores(scored, cs.threshold)

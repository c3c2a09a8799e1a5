"""Full triage of every stored question: duplicate groups → topics/subtopics → the stored model.

On a store that was triaged before, each new topic and subtopic takes the id of the old one it mostly is
(:mod:`svodka.questions.stable`), so a rebuild does not rename what editors already know.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from svodka.engine import Engine
from svodka.model import TriageRecord
from svodka.questions.dedup import Deduper, DedupSettings, norm_key, normalise
from svodka.questions.features import Featurizer
from svodka.questions.kmeans import TopicSettings, triage
from svodka.questions.model import FEATURES_KEY, STATE_KEY, TriageModel
from svodka.questions.sharded import group_signed, signatures
from svodka.questions.stable import match_ids, relabel
from svodka.store import Store


def full_triage(
    store: Store,
    topic_settings: TopicSettings,
    dedup_settings: DedupSettings,
    timings: dict[str, float],
    on_progress: Callable[[int], None] | None = None,
    engine: Engine | None = None,
) -> tuple[int, int, int, int]:
    """Re-cluster everything; returns (questions, groups, topics, subtopics). ``engine``: where the
    per-text and per-topic parts run (:mod:`svodka.questions.sharded`); by default here."""
    t = time.perf_counter()
    rows = list(store.questions.iter_all())
    old_ids = [tp.tid for tp in store.questions.topics()]
    timings["load"] = time.perf_counter() - t

    t = time.perf_counter()
    if engine is None:
        d = Deduper(dedup_settings)
        groups = np.empty(len(rows), dtype=np.int64)
        keys: list[int] = []
        for i, r in enumerate(rows):
            norm = normalise(r.text)
            groups[i] = d.add(i, r.text, norm)
            keys.append(norm_key(norm))
            if on_progress is not None and i % 10_000 == 9_999:
                on_progress(5_000)
    else:  # the texts signed in shards on the engine, grouped here in order: the same groups
        sigs = signatures(engine, [r.text for r in rows], dedup_settings)
        groups = np.asarray(group_signed(sigs, dedup_settings), dtype=np.int64)
        keys = [key for _norm, key, _mh in sigs]
        del sigs
        if on_progress is not None:
            on_progress(len(rows) // 2)
    heads, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    timings["dedup"] = time.perf_counter() - t

    t = time.perf_counter()
    featurizer = Featurizer()
    weights = counts.astype(np.float64)
    tri = triage([rows[h].text for h in heads], weights, featurizer, topic_settings, engine=engine)
    timings["topics"] = time.perf_counter() - t

    t = time.perf_counter()
    if old_ids:  # keep the ids people know: match the new clusters to the old ones by shared questions
        nxt = max(old_ids) + 1
        old_t = np.array([-1 if r.topic_id is None else r.topic_id for r in rows], dtype=np.int64)
        old_s = np.array([-1 if r.subtopic_id is None else r.subtopic_id for r in rows], dtype=np.int64)
        tmap, nxt = match_ids(old_t, tri.group_topic[inverse], nxt)
        smap, nxt = match_ids(old_s, tri.group_sub[inverse], nxt)
        tri = relabel(tri, {**tmap, **smap})
    model = TriageModel.from_triage(tri, featurizer, weights)
    topic = tri.group_topic[inverse]
    sub = tri.group_sub[inverse]
    gid = [rows[int(h)].qid for h in heads]
    features, state = model.dumps()
    store.questions.replace_triage(
        TriageRecord(
            assignments=(
                (r.qid, gid[int(g)], int(tp), int(s))
                for r, g, tp, s in zip(rows, inverse, topic, sub, strict=True)
            ),
            groups=(
                (gid[i], int(counts[i]), int(tri.group_topic[i]), int(tri.group_sub[i]))
                for i in range(len(heads))
            ),
            norms=((k, gid[int(g)]) for k, g in zip(keys, inverse, strict=True)),
            topics=tri.topics,
            model={FEATURES_KEY: features, STATE_KEY: state},
        )
    )
    timings["write"] = time.perf_counter() - t
    if on_progress:
        on_progress(len(rows) - len(rows) // 2)
    return len(rows), len(heads), len(np.unique(tri.group_topic)), len(tri.sub_ids)

"""Incremental triage against the store: only the questions not yet triaged are read and placed.

Exact duplicates of stored questions are found by their normalised-text key (``question_norms``), near
duplicates by MinHash LSH over the stored group heads; both join their group (and its topic). Every other
new group is placed by the stored model (:mod:`svodka.questions.incremental`), where a burst of questions
that fits no topic becomes a new topic with a new id. Counts, labels (from the model's lemma counts) and the
representatives of every topic that received questions are refreshed; no existing id changes.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace

import numpy as np

from svodka.model import TriageRecord
from svodka.questions.dedup import Deduper, DedupSettings, norm_key, normalise
from svodka.questions.incremental import UpdateSettings, find_emerging, refit, sample_reference
from svodka.questions.kmeans import (
    QuestionTopic,
    TopicSettings,
    labels_from_counts,
    representatives,
    trim_counts,
)
from svodka.questions.model import FEATURES_KEY, STATE_KEY, TriageModel
from svodka.store import Store

CANDIDATES = 200  # new groups per topic considered as representatives (the largest)


def load_model(store: Store) -> TriageModel | None:
    features = store.questions.load_model(FEATURES_KEY)
    state = store.questions.load_model(STATE_KEY)
    if features is None or state is None:
        return None
    return TriageModel.loads(features, state)


def incremental_triage(
    store: Store,
    model: TriageModel,
    topic_settings: TopicSettings,
    dedup_settings: DedupSettings,
    update_settings: UpdateSettings,
    timings: dict[str, float],
) -> tuple[int, int, int]:
    """Place the untriaged questions; returns (questions, new groups, new topics)."""
    t = time.perf_counter()
    new = list(store.questions.iter_all(untriaged_only=True))
    if not new:
        timings["load"] = time.perf_counter() - t
        return 0, 0, 0
    stored = {g: (text, size, tp, sub) for g, text, size, tp, sub in store.questions.groups()}
    timings["load"] = time.perf_counter() - t

    t = time.perf_counter()
    norms = [normalise(r.text) for r in new]
    keys = [norm_key(n) for n in norms]
    known = store.questions.groups_for_norms(keys)
    d = Deduper(dedup_settings)
    for n, k in zip(norms, keys, strict=True):
        if k in known:
            d.exact[n] = known[k]
    if any(k not in known for k in keys):  # only then can a near duplicate of a stored group matter
        for g, (text, *_rest) in stored.items():
            d.seed(g, text)
    head = [str(d.add(r.qid, r.text, n)) for r, n in zip(new, norms, strict=True)]
    added = Counter(head)
    new_heads = [h for h in added if h not in stored]
    text_of = {r.qid: r.text for r in new}
    timings["dedup"] = time.perf_counter() - t

    t = time.perf_counter()
    texts = [text_of[h] for h in new_heads]
    weights = np.array([added[h] for h in new_heads], dtype=np.float64)
    x, sub, fit = model.place(texts)
    timings["place"] = time.perf_counter() - t

    t = time.perf_counter()
    topics = {tp.tid: tp for tp in store.questions.topics()}
    made: list[QuestionTopic] = []
    parts: dict[str, bytes] = {}  # the model, as it is to be stored
    pool = np.flatnonzero(fit < model.tau)
    if len(pool) and float(weights[pool].sum()) >= update_settings.min_topic:
        ref = sample_reference(
            [(text, size, s) for text, size, _tp, s in stored.values() if s is not None],
            update_settings.reference,
            update_settings.seed,
        )
        old_total = float(sum(v[1] for v in stored.values()))
        em = find_emerging(
            [texts[i] for i in pool],
            weights[pool],
            ref,
            float(len(new)),
            old_total,
            model.sub_weight,
            update_settings,
            model.featurizer.tokens,
        )
        if em is not None and em.topics:
            nxt = max([*topics, 0]) + 1
            ids = []
            for subs in em.topics:
                ids.append((nxt, list(range(nxt + 1, nxt + 1 + len(subs)))))
                nxt += 1 + len(subs)
            model = refit(model, em, ref, weights[pool], ids)
            x, sub, fit = model.place(texts)  # again, in the space that knows the new topics
            for tid, sids in ids:
                made.append(QuestionTopic(tid, None, "", (), 0, ()))
                made.extend(QuestionTopic(s, tid, "", (), 0, ()) for s in sids)
            parts[FEATURES_KEY] = model.dumps()[0]  # as refitted (before labelling fills its caches)
    timings["emerging"] = time.perf_counter() - t

    t = time.perf_counter()
    parent = model.parent()
    place = {h: (parent[int(s)], int(s)) for h, s in zip(new_heads, sub, strict=True)}
    for h in added:
        if h in stored:
            _text, _size, tp, s = stored[h]
            place[h] = (int(tp or 0), int(s or 0))
    # Labels: the model's lemma counts plus the new questions' lemmas.
    tokens = model.featurizer.tokens
    for h, times in added.items():
        toks = set(tokens(text_of.get(h) or stored[h][0]))
        for tid in place[h]:
            c = model.terms.setdefault(tid, Counter())
            for w in toks:
                c[w] += times
    model.terms = trim_counts(model.terms)
    topics.update({tp.tid: tp for tp in made})
    touched = {tid for h in added for tid in place[h]}
    refreshed = _refresh(model, topics, touched, new_heads, texts, x, weights, place, stored, topic_settings)
    parts[STATE_KEY] = model.dumps()[1]
    store.questions.add_triage(
        TriageRecord(
            assignments=((r.qid, h, *place[h]) for r, h in zip(new, head, strict=True)),
            groups=((h, n, *place[h]) for h, n in added.items()),
            norms=zip(keys, head, strict=True),
            topics=refreshed,
            model=parts,
        )
    )
    timings["refresh"] = time.perf_counter() - t
    return len(new), len(new_heads), sum(1 for tp in made if tp.parent is None)


def _refresh(
    model: TriageModel,
    topics: dict[int, QuestionTopic],
    touched: set[int],
    new_heads: list[str],
    texts: list[str],
    x: np.ndarray,
    weights: np.ndarray,
    place: dict[str, tuple[int, int]],
    stored: dict[str, tuple[str, int, int | None, int | None]],
    s: TopicSettings,
) -> list[QuestionTopic]:
    """Topics with labels from the lemma counts and, where questions arrived, new representatives."""
    out = []
    # A representative is the head text of its group: it weighs what that group does.
    size_of = {text: size for text, size, _t, _s in stored.values()}
    sizes = {tid: tp.size for tid, tp in topics.items()}
    by_tid: dict[int, list[int]] = {}
    for i, h in enumerate(new_heads):
        for tid in place[h]:
            by_tid.setdefault(tid, []).append(i)
    # The current representatives of every touched topic, embedded in one call (not one per topic).
    old_texts = sorted({r for tid in touched if tid in topics for r in topics[tid].representatives})
    old_rows = {t: i for i, t in enumerate(old_texts)}
    old_all = model.featurizer.embed(old_texts)[0] if old_texts else x[:0]
    for level in (True, False):
        ids = [tid for tid, tp in topics.items() if (tp.parent is None) == level]
        kw = labels_from_counts({tid: model.terms.get(tid, Counter()) for tid in ids}, s.label_words)
        for tid in ids:
            tp = topics[tid]
            reps = tp.representatives
            if tid in touched:
                cand = sorted(by_tid.get(tid, []), key=lambda i: -weights[i])[:CANDIDATES]
                old_x = old_all[[old_rows[r] for r in reps]] if reps else x[:0]
                cx = np.vstack([old_x, x[cand]])
                ctexts = [*reps, *(texts[i] for i in cand)]
                old_w = [float(size_of.get(r, 1)) for r in reps]
                cw = np.array([*old_w, *(weights[i] for i in cand)], dtype=np.float64)
                centre = model.centre(tid, sizes)
                chosen = representatives(cx, ctexts, cw, centre, s.representatives)
                reps = tuple(ctexts[i] for i in chosen)
            out.append(replace(tp, label=", ".join(kw[tid][:3]), keywords=kw[tid], representatives=reps))
    return out

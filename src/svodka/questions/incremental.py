"""Incremental triage: new duplicate groups join existing subtopics; a burst that fits none becomes a topic.

A new group whose fit to its nearest subtopic (cosine in TF-IDF space, see :class:`TriageModel`) is below
the model's ``tau`` is an outlier. Outliers are clustered in a feature space fitted on them together with
a stratified sample of the stored groups (the reference), so words the stored model never learned count.
A cluster is an *emerging topic* when it is big enough and much denser in the new questions than the
stored questions ever were around it (``burst``: its share of the new questions over the share of the old
questions within the same radius, the reference weighted back to the whole store). Ordinary outliers —
the loose edges of existing topics — have plenty of old neighbours and join their nearest subtopic.

When topics emerge, the model is refitted in that joint space: existing subtopics' centroids are the
reference groups' weighted means (their ids do not change), new subtopics' centroids their members'; then
all the new groups are placed again, so a new question that only loosely fitted an old subtopic but
belongs to the new topic moves there.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from svodka.questions.features import FeatureSettings, Featurizer, LemmaTokens
from svodka.questions.kmeans import weighted_quantile
from svodka.questions.model import ModelSettings, TriageModel

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UpdateSettings:
    min_topic: int = 30  # questions (by count) a new topic needs at least
    burst: float = 4.0  # how many times denser among the new questions than among the stored ones
    reference: int = 8_000  # stored groups sampled (stratified by subtopic) as the reference
    merge: float = 0.5  # emerging clusters whose centroids are this close form one topic
    dims: int = 80
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Reference:
    """Stored groups sampled per subtopic; ``scale``: how many stored groups each row stands for."""

    texts: list[str]
    weights: np.ndarray
    subs: np.ndarray
    scale: np.ndarray

    @property
    def mass(self) -> np.ndarray:
        return self.weights * self.scale


def sample_reference(groups: Sequence[tuple[str, int, int]], n: int, seed: int = 0) -> Reference:
    """``groups``: (head text, size, subtopic id); up to ~``n`` of them, at least one per subtopic."""
    by_sub: dict[int, list[int]] = {}
    for i, (_t, _w, sub) in enumerate(groups):
        by_sub.setdefault(int(sub), []).append(i)
    rng = np.random.default_rng(seed)
    per = max(1, -(-n // max(1, len(by_sub))))
    idx: list[int] = []
    scale: list[float] = []
    for members in by_sub.values():
        take = members if len(members) <= per else rng.choice(members, per, replace=False).tolist()
        idx.extend(take)
        scale.extend([len(members) / len(take)] * len(take))
    return Reference(
        [groups[i][0] for i in idx],
        np.array([groups[i][1] for i in idx], dtype=np.float64),
        np.array([groups[i][2] for i in idx], dtype=np.int64),
        np.array(scale, dtype=np.float64),
    )


@dataclass(frozen=True, slots=True)
class Emerging:
    """New topics, each a list of subtopics, each an index array into the outlier pool."""

    topics: list[list[np.ndarray]]
    featurizer: Featurizer
    pool_x: np.ndarray
    ref_x: np.ndarray
    ref_energy: np.ndarray


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) or 1.0)


def find_emerging(
    pool_texts: Sequence[str],
    pool_w: np.ndarray,
    ref: Reference,
    new_total: float,
    old_total: float,
    sub_weight: float,
    s: UpdateSettings,
    tokens: LemmaTokens | None = None,
) -> Emerging | None:
    """Clusters of the outlier pool that are new (see the module); None when the pool is too small."""
    if float(pool_w.sum()) < s.min_topic or len(pool_texts) < 3:
        return None
    feat = Featurizer(FeatureSettings(dims=s.dims, seed=s.seed), tokens)
    x, energy = feat.fit_embed([*pool_texts, *ref.texts])
    px, rx = x[: len(pool_texts)], x[len(pool_texts) :]
    k = max(1, min(len(px), round(float(pool_w.sum()) / max(1.0, sub_weight))))
    lab = KMeans(k, n_init=1, random_state=s.seed).fit_predict(px, sample_weight=pool_w)
    found: list[tuple[np.ndarray, np.ndarray]] = []
    for c in range(k):
        idx = np.flatnonzero(lab == c)
        if float(pool_w[idx].sum()) < s.min_topic:
            continue
        centre = _unit(px[idx].T @ pool_w[idx])
        sims = px[idx] @ centre
        radius = weighted_quantile(sims, pool_w[idx], 0.25)
        inside = float(pool_w[idx][sims >= radius].sum())
        old_near = float(ref.mass[rx @ centre >= radius].sum())
        burst = (inside / max(1.0, new_total)) / ((old_near + 1.0) / max(1.0, old_total))
        log.debug(
            "outlier cluster %d: %d questions, %.0f inside r=%.2f, %.0f stored near, burst %.1f",
            c,
            int(pool_w[idx].sum()),
            inside,
            radius,
            old_near,
            burst,
        )
        if burst >= s.burst and inside >= s.min_topic:
            found.append((idx, centre))
    # Emerging clusters close to each other are one topic with several subtopics.
    topics: list[list[int]] = []
    for i, (_idx, centre) in enumerate(found):
        home = next((t for t in topics if max(float(found[j][1] @ centre) for j in t) >= s.merge), None)
        if home is None:
            topics.append([i])
        else:
            home.append(i)
    return Emerging([[found[i][0] for i in t] for t in topics], feat, px, rx, energy[len(pool_texts) :])


def refit(
    model: TriageModel,
    em: Emerging,
    ref: Reference,
    pool_w: np.ndarray,
    new_ids: Sequence[tuple[int, Sequence[int]]],
    ms: ModelSettings | None = None,
) -> TriageModel:
    """The model in the emerging space, with the new (topic id, subtopic ids) of ``em.topics`` added."""
    ms = ms or ModelSettings()
    dims = em.ref_x.shape[1]
    cents = np.zeros((len(model.sub_ids), dims), dtype=np.float32)
    row = {int(s): i for i, s in enumerate(model.sub_ids)}
    mass = ref.mass
    for s in np.unique(ref.subs):
        m = ref.subs == s
        if int(s) in row:
            cents[row[int(s)]] = _unit(em.ref_x[m].T @ mass[m])
    new_c, new_s, new_p = [], [], []
    for (tid, sub_ids), subs in zip(new_ids, em.topics, strict=True):
        for sid, idx in zip(sub_ids, subs, strict=True):
            new_c.append(_unit(em.pool_x[idx].T @ pool_w[idx]))
            new_s.append(sid)
            new_p.append(tid)
    centroids = np.vstack([cents, np.asarray(new_c, dtype=np.float32).reshape(-1, dims)])
    own = np.array([row.get(int(s), 0) for s in ref.subs])
    fit = (em.ref_x * centroids[own]).sum(axis=1) * em.ref_energy
    return TriageModel(
        em.featurizer,
        centroids,
        np.concatenate([model.sub_ids, np.asarray(new_s, dtype=np.int64)]),
        np.concatenate([model.sub_parent, np.asarray(new_p, dtype=np.int64)]),
        weighted_quantile(fit, mass, ms.outlier_quantile),
        model.sub_weight,
        dict(model.terms),
    )

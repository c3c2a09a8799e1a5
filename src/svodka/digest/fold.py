"""Fold: one event is one digest item, even where the story level kept it as two stories.

The clusterer and the story level (:mod:`svodka.pipeline.developing`) are precision-first and sometimes
split one event: the Syrian offensive as «the air force struck a column near Aleppo» and «the army with
Russian air support killed 300 fighters», South Korea's martial law as its causes and the impeachment to
come. A digest that shows both repeats itself. Before the cards are made, the digest compares its best
ranked candidates pairwise on what the stories say, not on their topic:

* ``centroid``: the cosine of the two stories' mean post vectors (those ``svodka process`` cached, of their
  original posts), rescaled by the model's floor (unrelated posts → 0, identical → 1);
* ``names``: the core names they share (names in a third of a story's posts), weighted by rarity among the
  candidates, as a share of the smaller story's core-name weight;
* ``links``: a shared link target;
* ``together``: the smaller story's channels (two or more) each reported it within ``together_minutes`` of
  reporting the larger one — a meeting, a press conference or a strike reported post by post;
* ``contained``: the weight of the smaller story's core names that the larger one names too (in two of its
  posts, or in a third), over that of one rare name.

Names are read from what a reader reads: a channel's footer, its Telegram links and handles are its own name,
not the story's («Топор Live», «t.me/+HWFl…» made every two stories of one channel share two names); a
capitalised word in guillemets is a name wherever it stands («Орешник», «Газпромбанк»: after «, a word was
taken for a sentence's first).

A lower story is folded into a higher one when the centroids alone are decisive, or a milder centroid is
backed by the shared core names, a shared link, or its channels reporting both together with the smaller
one's rare names named in the larger (the RVSN commander's «Орешник can reach all of Europe», said at
Putin's meeting and posted by four channels amid its quotes, is that meeting's, 2024-11-22); two drone
attacks in two regions (tests/test_leads_fold.py), two laws signed on one day, a minister's statement at a
summit posted hours after it stay apart (benchmarks/README.md, session 13).

The folded story's posts join the higher one as a further development (its card is ranked and counted as one
event: their posts and channels count); the lower one is no item of its own. What the card says — headline,
key sentences, how the sources differ — stays the higher story's own, so the story page of the card's story
says the same (issue 14 §3: the page shows one story, and a digest's fold, made among that digest's
candidates, is not known to it, saved or not).

Georgia's protests, its president's refusal to step down and the US suspending its partnership
share «Грузия» and «Тбилиси», but neither their words nor their other names: they stay apart
(tests/test_digest_fold.py measures both on real days).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from svodka.model import Story
from svodka.pipeline.developing import capitalised_names
from svodka.pipeline.embed import UNRELATED_COSINE, from_blob, unrelated_cosine
from svodka.pipeline.features import extract, stem
from svodka.pipeline.normalize import normalize

if TYPE_CHECKING:
    from svodka.store.base import Store


@dataclass(frozen=True, slots=True)
class FoldSettings:
    """When two candidate items are one event (benchmarks/bench_digest.py measures them)."""

    centroid_alone: float = 0.8  # rescaled centroid similarity that folds on its own
    centroid_names: float = 0.6  # … that folds with shared core names of at least ``names_share``
    names_share: float = 0.9
    # … and the shared names must weigh at least what one name in this share of the candidates weighs (as the
    # story level's names_weight: a name in 5 % of them): «Путин» shared by two laws he signed is no evidence
    names_rarity: float = 0.05
    centroid_links: float = 0.5  # … that folds with a shared link target
    together_minutes: float = 30.0  # … with ``centroid_names``, reported together by the smaller's channels
    # … whose core names the larger names weigh this many rare names: one is the day's subject («Орешник»: the
    # Patriarch praising it, posted amid Putin's press conference on it, is another event), two a happening
    together_names: float = 2.0
    candidates: int = 3  # compare the best ``candidates`` × the digest's size


class Centroids(Protocol):
    """The stories' mean post vectors (L2-normalised) and the cosine of two unrelated posts on that model's
    scale; a story without vectors is left out (it is never folded)."""

    floor: float

    def of(self, stories: Sequence[Story]) -> Mapping[int, np.ndarray]: ...


@dataclass(frozen=True, slots=True)
class _Profile:
    names: frozenset[str]  # core names: in a third of the story's original posts
    known: frozenset[str]  # every name in two of its posts (or in its only one)
    links: frozenset[str]
    reports: tuple[tuple[int, float], ...]  # (channel, POSIX time) of each original post


# Telegram links, handles and a link's text pointing to Telegram name the channel, not the story
_CHANNEL_NAME = re.compile(
    r"\[[^\]]*\]\((?:https?://)?t\.me/[^)]*\)|(?:https?://)?t\.me/\S+|@\w+", re.IGNORECASE
)
_QUOTED = re.compile(r"«([A-ZА-ЯЁ][\w-]+)(?: [\w-]+)?»")


def _names(text: str) -> frozenset[str]:
    """The names of a post as a reader reads it: without its channel's footer, links and handles."""
    clean = normalize(_CHANNEL_NAME.sub(" ", text))
    quoted = {stem(m.group(1)) for m in _QUOTED.finditer(clean)}
    return capitalised_names(clean) | _first_names(text) | quoted


def _profile(story: Story) -> _Profile:
    members = story.originals or story.members
    names: Counter[str] = Counter()
    links: set[str] = set()
    for m in members:
        links.update(extract(m.post.text, m.post.links).links)
        names.update(_names(m.post.text))
    need = max(1, math.ceil(len(members) / 3))
    return _Profile(
        frozenset(n for n, c in names.items() if c >= need),
        frozenset(n for n, c in names.items() if c >= min(2, len(members))),
        frozenset(links),
        tuple((m.post.channel_id, m.post.date.timestamp()) for m in members),
    )


def _together(small: _Profile, large: _Profile, minutes: float) -> bool:
    """Every post of ``small`` (of two channels or more) is within ``minutes`` of a post of its channel in
    ``large``: its channels reported both at once."""
    if len({c for c, _ in small.reports}) < 2:
        return False
    return all(any(c == d and abs(t - u) <= 60 * minutes for d, u in large.reports) for c, t in small.reports)


def _first_names(text: str) -> frozenset[str]:
    """A capitalised first word that is a name («Набиуллина сравнила …»): one that is not a common word
    starting a sentence — long enough and not in the stop list (``capitalised_names`` leaves every first
    word out)."""
    words = text.split(maxsplit=1)
    first = words[0].strip("«\"'(:,.!?") if words else ""
    return (
        frozenset({stem(first)})
        if len(first) >= 5 and first[:1].isupper() and first[1:].islower()
        else frozenset()
    )


@dataclass(frozen=True, slots=True)
class FoldSignals:
    """How alike two candidate stories are, and whether that makes them one event."""

    centroid: float  # rescaled: the floor → 0, identical → 1
    names: float  # the shared names' weight as a share of the smaller story's
    names_weight: (
        float  # the shared names' weight over that of one name in ``names_rarity`` of the candidates
    )
    shared_names: tuple[str, ...]
    link: bool
    together: bool = False  # the smaller story's channels reported both at once (``together_minutes``)
    contained: float = 0.0  # the smaller's core names the larger names, over one rare name's weight

    def one_event(self, s: FoldSettings) -> bool:
        return (
            self.centroid >= s.centroid_alone
            or (
                self.centroid >= s.centroid_names and self.names >= s.names_share and self.names_weight >= 1.0
            )
            or (self.centroid >= s.centroid_links and self.link)
            or (self.centroid >= s.centroid_names and self.together and self.contained >= s.together_names)
        )


class Comparer:
    """Pairwise signals over one digest's candidates (a name's rarity is judged among them)."""

    def __init__(
        self,
        stories: Sequence[Story],
        centroids: Mapping[int, np.ndarray],
        floor: float,
        rarity: float = 0.05,
        together_minutes: float = 30.0,
    ) -> None:
        self._profiles = {s.id: _profile(s) for s in stories}
        df: Counter[str] = Counter(n for p in self._profiles.values() for n in p.names)
        n = len(stories)
        self._idf = {name: math.log((1 + n) / (1 + c)) + 1.0 for name, c in df.items()}
        self._rare = math.log((1 + n) / (1 + rarity * n)) + 1.0  # one name in `rarity` of the stories
        self._centroids, self._floor, self._minutes = centroids, floor, together_minutes

    def signals(self, a: int, b: int) -> FoldSignals | None:
        """None where either story has no centroid."""
        ca, cb = self._centroids.get(a), self._centroids.get(b)
        if ca is None or cb is None:
            return None
        pa, pb = self._profiles[a], self._profiles[b]
        shared = pa.names & pb.names
        smaller = min(sum(self._idf[n] for n in pa.names), sum(self._idf[n] for n in pb.names))
        cos = float(np.dot(ca, cb))
        weight = sum(self._idf[n] for n in shared)
        small, large = (pa, pb) if len(pa.reports) <= len(pb.reports) else (pb, pa)
        contained = sum(self._idf[n] for n in small.names if n in large.known or n in large.names)
        return FoldSignals(
            centroid=max(0.0, (cos - self._floor) / (1 - self._floor)) if self._floor < 1 else 0.0,
            names=weight / smaller if smaller else 0.0,
            names_weight=weight / self._rare,
            shared_names=tuple(sorted(shared, key=lambda n: -self._idf[n])[:5]),
            link=bool(pa.links & pb.links),
            together=_together(small, large, self._minutes),
            contained=contained / self._rare,
        )


def _one_event(signals: FoldSignals | None, settings: FoldSettings) -> bool:
    return signals is not None and signals.one_event(settings)


def merged(into: Story, other: Story) -> Story:
    """``other`` folded into ``into``: one story of both's posts, ``into``'s id; ``other``'s developments go
    before ``into``'s, so the card keeps the headline of ``into``'s newest development (a story is headed by
    its last development: ``digest.compose.story_summary``)."""
    members = tuple(
        sorted(
            {m.post.id: m for m in (*into.members, *other.members)}.values(),
            key=lambda m: (m.post.date, m.post.id),
        )
    )
    return replace(
        into,
        members=members,
        first_date=members[0].post.date,
        last_date=members[-1].post.date,
        developments=(*(other.developments or (other.id,)), *(into.developments or (into.id,))),
    )


def fold(
    ranked: Sequence[Story], top: int, centroids: Centroids, settings: FoldSettings | None = None
) -> list[tuple[Story, tuple[int, ...]]]:
    """``ranked`` (best first) with each story that is one event with a better ranked one folded into it:
    ``(story, ids folded into it)`` in the same order, the folded ones left out. Only the best
    ``settings.candidates`` × ``top`` are compared; the rest follow unchanged."""
    s = settings or FoldSettings()
    head, tail = list(ranked[: s.candidates * top]), list(ranked[s.candidates * top :])
    compare = Comparer(head, centroids.of(head), centroids.floor, s.names_rarity, s.together_minutes)
    kept: list[tuple[Story, list[int]]] = []
    for story in head:
        into = next((k for k in kept if _one_event(compare.signals(k[0].id, story.id), s)), None)
        if into is None:
            kept.append((story, []))
        else:
            into[1].append(story.id)
    out: list[tuple[Story, tuple[int, ...]]] = []
    by_id = {st.id: st for st in head}
    for story, folded in kept:
        whole = story
        for sid in folded:
            whole = merged(whole, by_id[sid])
        out.append((whole, tuple(folded)))
    return out + [(st, ()) for st in tail]


MODEL_KEYS = {"e5": "e5-small-q4-query", "use": "use-m3"}  # pipeline.embedder → its vector cache's key


class StoreCentroids:
    """Centroids of the vectors ``svodka process`` cached in the store for ``embedder`` (a
    ``pipeline.embedder`` value); the floor is the model's known one, else the median over the
    candidates' post pairs (:func:`svodka.pipeline.embed.unrelated_cosine`)."""

    def __init__(self, store: Store, embedder: str) -> None:
        self._store, self._model = store, MODEL_KEYS.get(embedder, embedder)
        self.floor = UNRELATED_COSINE.get(self._model, 1.0)

    def of(self, stories: Sequence[Story]) -> dict[int, np.ndarray]:
        ids = [m.post.id for s in stories for m in (s.originals or s.members)]
        found = self._store.analysis.get_many(ids)
        keys = [(pid, a.text_hash) for pid, a in found.items()]
        vectors = {pid: from_blob(b) for pid, b in self._store.analysis.vectors(self._model, keys).items()}
        if self._model not in UNRELATED_COSINE and vectors:
            self.floor = unrelated_cosine(self._model, vectors.values())
        out = {}
        for s in stories:
            vs = [vectors[m.post.id] for m in (s.originals or s.members) if m.post.id in vectors]
            if vs:
                mean = np.mean(np.stack(vs).astype(np.float32), axis=0)
                norm = float(np.linalg.norm(mean))
                if norm > 0:
                    out[s.id] = mean / norm
        return out

"""Developing stories: the developments (clusters) of one event grouped under one story.

The clusterer (:mod:`svodka.pipeline.cluster`) places posts into *developments*: the night's dispersal, the
next day's rally, the officials' statements. This module decides which developments of a window are parts
of one developing event, comparing whole clusters rather than pairs of posts:

* ``centroid``: cosine of the developments' mean vectors, on the model's scale (``sem_floor``…1 → 0…1);
* ``names``: the names, places and organisations they share, each weighted by its rarity among the
  window's developments (IDF), as a share of the smaller development's name weight — "Москва" and "Россия"
  weigh little, "Алеппо" and "Кобахидзе" much;
* ``links``: a shared link target or hashtag;
* ``time``: how far apart the two developments are (the gap between their spans of time);
* ``when``: the time of the event each reports, as its posts say it (:mod:`svodka.pipeline.event_time`).

A pair is linked when its centroid similarity alone is decisive, or when a milder similarity is backed by
shared names or a shared link, and in every case only within ``max_gap_hours`` of each other. Shared names
count two ways: as a share of the smaller development's name weight, or as *coverage* — every post of the
smaller development (two posts at least) names one of the other's rare *core* names (those in half its
posts). The first is diluted by what a small development names in passing (the agency it cites, a second
country); the second asks what the development is about: the finance minister's emergency meeting and the
impeachment talk each name South Korea in every post, the day's martial-law story names it in most of its.
Each link records the signals that joined it, so a story's grouping can be explained. The rules are
conjunctions, not a learned mix: a precision-first design, since two laws signed the same day, two drone
attacks in two regions or two events in one city share a topic, a time and often a place, but rarely both a
close centroid *and* the rare names.

Nor are two developments whose posts say their events took place on different days (the night into 30
November and the evening of the 29th; yesterday's attack and today's:
:func:`svodka.pipeline.event_time.apart`) joined by a close centroid alone: two drone attacks of two nights
in two regions are reported an hour apart in one vocabulary. Shared rare names or a shared link still join
them (the next day's investigation of yesterday's fire is its story), and so does the clusterer merging
them; a story that goes on over the next days is the storylines' to link (:mod:`svodka.pipeline.storylines`,
which compares no event times).

Incremental and stable like the clusterer: developments already in a story keep it; a development links
to those of the window, and a link between two stories merges them under the older id (the smaller one:
ids come from one sequence). A story's id is the id of its oldest development.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from svodka.pipeline.corrections import NO_CONSTRAINTS, KeepApart
from svodka.pipeline.event_time import EventTime, apart
from svodka.pipeline.features import stem
from svodka.pipeline.pairs import close_pairs

_HASHTAG = re.compile(r"#([^\W_][\w]{2,})", re.UNICODE)
_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|[.!?…:;»«\"()\n]", re.UNICODE)
# Capitalised words that open a clause or are common news vocabulary rather than a name.
_NOT_WORDS = """
срочно молния главное подробности видео фото новости источник заявление сегодня вчера также при
после это как что тем этот эта эти там здесь однако напомним ранее теперь сейчас позже
"""
_NOT_NAMES = frozenset(stem(w) for w in _NOT_WORDS.split())


class NameFinder(Protocol):
    """Names, places and organisations of texts, as stems (so inflections meet)."""

    name: str

    def names(self, texts: Sequence[str]) -> list[frozenset[str]]: ...


class CapitalisedNames:
    """Capitalised words inside a sentence and all-caps words (abbreviations): cheap, microseconds a post."""

    name = "caps"

    def names(self, texts: Sequence[str]) -> list[frozenset[str]]:
        return [capitalised_names(t) for t in texts]


def capitalised_names(text: str) -> frozenset[str]:
    """Stems of the capitalised words of ``text`` that are not a sentence's first word (first 1,500
    characters), and of all-caps words of 2+ letters."""
    names: set[str] = set()
    start = True
    for m in _TOKEN.finditer(text[:1500]):
        tok = m.group(0)
        if len(tok) == 1 and not tok.isalnum():
            start = tok in '.!?…:\n«"'
            continue
        if tok[0].isupper() and (not start or (tok.isupper() and len(tok) >= 2)) and len(tok) >= 2:
            s = stem(tok)
            if s not in _NOT_NAMES and not tok.isdigit():
                names.add(s)
        start = False
    return frozenset(names)


@dataclass(frozen=True, slots=True)
class DevPost:
    """One post of a development, as the grouping needs it."""

    post_id: int
    channel_id: int
    ts: float
    text: str  # normalised
    vector: np.ndarray | None
    links: tuple[str, ...] = ()  # normalised link targets (features._link_key)


@dataclass(frozen=True, slots=True)
class Development:
    """A cluster of posts, summarised for grouping."""

    id: int
    centroid: np.ndarray | None  # L2-normalised mean of its posts' vectors
    names: frozenset[str]
    links: frozenset[str]  # link targets and "#hashtag"s
    channels: frozenset[int]
    first: float
    last: float
    n_posts: int
    story: int | None = None  # the story it is in already (from the store)
    core: frozenset[str] = frozenset()  # the names in at least half of its posts
    post_names: tuple[frozenset[str], ...] = ()  # each post's names (the coverage rule, see judge)
    when: EventTime | None = None  # the event's time its posts agree on (event_time.common_time)


def development(
    dev_id: int,
    posts: Sequence[DevPost],
    names: Sequence[frozenset[str]],
    story: int | None = None,
    when: EventTime | None = None,
) -> Development:
    """``posts`` (with ``names[i]`` the names of ``posts[i]``) summarised as one development. A name counts
    when it is in two of the development's posts, or in its only one (a passing mention is not the event);
    its *core* names are those in at least half of them. ``when``: the time of its event, when known."""
    vecs = [p.vector for p in posts if p.vector is not None]
    centroid = None
    if vecs:
        mean = np.mean(np.stack(vecs), axis=0)
        norm = float(np.linalg.norm(mean))
        centroid = (mean / norm).astype(np.float32) if norm > 0 else None
    counts: Counter[str] = Counter(n for ns in names for n in ns)
    need = 1 if len(posts) <= 2 else 2
    links: set[str] = set()
    for p in posts:
        links.update(p.links)
        links.update("#" + h.lower() for h in _HASHTAG.findall(p.text))
    return Development(
        dev_id,
        centroid,
        frozenset(n for n, c in counts.items() if c >= need),
        frozenset(links),
        frozenset(p.channel_id for p in posts),
        min(p.ts for p in posts),
        max(p.ts for p in posts),
        len(posts),
        story,
        frozenset(n for n, c in counts.items() if 2 * c >= len(posts)),
        tuple(names),
        when,
    )


@dataclass(frozen=True, slots=True)
class DevelopSettings:
    """Which pairs of developments belong to one story (benchmarks/bench_developing.py measures each)."""

    sem_floor: float = 0.8  # the embedder's cosine of unrelated texts (cluster.ClusterSettings.sem_floor)
    centroid_alone: float = 0.75  # rescaled centroid similarity that links on its own
    centroid_names: float = 0.6  # … that links with shared names of at least `names_share`
    names_share: float = 0.6
    # … and the shared names must weigh this much in themselves (IDF: a name in 5 % of the window's
    # developments weighs 3.0, one in all of them 0.7): "Москва" shared is no evidence, however small
    # the two developments' name sets
    names_weight: float = 3.0
    centroid_link: float = 0.4  # … that links with a shared link target or hashtag
    # … that links when every post of the smaller development names a rare core name of the other (off
    # unless set: the story stage sets it, pipeline.story_centroid_cover; storylines do not use it). Pairs
    # are found at the least of the other three (_candidates): keep it above centroid_link
    centroid_cover: float = math.inf
    max_gap_hours: float = 6.0  # developments further apart in time are never linked
    signals: frozenset[str] = frozenset({"centroid", "names", "links", "time", "when"})

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], sem_floor: float) -> DevelopSettings:
        return cls(
            sem_floor=sem_floor,
            centroid_alone=settings["pipeline.story_centroid"],
            centroid_names=settings["pipeline.story_centroid_names"],
            names_share=settings["pipeline.story_names_share"],
            centroid_link=settings["pipeline.story_centroid_link"],
            centroid_cover=settings["pipeline.story_centroid_cover"],
            max_gap_hours=settings["pipeline.story_gap_hours"],
        )

    @property
    def lowest(self) -> float:
        """The least centroid similarity any rule links at."""
        return min(self.centroid_alone, self.centroid_names, self.centroid_link, self.centroid_cover)


@dataclass(frozen=True, slots=True)
class DevLink:
    """Two developments judged parts of one story, and why."""

    a: int
    b: int
    centroid: float  # rescaled centroid similarity
    names: float  # weighted share of shared names
    shared: tuple[str, ...]  # the shared names, links and hashtags (at most a few), for the reader
    signals: tuple[str, ...]  # which rules joined them: "centroid", "names", "links"
    gap_hours: float


@dataclass(frozen=True, slots=True)
class Grouping:
    """The window's developments in stories: ``story_of`` every development id; the links made now; the
    stories merged now as ``(absorbed, into)``."""

    story_of: dict[int, int]
    links: tuple[DevLink, ...]
    merges: tuple[tuple[int, int], ...]


@dataclass(slots=True)
class _Sets:
    parent: dict[int, int] = field(default_factory=dict)

    def find(self, x: int) -> int:
        root = x
        while self.parent.setdefault(root, root) != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def name_weights(devs: Iterable[Development]) -> dict[str, float]:
    """IDF of each name over the developments: ``log(1 + n / df)``."""
    devs = list(devs)
    df: Counter[str] = Counter(n for d in devs for n in d.names)
    n = max(1, len(devs))
    return {name: math.log(1 + n / c) for name, c in df.items()}


def judge(
    a: Development, b: Development, idf: Mapping[str, float], settings: DevelopSettings
) -> DevLink | None:
    """The link between two developments, or None when they stay apart."""
    if a.centroid is None or b.centroid is None:
        return None
    gap = max(0.0, max(a.first, b.first) - min(a.last, b.last)) / 3600
    if "time" in settings.signals and gap > settings.max_gap_hours:
        return None
    cos = float(a.centroid @ b.centroid)
    sem = max(0.0, (cos - settings.sem_floor) / (1 - settings.sem_floor))
    if sem < settings.lowest:
        return None
    common = a.names & b.names
    share = 0.0
    weight = sum(idf.get(n, 1.0) for n in common)
    if common and weight >= settings.names_weight:
        smaller = min(sum(idf.get(n, 1.0) for n in a.names), sum(idf.get(n, 1.0) for n in b.names))
        share = weight / smaller if smaller else 0.0
    links = a.links & b.links
    covering = covered(a, b, idf, settings.names_weight) if sem >= settings.centroid_cover else frozenset()
    signals = []
    if sem >= settings.centroid_alone:
        signals.append("centroid")
    if "names" in settings.signals and (
        (sem >= settings.centroid_names and share >= settings.names_share) or covering
    ):
        signals.append("names")
        common = common | covering
    if "links" in settings.signals and sem >= settings.centroid_link and links:
        signals.append("links")
    if not signals:
        return None
    if "when" in settings.signals and signals == ["centroid"] and apart(a.when, b.when):
        return None  # events of different days: a close centroid alone does not join them
    shown = sorted(links)[:3] + sorted(common, key=lambda n: -idf.get(n, 1.0))[:5]
    lo, hi = (a.id, b.id) if a.id < b.id else (b.id, a.id)
    return DevLink(lo, hi, round(sem, 4), round(share, 4), tuple(shown), tuple(signals), round(gap, 2))


COVER_MIN_POSTS = 2  # a development of one post names a place in passing as often as its subject


def covered(a: Development, b: Development, idf: Mapping[str, float], weight: float) -> frozenset[str]:
    """The rare core names (IDF ≥ ``weight``) of the larger development that every post of the smaller
    one (of ``COVER_MIN_POSTS`` or more; either, when of one size) names; empty when some post names none."""
    found: set[str] = set()
    for small, large in ((a, b), (b, a)):
        if small.n_posts > large.n_posts or len(small.post_names) < COVER_MIN_POSTS:
            continue
        rare = {n for n in large.core if idf.get(n, 0.0) >= weight}
        if rare and all(ns & rare for ns in small.post_names):
            found.update(n for ns in small.post_names for n in ns & rare)
    return frozenset(found)


def _candidates(
    devs: Sequence[Development], touched: set[int], settings: DevelopSettings
) -> Iterable[tuple[Development, Development]]:
    """Each pair of a touched development and another (each pair once) whose centroids are close enough
    for some rule (:func:`svodka.pipeline.pairs.close_pairs`)."""
    return close_pairs(devs, touched, settings.sem_floor, settings.lowest)


def group(
    devs: Sequence[Development],
    touched: Iterable[int],
    settings: DevelopSettings,
    forced: Iterable[tuple[int, int]] = (),
    apart: KeepApart = NO_CONSTRAINTS,
) -> Grouping:
    """Stories of ``devs``: the stories they are in already, joined by the links from each ``touched``
    development (new, or with new posts) to every other; ``forced`` pairs (developments the clusterer
    merged) join their stories too, unless an analyst's correction keeps the two sides ``apart``
    (:mod:`svodka.pipeline.corrections`). Every component keeps its oldest story's id, else takes its
    oldest development's."""
    by_id = {d.id: d for d in devs}
    idf = name_weights(devs)
    sets = _Sets()
    for d in devs:
        sets.find(d.id)
        if d.story is not None:
            sets.union(d.id, -d.story - 1)  # stories as nodes of their own: members stay together
    touched_ids = {t for t in touched if t in by_id}
    links: list[DevLink] = []
    for d, other in _candidates(devs, touched_ids, settings):
        link = judge(d, other, idf, settings)
        if link is not None and apart.join(d.id, other.id):
            links.append(link)
            sets.union(d.id, other.id)
    for a, b in forced:
        if a in by_id and b in by_id and apart.join(a, b):
            sets.union(a, b)
    components: dict[int, list[Development]] = {}
    for d in devs:
        components.setdefault(sets.find(d.id), []).append(d)
    story_of: dict[int, int] = {}
    merges: list[tuple[int, int]] = []
    for members in components.values():
        olds = sorted({d.story for d in members if d.story is not None})
        sid = olds[0] if olds else min(d.id for d in members)
        merges.extend((s, sid) for s in olds[1:])
        for d in members:
            story_of[d.id] = sid
    return Grouping(story_of, tuple(links), tuple(merges))


class NatashaNames:
    """Names from natasha's offline Russian NER (PER, LOC, ORG spans; its models ship in its wheel), as
    stems of their words. Measured against :class:`CapitalisedNames` in benchmarks/bench_developing.py."""

    name = "natasha"

    def __init__(self) -> None:
        from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter

        self._doc, self._segmenter, self._tagger = Doc, Segmenter(), NewsNERTagger(NewsEmbedding())

    def names(self, texts: Sequence[str]) -> list[frozenset[str]]:
        out = []
        for text in texts:
            doc = self._doc(text[:1500])
            doc.segment(self._segmenter)
            doc.tag_ner(self._tagger)
            out.append(
                frozenset(s for span in doc.spans for w in span.text.split() if len(w) > 1 and (s := stem(w)))
            )
        return out

"""Storylines: stories that continue over days (a protest wave, an offensive, a court case) under one id.

:mod:`svodka.pipeline.developing` groups the developments of a window (at most ``story_gap_hours`` apart)
into stories. This stage picks up where that one stops: it links *stories* that are further apart than the
story stage reaches and at most ``max_gap_days`` apart, comparing whole stories summarised as developing
summarises a development (:func:`svodka.pipeline.developing.development`: the mean of the story's post
vectors, the names in two of its posts, its link targets and hashtags) and judging each pair with the same
conjunctive rules (:func:`svodka.pipeline.developing.judge`), at stricter thresholds: a close centroid
alone, a milder one backed by rare shared names (IDF over the stories at hand), or by a shared link or
hashtag. Precision first: two court cases or two drone attacks in two regions a day apart share a topic and
a vocabulary, rarely both a close centroid *and* the rare names.

Incremental and stable: only the stories a batch touched are compared, with each other and with the stored
stories of the days before; a storyline's id is its oldest story's id (the smallest: ids come from one
sequence); a late link merges two storylines under the older id. Each link keeps the signals that joined it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from svodka.pipeline.developing import (
    Development,
    DevelopSettings,
    DevLink,
    DevPost,
    development,
    judge,
    name_weights,
)
from svodka.pipeline.pairs import close_pairs
from svodka.pipeline.series import StoryTexts, beyond_template, series_of

# A story summarised for linking: the fields of a development (its ``story`` is the storyline it is in).
StorySummary = Development


CORE_SHARE = 0.1  # a name of a story counts when in this share of its posts (and two of them at least)


def summarise_story(
    story_id: int, posts: Sequence[DevPost], names: Sequence[frozenset[str]], storyline: int | None = None
) -> StorySummary:
    """A story of ``posts`` (``names[i]`` those of ``posts[i]``) summarised as a development is, but with
    only its *core* names: those in a tenth of its posts (two at least; a story of one or two posts keeps
    them all). A story of 70 posts names dozens of places and people in passing; compared with the next
    day's story of 3 posts, only what it keeps naming is the event."""
    counts: dict[str, int] = {}
    for ns in names:
        for n in ns:
            counts[n] = counts.get(n, 0) + 1
    need = max(2, -(-len(posts) * CORE_SHARE // 1)) if len(posts) > 2 else 1
    core = [frozenset(n for n in ns if counts[n] >= need) for ns in names]
    return development(story_id, posts, core, storyline)


@dataclass(frozen=True, slots=True)
class StorylineSettings:
    """Which stories of different days continue one another (benchmarks/bench_storylines.py reads them)."""

    sem_floor: float = 0.8
    centroid_alone: float = 0.85  # rescaled centroid similarity that links on its own
    centroid_names: float = 0.7  # … that links with shared names of at least `names_share`
    names_share: float = 0.5
    names_weight: float = 6.0  # the shared names' own IDF weight (two rare names, not "Москва")
    centroid_link: float = 0.6  # … that links with a shared link target or hashtag
    min_gap_hours: float = 6.0  # closer stories are the story stage's to join (pipeline.story_gap_hours)
    max_gap_days: float = 2.0  # stories further apart never join
    min_posts: int = 2  # a story of one post joins no storyline (too little to tell)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], sem_floor: float) -> StorylineSettings:
        return cls(
            sem_floor=sem_floor,
            centroid_alone=settings["storylines.centroid"],
            centroid_names=settings["storylines.centroid_names"],
            names_share=settings["storylines.names_share"],
            centroid_link=settings["storylines.centroid_link"],
            min_gap_hours=settings["pipeline.story_gap_hours"],
            max_gap_days=settings["storylines.max_gap_days"],
            min_posts=settings["storylines.min_posts"],
        )

    @property
    def rules(self) -> DevelopSettings:
        """The story stage's rules at this stage's thresholds and reach."""
        return DevelopSettings(
            sem_floor=self.sem_floor,
            centroid_alone=self.centroid_alone,
            centroid_names=self.centroid_names,
            names_share=self.names_share,
            names_weight=self.names_weight,
            centroid_link=self.centroid_link,
            max_gap_hours=self.max_gap_days * 24,
        )


@dataclass(frozen=True, slots=True)
class Lines:
    """The stories in storylines: ``line_of`` every story given; the links made now (``a``/``b`` story
    ids); the storylines merged now as ``(absorbed, into)``."""

    line_of: dict[int, int]
    links: tuple[DevLink, ...]
    merges: tuple[tuple[int, int], ...]


class _Sets:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

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


RARE_BEYOND = 3.0  # IDF of a name beyond a series' template that lets two of its instances join


def judge_stories(
    a: StorySummary,
    b: StorySummary,
    idf: Mapping[str, float],
    settings: StorylineSettings,
    texts: StoryTexts | None = None,
) -> DevLink | None:
    """The link between two stories of different days, or None when they stay apart. With ``texts`` (the
    stories' posts), two instances of one recurring series (:mod:`svodka.pipeline.series`: a channel
    posting one template on both days) stay apart unless they share a link or hashtag, or a rare name
    their templated posts do not say."""
    if min(a.n_posts, b.n_posts) < settings.min_posts:
        return None
    link = judge(a, b, idf, settings.rules)
    if link is None or link.gap_hours <= settings.min_gap_hours:
        return None
    if texts is None or "links" in link.signals:
        return link
    series = series_of(texts(a.id), texts(b.id))
    if series is None:
        return link
    beyond = [n for n in beyond_template(a.names & b.names, series) if idf.get(n, 1.0) >= RARE_BEYOND]
    return link if beyond else None


def _candidates(
    stories: Sequence[StorySummary], touched: set[int], settings: StorylineSettings
) -> Iterable[tuple[StorySummary, StorySummary]]:
    """Pairs of a touched story of ``min_posts`` posts or more and another (each pair once) close enough for
    some rule (:func:`svodka.pipeline.pairs.close_pairs`)."""
    big = [s for s in stories if s.n_posts >= settings.min_posts]
    lowest = min(settings.centroid_alone, settings.centroid_names, settings.centroid_link)
    return close_pairs(big, touched, settings.sem_floor, lowest)


def link_stories(
    stories: Sequence[StorySummary],
    touched: Iterable[int],
    settings: StorylineSettings,
    forced: Iterable[tuple[int, int]] = (),
    texts: StoryTexts | None = None,
) -> Lines:
    """Storylines of ``stories``: the storylines they are in already (``story``), joined by the links from
    each ``touched`` story (new, or with new posts) to every other; ``forced`` pairs of stories (one merged
    into the other by the story stage) join their storylines too; ``texts``, the posts of a story, keep the
    instances of a recurring series apart (:func:`judge_stories`). Every component keeps its oldest
    storyline's id, else takes its oldest story's."""
    by_id = {s.id: s for s in stories}
    idf = name_weights(stories)
    sets = _Sets()
    for s in stories:
        sets.find(s.id)
        if s.story is not None:
            sets.union(s.id, -s.story - 1)  # storylines as nodes of their own: members stay together
    links: list[DevLink] = []
    for a, b in _candidates(stories, {t for t in touched if t in by_id}, settings):
        link = judge_stories(a, b, idf, settings, texts)
        if link is not None:
            links.append(link)
            sets.union(a.id, b.id)
    for a_id, b_id in forced:
        if a_id in by_id and b_id in by_id:
            sets.union(a_id, b_id)
    components: dict[int, list[StorySummary]] = {}
    for s in stories:
        components.setdefault(sets.find(s.id), []).append(s)
    line_of: dict[int, int] = {}
    merges: list[tuple[int, int]] = []
    for members in components.values():
        olds = sorted({s.story for s in members if s.story is not None})
        lid = olds[0] if olds else min(s.id for s in members)
        merges.extend((old, lid) for old in olds[1:])
        for s in members:
            line_of[s.id] = lid
    return Lines(line_of, tuple(links), tuple(merges))


def why(link: DevLink) -> str:
    """A link's signals for the reader: «centroid+names: Алеппо, Хама · 1.2 d apart»."""
    text = "+".join(link.signals)
    if link.shared:
        text += ": " + ", ".join(link.shared)
    return f"{text} · {link.gap_hours / 24:.1f} d apart"


# --- digests: a story that continues a storyline the previous digest showed ---------------------------
@dataclass(frozen=True, slots=True)
class Continuation:
    """A story of a storyline that the previous digest showed through another of its stories."""

    storyline: int
    shown_last: datetime  # the latest post of the storyline the previous digest had


def continuation(
    story_id: int, line_of: Mapping[int, int], shown: Mapping[int, datetime]
) -> Continuation | None:
    """Whether story ``story_id`` continues a storyline that the previous digest showed with *another* story
    (``shown``: the previous digest's story ids and the latest post it had of each; ``line_of``: storyline
    of each story, a story in none being its own)."""
    line = line_of.get(story_id, story_id)
    lasts = [last for sid, last in shown.items() if sid != story_id and line_of.get(sid, sid) == line]
    if not lasts:
        return None
    return Continuation(line, max(lasts))


def new_developments(first_dates: Iterable[datetime], since: datetime) -> int:
    """How many developments (by the time of their first post) came after ``since``."""
    return sum(d > since for d in first_dates)

"""Story weight: a sum of named, explainable terms.

``score = Σ weight × term`` over:

* ``sources``     log2(1 + independent reports) — copies of one origin count once
  (:func:`svodka.pipeline.credibility.independent_units`);
* ``depth``       log2(original posts / independent reports): a source that keeps writing about a story
  (updates, reactions, follow-ups) says it is developing — the best single sign of a lead story on the
  three graded days (AUC 0.73–0.81 lead vs notable, against 0.65–0.73 for the count of channels);
* ``credibility`` the credibility of the most credible independent reporter, minus 0.5 (so a story only
  dubious channels carry loses weight and one a trusted channel reports gains); the best, not the mean: a
  weaker channel repeating a trusted one's report is no reason to believe the story less (with the mean, the
  agency's report alone outranked the same report corroborated by two tabloids);
* ``reach``       log2(1 + Σ views / the channel's median views) over original posts, where views exist;
* ``velocity``    log2(1 + the most channels that reported it within one ``velocity_hours`` window);
* ``recency``     2^(−age / half-life), age measured from the story's last post to the digest's end; given
  the digest's :class:`Period`, the half-life is ``period_half_life`` × the period's length (at least
  ``half_life_hours``), so a day digest does not punish the morning's lead and a 10-day digest is no
  last-day digest;
* ``importance``  what the desk leads with: topic weight, soft news, soft channels, tiers, boost / mute
  (:func:`svodka.pipeline.importance.importance`; the default desk is a federal news desk).

Importance is also a **prior on coverage**: ``sources``, ``depth``, ``reach`` and ``velocity`` count in full
for a story of importance ``prior_ref`` (1.0: a politics story with no soft words) or more, and in
proportion below it (at least ``prior_floor``), so a tabloid item or a curiosity that every channel
repeats (an asteroid over Yakutia, 14 channels) is not carried to the top by its breadth alone, while a
lead carried by two sources is not sunk by it.

Every term reads the story's *reports* (:func:`reports`): a channel's plug for its own podcast or video
episode stays in the story and its storyline (an analyst wants the coverage), but adds no depth, source,
reach or importance; a story of plugs only is ordered after every other.

:class:`StoryScore.explain` prints the terms, so a reader can see why a story is where it is.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from svodka.model import PROGRAMME, StoredPost, Story
from svodka.pipeline.coordination import coordinated_only, story_bursts
from svodka.pipeline.credibility import ChannelRecord, credibility, independent_units, networks_of
from svodka.pipeline.importance import ImportanceContext, importance


@dataclass(frozen=True, slots=True)
class RankWeights:
    sources: float = 1.0
    credibility: float = 1.0
    reach: float = 0.3
    velocity: float = 0.3
    recency: float = 0.5
    importance: float = 2.0
    depth: float = 1.5
    half_life_hours: float = 12.0
    velocity_hours: float = 3.0
    prior_ref: float = 1.0  # importance from which coverage counts in full (0: coverage never scaled)
    prior_floor: float = 0.2  # the least share of its coverage a story keeps
    period_half_life: float = 1.0  # with a Period: the recency half-life as a share of its length (0: fixed)


@dataclass(frozen=True, slots=True)
class Period:
    """The digest's period, ``[since, until)``: recency is measured from ``until``, against its length."""

    since: datetime
    until: datetime

    @property
    def hours(self) -> float:
        return max(0.0, (self.until - self.since).total_seconds() / 3600)


def half_life(weights: RankWeights, period: Period | None) -> float:
    """The recency half-life in hours: ``half_life_hours``, or that share of the period (if longer)."""
    if period is None or weights.period_half_life <= 0:
        return weights.half_life_hours
    return max(weights.half_life_hours, weights.period_half_life * period.hours)


@dataclass(frozen=True, slots=True)
class Term:
    name: str
    value: float
    weight: float
    note: str

    @property
    def contribution(self) -> float:
        return self.value * self.weight


@dataclass(frozen=True, slots=True)
class StoryScore:
    story_id: int
    score: float
    independent: int
    terms: tuple[Term, ...]

    def explain(self) -> str:
        parts = ", ".join(f"{t.name} {t.contribution:+.2f} ({t.note})" for t in self.terms)
        return f"{self.score:.2f} = {parts}"


def view_norms(posts: Iterable[StoredPost]) -> dict[int, float]:
    """Each channel's median views over ``posts`` (channels with no view counts are left out)."""
    seen: dict[int, list[int]] = defaultdict(list)
    for p in posts:
        if p.views:
            seen[p.channel_id].append(p.views)
    return {cid: float(statistics.median(v)) for cid, v in seen.items() if v}


def peak_spread(story: Story, window: timedelta) -> int:
    """The most channels that posted the story within one ``window`` (a sliding window over its posts)."""
    members = sorted(story.members, key=lambda m: m.post.date)
    best, lo = 0, 0
    inside: dict[int, int] = defaultdict(int)
    for m in members:
        inside[m.post.channel_id] += 1
        while members[lo].post.date < m.post.date - window:
            cid = members[lo].post.channel_id
            inside[cid] -= 1
            if not inside[cid]:
                del inside[cid]
            lo += 1
        best = max(best, len(inside))
    return best


def reports(story: Story) -> Story | None:
    """The story as its reports make it: without the channels' plugs for their own episodes (members of
    kind :data:`~svodka.model.PROGRAMME`, as the ads stage stored it: :func:`svodka.pipeline.ads.post_kind`),
    which stay in the story (full coverage) but carry no rank; None for a story of plugs only."""
    members = tuple(m for m in story.members if m.kind != PROGRAMME)
    if len(members) == len(story.members):
        return story
    if not members:
        return None
    return replace(story, members=members, first_date=members[0].post.date, last_date=members[-1].post.date)


def score_story(
    story: Story,
    now: datetime | Period,
    records: Mapping[int, ChannelRecord] | None = None,
    norms: Mapping[int, float] | None = None,
    weights: RankWeights | None = None,
    tiers: Mapping[int, int] | None = None,
    context: ImportanceContext | None = None,
) -> StoryScore:
    story = reports(story) or story  # a story of plugs only keeps its score and goes last (:func:`ordered`)
    w = weights or RankWeights()
    period = now if isinstance(now, Period) else None
    end = now.until if isinstance(now, Period) else now
    hl = half_life(w, period)
    records = records or {}
    norms = norms or {}
    tiers = tiers or {}
    ctx = context or ImportanceContext(tiers=tiers)
    nets = networks_of(records)
    units = independent_units(story, nets)  # a channel network is one source
    seeded = "".join(f"; {b.explain()}" for b in story_bursts(story, nets))  # shown with its evidence
    n = max(1, len(units))
    originals = len(story.originals) or len(story.members)
    reporters = set(units.values())
    cred = max((credibility(records.get(c), tiers.get(c, 0)) for c in reporters), default=0.5)
    reach_sum, with_views = 0.0, 0
    for m in story.originals:
        norm = norms.get(m.post.channel_id)
        if m.post.views and norm:
            reach_sum += m.post.views / norm
            with_views += 1
    peak = peak_spread(story, timedelta(hours=w.velocity_hours))
    age_h = max(0.0, (end - story.last_date).total_seconds() / 3600)
    value, note = importance(story, ctx)
    cover = min(1.0, max(w.prior_floor, value / w.prior_ref)) if w.prior_ref > 0 else 1.0
    if cover < 1.0:
        note += f"; coverage ×{cover:.2f}"
    terms = (
        Term("sources", math.log2(1 + n), w.sources * cover, f"{n} independent{seeded}"),
        Term("depth", math.log2(max(1.0, originals / n)), w.depth * cover, f"{originals} posts"),
        Term("credibility", cred - 0.5, w.credibility, f"best {cred:.2f}"),
        Term(
            "reach",
            math.log2(1 + reach_sum),
            w.reach * cover,
            f"{reach_sum:.1f}× norm over {with_views} posts" if with_views else "no views",
        ),
        Term("velocity", math.log2(1 + peak), w.velocity * cover, f"{peak} ch within {w.velocity_hours:g} h"),
        Term("recency", 2 ** (-age_h / hl), w.recency, f"{age_h:.1f} h old"),
        Term("importance", value, w.importance, note),
    )
    return StoryScore(story.id, round(sum(t.contribution for t in terms), 4), n, terms)


def rank(
    stories: Sequence[Story],
    now: datetime | Period,
    records: Mapping[int, ChannelRecord] | None = None,
    norms: Mapping[int, float] | None = None,
    weights: RankWeights | None = None,
    tiers: Mapping[int, int] | None = None,
    context: ImportanceContext | None = None,
) -> list[tuple[Story, StoryScore]]:
    """Stories with their scores, best first (ties: more posts, then earlier first post). ``now``: the
    digest's end, or its :class:`Period` (recency then measured against the period's length)."""
    scored = [(s, score_story(s, now, records, norms, weights, tiers, context)) for s in stories]
    return ordered(scored, records)


def ordered(
    scored: Iterable[tuple[Story, StoryScore]], records: Mapping[int, ChannelRecord] | None = None
) -> list[tuple[Story, StoryScore]]:
    """Scored stories best first, as :func:`rank` orders them."""
    nets = networks_of(records or {})  # a story only a seeding campaign carries goes after the rest
    out = list(scored)
    seeded = {s.id for s, _ in out if coordinated_only(s, nets)}
    plugs = {s.id for s, _ in out if s.members and all(m.kind == PROGRAMME for m in s.members)}  # last
    out.sort(
        key=lambda p: (
            p[0].id in plugs,
            p[0].id in seeded,
            -p[1].score,
            -len(p[0].members),
            p[0].first_date,
            p[0].id,
        )
    )
    return out

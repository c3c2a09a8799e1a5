"""Coverage by channel group (issue 16 §3): which of the user's groups carry a story and who in each was
first; the stories one group alone carries (a blindspot of the others); and groups to suggest from
co-coverage — channels that keep covering the same stories.

Pure functions over a story's members and the channels (their ``groups``); the digest cards, the story
page and the stories browser's "covered by A but not B" all read coverage through :func:`coverage`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from svodka.model import Channel, StoryMember

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GroupCoverage:
    """One group's part in a story: its channels that carry it and the first of them, with when."""

    group: str
    channels: tuple[str, ...]  # the group's channels in the story, in order of their first post
    posts: int
    first_channel: str
    first_date: datetime
    first_post_id: int
    first_url: str | None


def coverage(members: Iterable[StoryMember], channels: Mapping[int, Channel]) -> tuple[GroupCoverage, ...]:
    """The groups that carry a story, the earliest first; a channel in several groups counts in each,
    a channel in none (or unknown) in none."""
    by_group: dict[str, list[StoryMember]] = defaultdict(list)
    for m in sorted(members, key=lambda m: (m.post.date, m.post.id)):
        ch = channels.get(m.post.channel_id)
        for g in dict.fromkeys(ch.groups if ch else ()):
            by_group[g].append(m)
    out = []
    for g, ms in by_group.items():
        first = ms[0]
        out.append(
            GroupCoverage(
                group=g,
                channels=tuple(dict.fromkeys(m.post.channel for m in ms)),
                posts=len(ms),
                first_channel=first.post.channel,
                first_date=first.post.date,
                first_post_id=first.post.id,
                first_url=first.post.url,
            )
        )
    out.sort(key=lambda c: (c.first_date, c.first_post_id, c.group))
    return tuple(out)


def group_names(channels: Iterable[Channel]) -> tuple[str, ...]:
    """Every group some channel is in, sorted."""
    return tuple(sorted({g for c in channels for g in c.groups}))


def sole_group(cov: Sequence[GroupCoverage]) -> str | None:
    """The one group that carries a story when no other does (its blindspot for the rest), else None."""
    return cov[0].group if len(cov) == 1 else None


def covered_but_not(cov: Sequence[GroupCoverage], group: str | None, not_group: str | None) -> bool:
    """The stories browser's filter: carried by ``group`` (any story when None) and not by ``not_group``."""
    names = {c.group for c in cov}
    return (group is None or group in names) and (not_group is None or not_group not in names)


# --- suggested groups -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SuggestOptions:
    min_stories: int = 5  # a channel in fewer shared stories (2+ channels) is not placed
    min_jaccard: float = 0.25  # mean co-coverage two clusters need to merge (average linkage)
    min_size: int = 2


@dataclass(frozen=True, slots=True)
class SuggestedGroup:
    """Channels that keep covering the same stories: a group for the user to name and accept."""

    channel_ids: tuple[int, ...]
    cohesion: float  # mean Jaccard of the members' story sets, over their pairs
    shared: int  # stories carried by at least two of them
    stories: int  # stories any of them carried


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def suggest_groups(
    story_channels: Iterable[Iterable[int]], options: SuggestOptions | None = None
) -> list[SuggestedGroup]:
    """Clusters of channels by co-coverage: each channel's set of stories (those two or more channels
    carry), the Jaccard of each pair, merged by average linkage while the mean is ``min_jaccard`` or more.
    Best-knit first; channels that join no one are left out."""
    opt = options or SuggestOptions()
    sets: dict[int, set[int]] = defaultdict(set)
    for sid, chans in enumerate(story_channels):
        cs = set(chans)
        if len(cs) >= 2:
            for c in cs:
                sets[c].add(sid)
    stories = {c: frozenset(s) for c, s in sets.items() if len(s) >= opt.min_stories}
    ids = sorted(stories)
    sim: dict[tuple[int, int], float] = {}
    for a, b in combinations(ids, 2):
        j = jaccard(stories[a], stories[b])
        if j > 0:
            sim[(a, b)] = j
    # Average linkage, the cluster-to-cluster means kept up to date (Lance–Williams) as clusters merge.
    clusters: dict[int, tuple[int, ...]] = {c: (c,) for c in ids}
    link: dict[int, dict[int, float]] = defaultdict(dict)
    for (a, b), j in sim.items():
        link[a][b] = link[b][a] = j
    while True:
        best, pair = 0.0, None
        for x, row in link.items():
            for y, v in row.items():
                if x < y and v > best:
                    best, pair = v, (x, y)
        if pair is None or best < opt.min_jaccard:
            break
        x, y = pair
        nx, ny = len(clusters[x]), len(clusters[y])
        clusters[x] = tuple(sorted(clusters[x] + clusters.pop(y)))
        row_y = link.pop(y)
        row_x = link[x]
        for k in set(row_x) | set(row_y):
            if k in (x, y):
                continue
            v = (nx * row_x.get(k, 0.0) + ny * row_y.get(k, 0.0)) / (nx + ny)
            link[k].pop(y, None)
            row_x[k] = link[k][x] = v
        row_x.pop(y, None)
    out = []
    for cl in clusters.values():
        if len(cl) < opt.min_size:
            continue
        pairs = list(combinations(cl, 2))
        cohesion = sum(sim.get(p, 0.0) for p in pairs) / len(pairs)
        count: dict[int, int] = defaultdict(int)
        for c in cl:
            for s in stories[c]:
                count[s] += 1
        out.append(
            SuggestedGroup(
                channel_ids=cl,
                cohesion=round(cohesion, 4),
                shared=sum(n >= 2 for n in count.values()),
                stories=len(count),
            )
        )
    out.sort(key=lambda g: (-g.cohesion, -len(g.channel_ids), g.channel_ids))
    log.info("suggested %d groups from %d channels", len(out), len(ids))
    return out

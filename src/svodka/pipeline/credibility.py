"""Channel credibility: the user's tier plus a record learned from the stories, never a black box.

For each channel, over a history of stories:

* **corroborated** — of the stories it reported (with a post of its own, not a copy), how many were also
  confirmed by at least one *other independent* source at or after its own report (:func:`confirmed`;
  repeating what others said earlier confirms nothing): copies count once with their origin, and posts
  of different channels within the same minute (a network cross-posting) count once together, so a
  network that only repeats itself raises nothing;
* **first** — in how many multi-channel stories its post was the earliest;
* **copies** — what share of its posts copy another post (forward or near-duplicate).

The score is a weighted mean of the tier's prior and the corroboration rate, the latter smoothed towards
the prior (``prior_strength`` pseudo-stories) so a channel seen in two stories is not judged by them; a
channel that mostly copies loses a little (``copy_penalty`` × copy share) and one that often breaks shared
stories gains a little (``first_bonus`` × smoothed share first). :meth:`ChannelRecord.explain` says all of
it in one line.

A channel network (:mod:`svodka.pipeline.networks`: channels run as one outlet) is one source throughout:
``networks`` (channel id → network id) joins its channels' reports into one unit, so it neither counts
twice in a story nor corroborates itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

from svodka.model import Channel, Story

# Tier 1 (most trusted) … 5 (least); 0 is "not rated". Priors are deliberately mild: the record decides.
TIER_PRIOR: dict[int, float] = {0: 0.6, 1: 0.95, 2: 0.85, 3: 0.7, 4: 0.5, 5: 0.3}


@dataclass(frozen=True, slots=True)
class CredibilityOptions:
    tier_weight: float = 0.5  # share of the tier prior in the final score; the rest is the record
    prior_strength: float = 5.0  # pseudo-stories pulling a short record towards the tier prior
    copy_penalty: float = 0.2  # subtracted × share of posts that are copies
    first_bonus: float = 0.1  # added × share of shared stories it broke (smoothed like corroboration)


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    channel_id: int
    name: str
    tier: int
    posts: int
    stories: int  # stories with an original post of this channel
    corroborated: int
    first: int
    multi: int  # stories with more than one independent channel where this channel took part
    copies: int
    score: float
    network: int | None = None  # the network the channel belongs to (svodka.pipeline.networks)

    @property
    def corroboration_rate(self) -> float:
        return self.corroborated / self.stories if self.stories else 0.0

    @property
    def copy_rate(self) -> float:
        return self.copies / self.posts if self.posts else 0.0

    def explain(self) -> str:
        tier = f"tier {self.tier}" if self.tier else "no tier"
        return (
            f"{self.name}: {self.score:.2f} — {tier} (prior {TIER_PRIOR.get(self.tier, 0.6):.2f}); "
            f"corroborated by other channels in {self.corroborated} of {self.stories} stories; "
            f"first in {self.first} of {self.multi} shared stories; "
            f"{self.copies} of {self.posts} posts are copies"
        )


Networks = Mapping[int, int]  # channel id -> network id, for the networks that count as one source


def outlet(channel_id: int, networks: Networks | None) -> tuple[str, int]:
    """The unit a channel reports as: its network, else itself."""
    if networks and channel_id in networks:
        return ("network", networks[channel_id])
    return ("channel", channel_id)


def networks_of(records: Mapping[int, ChannelRecord]) -> dict[int, int]:
    """The networks the records know of: channel id -> network id."""
    return {c: r.network for c, r in records.items() if r.network is not None}


def independent_units(story: Story, networks: Networks | None = None) -> dict[object, int]:
    """Independent reports of ``story``: unit → channel id.

    A channel's original posts are one unit (a network's channels' originals: one unit together); a copy
    whose origin is outside the story is one unit per origin (the origin may be a channel we do not
    follow); copies of posts inside the story add nothing.
    """
    ids = {m.post.id for m in story.members}
    units: dict[object, int] = {}
    for m in story.members:
        if not m.is_copy:
            units.setdefault(outlet(m.post.channel_id, networks), m.post.channel_id)
        elif m.origin_post_id not in ids:
            units.setdefault(("origin", m.origin_post_id), m.post.channel_id)
    return units


CROSS_POST_SECONDS = 60.0  # originals of different channels this close together are one cross-post


def independent_sources(story: Story, networks: Networks | None = None) -> list[frozenset[int]]:
    """The story's independent sources, each as the set of channels behind it.

    A copy joins its origin's source (or, with the origin outside the story, one source per origin, put
    down to the copying channel); an
    original posted within :data:`CROSS_POST_SECONDS` of another channel's original joins that one's
    source, so a network's same-minute cross-posts are one source; and the channels of one network
    (``networks``) are one source whenever they post.
    """
    parent: dict[object, object] = {}

    def find(x: object) -> object:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    def union(a: object, b: object) -> None:
        parent[find(a)] = find(b)

    ids = {m.post.id for m in story.members}
    originals = sorted((m for m in story.members if not m.is_copy), key=lambda m: m.post.date)
    for m in story.members:
        node = ("post", m.post.id)
        find(node)
        if m.is_copy:
            union(
                node, ("post", m.origin_post_id) if m.origin_post_id in ids else ("origin", m.origin_post_id)
            )
        else:
            union(node, outlet(m.post.channel_id, networks))
    for a, b in pairwise(originals):
        gap = (b.post.date - a.post.date).total_seconds()
        if gap <= CROSS_POST_SECONDS and a.post.channel_id != b.post.channel_id:
            union(("post", a.post.id), ("post", b.post.id))
    groups: dict[object, set[int]] = {}
    for m in story.members:  # a source's channels: who wrote it (a copy of an outside origin: its copier)
        group = groups.setdefault(find(("post", m.post.id)), set())
        if not m.is_copy or m.origin_post_id not in ids:
            group.add(m.post.channel_id)
    return [frozenset(g) for g in groups.values()]


def confirmed(story: Story, channel_id: int, sources: list[frozenset[int]] | None = None) -> bool:
    """Whether another independent source reported ``story`` at or after ``channel_id``'s first original
    post: a confirmation of what the channel said, not the report it may have repeated."""
    own = [m.post.date for m in story.members if m.post.channel_id == channel_id and not m.is_copy]
    if not own:
        return False
    start = min(own)
    sources = independent_sources(story) if sources is None else sources
    others = {c for src in sources if channel_id not in src for c in src}
    return any(m.post.channel_id in others and m.post.date >= start for m in story.members)


def learn_records(
    stories: Iterable[Story],
    channels: Mapping[int, Channel] | None = None,
    options: CredibilityOptions | None = None,
    networks: Networks | None = None,
) -> dict[int, ChannelRecord]:
    """Each channel's record over ``stories`` (a history: the longer, the better); with ``networks``, a
    network's channels are one source (a network corroborating itself is no corroboration), and each
    record names its channel's network (:func:`networks_of` gives them back to the ranking)."""
    opt = options or CredibilityOptions()
    channels = channels or {}
    posts: dict[int, int] = defaultdict(int)
    copies: dict[int, int] = defaultdict(int)
    reported: dict[int, int] = defaultdict(int)
    corroborated: dict[int, int] = defaultdict(int)
    first: dict[int, int] = defaultdict(int)
    multi: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    for story in stories:
        for m in story.members:
            posts[m.post.channel_id] += 1
            copies[m.post.channel_id] += m.is_copy
            names.setdefault(m.post.channel_id, m.post.channel)
        originals = [m for m in story.members if not m.is_copy]
        own = {m.post.channel_id for m in originals}
        sources = independent_sources(story, networks)
        for cid in own:
            reported[cid] += 1
            if confirmed(story, cid, sources):
                corroborated[cid] += 1
        if len({m.post.channel_id for m in story.members}) > 1:
            for cid in {m.post.channel_id for m in story.members}:
                multi[cid] += 1
            earliest = min(story.members, key=lambda m: (m.post.date, m.post.id))
            first[earliest.post.channel_id] += 1
    out: dict[int, ChannelRecord] = {}
    for cid in set(posts) | set(channels):
        ch = channels.get(cid)
        tier = ch.tier if ch else 0
        prior = TIER_PRIOR.get(tier, TIER_PRIOR[0])
        n = reported.get(cid, 0)
        learned = (corroborated.get(cid, 0) + opt.prior_strength * prior) / (n + opt.prior_strength)
        copy_rate = copies.get(cid, 0) / posts[cid] if posts.get(cid) else 0.0
        first_rate = first.get(cid, 0) / (multi.get(cid, 0) + opt.prior_strength)
        score = (
            opt.tier_weight * prior
            + (1 - opt.tier_weight) * learned
            - opt.copy_penalty * copy_rate
            + opt.first_bonus * first_rate
        )
        out[cid] = ChannelRecord(
            channel_id=cid,
            name=ch.display_name if ch else names.get(cid, f"#{cid}"),
            tier=tier,
            posts=posts.get(cid, 0),
            stories=n,
            corroborated=corroborated.get(cid, 0),
            first=first.get(cid, 0),
            multi=multi.get(cid, 0),
            copies=copies.get(cid, 0),
            score=round(min(1.0, max(0.0, score)), 4),
            network=networks.get(cid) if networks else None,
        )
    return out


def credibility(record: ChannelRecord | None, tier: int = 0) -> float:
    """A channel's score, or its tier's prior when nothing is known of it yet."""
    return record.score if record is not None else TIER_PRIOR.get(tier, TIER_PRIOR[0])

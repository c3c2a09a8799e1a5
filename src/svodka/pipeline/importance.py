"""Importance: what a news desk would lead with, as one named term of the story score.

The term is a sum of parts, each from a signal that holds on any day:

* **topic** — the desk profile's weight of the story's topic (:mod:`svodka.pipeline.story_topics`), the
  topic its digest card shows (all its posts and its headline vote); the default profile is a federal news
  desk: politics and war first, then the economy, then the rest;
* **state acts** — a story most of whose posts report an act of the state (a law signed or passed, a
  decree, a penalty or ban introduced: :func:`state_act_share`) weighs at least as much as politics, whatever
  it regulates: the budget law filed under economy and the data-leak law under technology are the state
  legislating (a federal desk leads with both);
* **softness** — minus ``soft_penalty`` × the story's soft-news score, plus ``hard_bonus`` × its hard-news
  score (:mod:`svodka.pipeline.softness`);
* **soft channels** — minus ``soft_channel_penalty`` × the share of its channels that write soft news
  (each channel judged by the mean softness of its own posts, not by its name);
* **tiers** — plus ``tier_bonus`` when a channel of tier 1–2 reports it, minus ``tier_bonus`` when only
  channels of tier 4–5 do: corroboration by a trusted channel, not a share (as a share, every tabloid that
  repeated the agency's report sank the story below the agency's own one-post items);
* **boost / mute** — plus ``boost`` × the share of its channels the desk boosts, minus ``mute`` × the
  share it mutes (a channel by name, handle or title, or a whole group as ``group:NAME``).

:func:`importance` returns the value and a short note the digest prints beside the other terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from svodka.errors import ConfigError
from svodka.model import Channel, StoredPost, Story
from svodka.pipeline.softness import channel_softness, soft_channels, story_softness
from svodka.pipeline.story_topics import TOPICS, classify
from svodka.pipeline.summarize import summarize
from svodka.pipeline.topic_model import StoryVector

FEDERAL_DESK: dict[str, float] = {
    "politics": 1.0,
    "war and security": 1.0,
    "economy": 0.8,
    "incidents": 0.3,
    "society": 0.3,
    "science": 0.3,
    "technology": 0.2,
    "culture": 0.0,
    "sport": 0.0,
    "other": 0.0,
}


@dataclass(frozen=True, slots=True)
class DeskProfile:
    """What a desk leads with: topic weights and the channels or groups it boosts or mutes."""

    topic_weights: Mapping[str, float] = field(default_factory=lambda: dict(FEDERAL_DESK))
    boost: tuple[str, ...] = ()  # channel names / handles / titles, or "group:NAME"
    mute: tuple[str, ...] = ()
    soft_penalty: float = 2.0
    hard_bonus: float = 1.0
    soft_channel_penalty: float = 0.5
    tier_bonus: float = 0.5
    boost_bonus: float = 1.0
    mute_penalty: float = 5.0  # a story carried by muted channels only sinks below the rest
    soft_channel_threshold: float = 0.12  # mean post softness from which a channel counts as soft
    state_act_share: float = 0.5  # share of posts reporting a state act from which politics' weight holds


def parse_topic_weights(items: Sequence[str]) -> dict[str, float]:
    """``["politics=1", "sport=0.5"]`` over the federal desk's weights; a clear error for a bad item."""
    out = dict(FEDERAL_DESK)
    for item in items:
        topic, sep, value = item.partition("=")
        topic = topic.strip()
        if not sep or topic not in TOPICS:
            raise ConfigError(f"digest.topic_weights: {item!r} is not TOPIC=WEIGHT with a topic of {TOPICS}")
        try:
            out[topic] = float(value)
        except ValueError:
            raise ConfigError(f"digest.topic_weights: {item!r}: the weight is not a number") from None
    return out


def desk_profile(settings: Mapping[str, Any]) -> DeskProfile:
    """The desk profile of the ``digest.topic_weights`` / ``digest.boost`` / ``digest.mute`` settings."""
    return DeskProfile(
        topic_weights=parse_topic_weights(settings["digest.topic_weights"]),
        boost=tuple(settings["digest.boost"]),
        mute=tuple(settings["digest.mute"]),
    )


@dataclass(frozen=True, slots=True)
class ImportanceContext:
    """What :func:`importance` knows of the channels: the desk, who writes soft news, tiers, names."""

    desk: DeskProfile = field(default_factory=DeskProfile)
    soft: frozenset[int] = frozenset()  # channels whose posts are mostly soft news
    tiers: Mapping[int, int] = field(default_factory=dict)
    keys: Mapping[int, frozenset[str]] = field(default_factory=dict)  # names a channel answers to
    vectors: Mapping[int, StoryVector] = field(default_factory=dict)  # story id -> mean post vector (topic)


def _keys(ch: Channel) -> frozenset[str]:
    names = {n.lower() for n in (ch.handle, ch.title, ch.name) if n}
    names |= {"@" + ch.handle.lower().lstrip("@")} if ch.handle else set()
    return frozenset(names | {f"group:{g.lower()}" for g in ch.groups})


def importance_context(
    desk: DeskProfile, channels: Mapping[int, Channel], posts: Iterable[StoredPost]
) -> ImportanceContext:
    """The context for ranking: soft channels learned from ``posts`` (a history), tiers and names."""
    posts = list(posts)
    soft = soft_channels(channel_softness(posts), desk.soft_channel_threshold)
    keys = {cid: _keys(c) for cid, c in channels.items()}
    for p in posts:  # channels of a story list without Channel records still answer to their name
        keys.setdefault(p.channel_id, frozenset({p.channel.lower()}))
    return ImportanceContext(desk, soft, {cid: c.tier for cid, c in channels.items()}, keys)


_STATE_ACT = re.compile(
    r"\b(?:законопроект\w*|закон(?:ы|а|ом|ов|у)?|указ(?:ом|а)?|постановлени\w+|госдум\w*|совфед\w*"
    r"|(?:ввел|ввела|ввели|введут|вводит\w*|вводят|ужесточ\w+|отмени\w+)\s+(?:[а-яё]+\s+){0,2}"
    r"(?:уголовн|ответственност|наказани|запрет|штраф|пошлин|налог)\w*)",
    re.IGNORECASE,
)


def state_act_share(story: Story) -> float:
    """The share of the story's original posts (the first 20) that report an act of the state: a law or
    bill, a decree or resolution, the Duma or the Federation Council, a penalty, ban, duty or tax brought
    in."""
    members = (story.originals or story.members)[:20]
    return sum(bool(_STATE_ACT.search(m.post.text)) for m in members) / len(members) if members else 0.0


def _share(cids: set[int], pick: Iterable[int]) -> float:
    return len(cids & set(pick)) / len(cids) if cids else 0.0


def story_topic(story: Story, tiers: Mapping[int, int], vector: StoryVector | None = None) -> str:
    """The story's topic as its digest card names it: from all its posts and the headline the card shows
    (without the headline's vote, 17 of stories_dev's 147 gold stories were ranked under another topic than
    their card named, 5 of them as "other", which a federal desk weighs 0). The headline is only made where
    its one vote could change the topic of the posts."""
    guess = classify(story, vector=vector)
    if guess.settled(1.0):
        return guess.topic
    return classify(story, summarize(story, tiers=tiers).headline.text, vector=vector).topic


def importance(story: Story, ctx: ImportanceContext) -> tuple[float, str]:
    """The story's importance for the desk, and a note saying why."""
    desk = ctx.desk
    topic = story_topic(story, ctx.tiers, ctx.vectors.get(story.id))
    weight = desk.topic_weights.get(topic, 0.0)
    acts = state_act_share(story)
    state = acts >= desk.state_act_share and weight < desk.topic_weights.get("politics", 0.0)
    if state:  # the state legislating weighs as politics, whatever it regulates
        weight = desk.topic_weights.get("politics", 0.0)
    soft, hard = story_softness(story)
    cids = {m.post.channel_id for m in story.members}
    soft_share = _share(cids, ctx.soft)
    tiered = [ctx.tiers.get(c, 0) for c in cids]
    high = any(1 <= t <= 2 for t in tiered)  # a trusted channel reports it
    low = bool(tiered) and all(t >= 4 for t in tiered)  # only doubted ones do (an unset tier is no doubt)
    boost = {k.lower() for k in desk.boost}
    mute = {k.lower() for k in desk.mute}
    boosted = _share(cids, (c for c in cids if ctx.keys.get(c, frozenset()) & boost))
    muted = _share(cids, (c for c in cids if ctx.keys.get(c, frozenset()) & mute))
    value = (
        weight
        - desk.soft_penalty * soft
        + desk.hard_bonus * hard
        - desk.soft_channel_penalty * soft_share
        + desk.tier_bonus * (high - low)
        + desk.boost_bonus * boosted
        - desk.mute_penalty * muted
    )
    note = f"{topic}, soft {soft:.2f}, hard {hard:.2f}, {soft_share:.0%} soft channels"
    if state:
        note += f", a state act in {acts:.0%} of posts: weighed as politics"
    if high:
        note += ", a tier 1–2 source"
    if low:
        note += ", tier 4–5 sources only"
    if boosted or muted:
        note += f", boosted {boosted:.0%} / muted {muted:.0%}"
    return value, note

"""What `svodka story ID` prints below a story's posts: its credibility evidence, as the story page shows it.

Coverage by channel group (who in each group was first), a coordinated-posting flag with its seeded posts, and
how the sources differ (network-aware: a channel network is one source), each difference with its quotes.
"""

from __future__ import annotations

from datetime import datetime

from svodka.digest.schema import zone
from svodka.errors import NotFoundError
from svodka.model import Channel, Story
from svodka.pipeline.coordination import coordination
from svodka.pipeline.coverage import coverage
from svodka.pipeline.differences import differences, natasha_entities
from svodka.pipeline.networks import membership
from svodka.store import Store


def evidence_lines(store: Store, story: Story, tz: str) -> list[str]:
    """The lines for ``story``; none when it has no groups, no campaign and no differences."""
    chans: dict[int, Channel] = {}
    for cid in story.channels:
        try:
            chans[cid] = store.channels.by_id(cid)
        except NotFoundError:
            continue
    lines: list[str] = []
    groups = coverage(story.members, chans)
    if groups:
        parts = [
            f"{g.group} {len(g.channels)} (first {g.first_channel}, {_hm(g.first_date, tz)})" for g in groups
        ]
        lines.append("groups: " + " · ".join(parts))
    nets = membership(store.networks.list())
    if (co := coordination(story, nets)) is not None:
        lines.append(f"⚠ {co.line()}")
        lines += [f"    #{p.post_id} {p.channel} {_hm(p.date, tz)}" for p in co.posts]
    found = differences(story, nets, names=natasha_entities())
    if found:
        lines.append("how sources differ:")
    for d in found:
        lines.append(f"  ≠ {d.line()}")
        lines += [f"      «{q.sentence}» — {q.channel} #{q.post_id}" for q in d.quotes]
    return lines


def _hm(value: datetime, tz: str) -> str:
    return f"{value.astimezone(zone(tz)):%m-%d %H:%M}"

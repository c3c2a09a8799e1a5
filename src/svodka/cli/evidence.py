"""What `svodka story ID` prints below a story's posts: its credibility evidence, as the story page shows it.

Coverage by channel group (who in each group was first), a coordinated-posting flag with its seeded posts, and
how the sources differ (network-aware: a channel network is one source), each difference with its quotes. The
record is the story page's (:func:`svodka.digest.evidence.story_evidence`), its words the digest's
(:mod:`svodka.digest.voice`, in English as the rest of the command's output).
"""

from __future__ import annotations

from datetime import datetime

from svodka.digest.evidence import Evidence, story_evidence
from svodka.digest.schema import zone
from svodka.digest.voice import DIFFERENCES, Voice, coordinated_line, coverage_line, difference_line
from svodka.model import Story
from svodka.store import Store


def evidence_lines(store: Store, story: Story, tz: str) -> list[str]:
    """The lines for ``story``; none when it has no groups, no campaign and no differences."""
    return said(story_evidence(store, story), tz)


def said(ev: Evidence, tz: str) -> list[str]:
    """The lines of ``ev``, times as the command lists the posts («12-01 09:15», in ``tz``)."""
    v = Voice("en", tz)

    def hm(value: datetime) -> str:
        return f"{value.astimezone(zone(tz)):%m-%d %H:%M}"

    lines = [line] if (line := coverage_line(ev.groups, hm, v)) else []
    if (co := ev.coordinated) is not None:
        lines.append(f"⚠ {coordinated_line(co, v)}")
        lines += [f"    #{p.post_id} {p.channel} {hm(p.date)}" for p in co.posts]
    if ev.differences:
        lines.append(f"{v._(DIFFERENCES)}:")
    for d in ev.differences:
        lines.append(f"  ≠ {difference_line(d, v)}")
        lines += [f"      «{q.sentence}» — {q.channel} #{q.post_id}" for q in d.quotes]
    return lines

"""Posts and stories built in memory for the summary, headline and quote tests (no store): one builder
each, the start time a parameter (each test file keeps its own day)."""

from __future__ import annotations

from datetime import datetime, timedelta

from svodka.model import StoredPost, Story, StoryMember
from svodka.pipeline.ads import post_kind
from svodka.pipeline.normalize import normalize


def post(pid: int, text: str, channel: int = 1, minutes: int = 0, *, start: datetime) -> StoredPost:
    """Post ``pid`` of channel ``ch<channel>`` (a public link, ``t.me/ch<channel>/<pid>``), ``minutes``
    after ``start``."""
    return StoredPost(
        id=pid,
        channel_id=channel,
        channel=f"ch{channel}",
        message_id=pid,
        date=start + timedelta(minutes=minutes),
        text=text,
        url=f"https://t.me/ch{channel}/{pid}",
    )


def story(*posts: StoredPost, sid: int = 1) -> Story:
    """Story ``sid`` of ``posts``, in date order, each member of the kind the ads stage stores for it."""
    ordered = sorted(posts, key=lambda p: p.date)
    members = tuple(StoryMember(p, kind=post_kind(normalize(p.text))) for p in ordered)
    return Story(sid, members, members[0].post.date, members[-1].post.date)

"""A story's provenance: who published first, who copied whom (forward or near-duplicate) and when.

Pure functions over :class:`~svodka.model.Story`: the copy links come from the pipeline
(``StoryMember.origin_post_id``) and from the posts' own forward metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from svodka.model import Channel, StoredPost, Story, StoryMember

FORWARD = "forward"
NEAR_DUPLICATE = "near-duplicate"


@dataclass(frozen=True, slots=True)
class Copy:
    post: StoredPost
    kind: str  # FORWARD or NEAR_DUPLICATE
    origin: StoredPost | None  # None when the origin is outside the store (a forward from an unknown channel)
    delay_s: float | None  # seconds after the origin


@dataclass(frozen=True, slots=True)
class ChannelRole:
    channel_id: int
    name: str
    tier: int
    posts: int
    originals: int
    copies: int
    first_date: datetime
    was_first: bool


@dataclass(frozen=True, slots=True)
class Provenance:
    first: StoredPost
    timeline: tuple[StoryMember, ...]  # by date
    copies: tuple[Copy, ...]
    independent: int  # original posts (not copies)
    independent_channels: int  # channels with at least one original post
    copied: int
    channels: tuple[ChannelRole, ...]  # in order of first appearance


def is_forward(post: StoredPost) -> bool:
    return post.fwd_ext_id is not None or post.fwd_handle is not None or post.fwd_name is not None


def provenance(
    story: Story,
    channels: Mapping[int, Channel],
    lookup: Callable[[int], StoredPost | None] = lambda _id: None,
) -> Provenance:
    """Provenance of ``story``; ``lookup(post_id)`` finds an origin post that is not itself a member."""
    timeline = tuple(sorted(story.members, key=lambda m: (m.post.date, m.post.id)))
    by_id = {m.post.id: m.post for m in timeline}
    copies = []
    copy_ids = set()
    for m in timeline:
        if not (m.is_copy or is_forward(m.post)):
            continue
        origin = None
        if m.origin_post_id is not None and m.origin_post_id != m.post.id:
            origin = by_id.get(m.origin_post_id) or lookup(m.origin_post_id)
        kind = FORWARD if is_forward(m.post) else NEAR_DUPLICATE
        delay = (m.post.date - origin.date).total_seconds() if origin else None
        copies.append(Copy(m.post, kind, origin, delay))
        copy_ids.add(m.post.id)
    originals = [m for m in timeline if m.post.id not in copy_ids]
    first = (originals or list(timeline))[0].post
    roles: dict[int, dict[str, object]] = {}
    for m in timeline:
        cid = m.post.channel_id
        row = roles.setdefault(cid, {"posts": 0, "originals": 0, "copies": 0, "first": m.post.date})
        row["posts"] = int(row["posts"]) + 1  # type: ignore[call-overload]
        key = "copies" if m.post.id in copy_ids else "originals"
        row[key] = int(row[key]) + 1  # type: ignore[call-overload]
    out_roles = []
    for cid, row in roles.items():
        ch = channels.get(cid)
        out_roles.append(
            ChannelRole(
                channel_id=cid,
                name=ch.display_name if ch else f"#{cid}",
                tier=ch.tier if ch else 0,
                posts=int(row["posts"]),  # type: ignore[call-overload]
                originals=int(row["originals"]),  # type: ignore[call-overload]
                copies=int(row["copies"]),  # type: ignore[call-overload]
                first_date=row["first"],  # type: ignore[arg-type]
                was_first=cid == first.channel_id,
            )
        )
    return Provenance(
        first=first,
        timeline=timeline,
        copies=tuple(copies),
        independent=len(originals),
        independent_channels=len({m.post.channel_id for m in originals}),
        copied=len(copies),
        channels=tuple(out_roles),
    )

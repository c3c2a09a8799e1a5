"""Channel statistics as both backends compute them: activity, reach, originality and how often others
forward a channel, assembled here from the SQL below.

Copies are forwards (the ``fwd_*`` columns) and, once ``svodka process`` has run, the near-duplicates the
pipeline linked to their origin (``post_analysis.origin_post_id``): a channel that re-publishes another's
text without forwarding copies it as much as one that forwards.

The SQL texts here are written with ``?`` placeholders (the PostgreSQL backend turns them into ``%s``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from svodka.model import ChannelActivity, from_ts

DAY = 86400
IS_FORWARD = "(p.fwd_ext_id IS NOT NULL OR p.fwd_handle IS NOT NULL OR p.fwd_name IS NOT NULL)"

# Posts of other channels that forward a post of channel c: matched by (platform, external id) or by
# handle (one post counted once even when it names both).
COPIES = """
    SELECT c.id AS origin, p.id AS post, p.channel_id AS copier
      FROM channels c JOIN posts p ON p.fwd_platform = c.platform AND p.fwd_ext_id = c.ext_id
     WHERE c.ext_id IS NOT NULL AND p.channel_id != c.id {where}
    UNION
    SELECT c.id, p.id, p.channel_id
      FROM channels c JOIN posts p ON p.fwd_handle = c.handle AND p.fwd_platform = c.platform
     WHERE c.handle IS NOT NULL AND p.channel_id != c.id {where}
    UNION
    SELECT c.id, p.id, p.channel_id
      FROM post_analysis a JOIN posts o ON o.id = a.origin_post_id JOIN channels c ON c.id = o.channel_id
      JOIN posts p ON p.id = a.post_id
     WHERE a.origin_post_id IS NOT NULL AND p.channel_id != c.id {where}
"""
# A channel's own posts that re-publish another channel's post without forwarding it (near-duplicates),
# per channel (``{channel}``: the dialect's grouping expression).
NEAR_COPIES = f"""
    SELECT p.channel_id, COUNT(*)
      FROM post_analysis a JOIN posts p ON p.id = a.post_id JOIN posts o ON o.id = a.origin_post_id
     WHERE a.origin_post_id IS NOT NULL AND o.channel_id != p.channel_id AND NOT {IS_FORWARD} {{where}}
     GROUP BY {{channel}}
"""
COPIERS = (
    f"SELECT copier, COUNT(*) FROM ({COPIES.format(where='AND c.id = ?')}) x "
    "GROUP BY copier ORDER BY COUNT(*) DESC, copier LIMIT ?"
)
# Whom a channel forwards most: the origin as pages name a channel (its title, else the title the forward
# gave, else its handle or id: ``Channel.display_name``), posts. The origin is known by (platform, external
# id) or, for a forward that names only a handle, by handle.
SOURCES = """
    SELECT COALESCE(o.title, h.title, p.fwd_name, o.handle, h.handle, p.fwd_handle, p.fwd_ext_id), COUNT(*)
      FROM posts p
      LEFT JOIN channels o ON o.ext_id = p.fwd_ext_id AND o.platform = p.fwd_platform
      LEFT JOIN channels h ON p.fwd_ext_id IS NULL AND h.handle = p.fwd_handle AND h.platform = p.fwd_platform
     WHERE p.channel_id = ?
       AND (p.fwd_ext_id IS NOT NULL OR p.fwd_handle IS NOT NULL OR p.fwd_name IS NOT NULL)
     GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?
"""
ORIGIN = (
    "SELECT p.channel_id, p.message_id, c.platform, c.ext_id, c.handle FROM posts p "
    "JOIN channels c ON c.id = p.channel_id WHERE p.id = ?"
)
# The copies of one post (two indexed lookups, by origin id and by origin handle, rather than one OR that
# scans), earliest first: the parameters are :func:`copies_of_args`.
COPIES_OF = """
    SELECT id, date FROM posts
     WHERE fwd_platform = ? AND fwd_ext_id = ? AND fwd_message_id = ? AND channel_id != ?
    UNION
    SELECT id, date FROM posts
     WHERE fwd_handle = ? AND fwd_platform = ? AND fwd_message_id = ? AND channel_id != ?
    UNION
    SELECT p.id, p.date FROM post_analysis a JOIN posts p ON p.id = a.post_id
     WHERE a.origin_post_id = ? AND p.channel_id != ?
    ORDER BY 2, 1 LIMIT ?
"""


def copy_counts(where: str) -> str:
    """Per origin channel: the posts and the channels that copy it (``where``: a condition on ``c``, three
    times the parameters)."""
    copies = COPIES.format(where=where)
    return f"SELECT origin, COUNT(*), COUNT(DISTINCT copier) FROM ({copies}) x GROUP BY origin"


RECENT = "SELECT id FROM posts WHERE channel_id = ? ORDER BY date DESC, id DESC LIMIT ?"


def copies_of_args(post_id: int, origin: Sequence[Any], limit: int) -> tuple[Any, ...]:
    """The parameters of :data:`COPIES_OF` for the post ``post_id`` and its :data:`ORIGIN` row."""
    channel_id, message_id, platform, ext_id, handle = origin
    return (
        *(platform, ext_id, message_id, channel_id, handle, platform, message_id, channel_id),
        *(post_id, channel_id, limit),
    )


def activities(
    base: Sequence[Sequence[Any]],
    medians: Mapping[int, float],
    copies: Mapping[int, tuple[int, int]],
    near: Mapping[int, int],
) -> list[ChannelActivity]:
    """Each channel's activity: ``base`` rows ``(id, posts, first, last, forwarded)``, with its median views,
    ``(copying posts, copying channels)`` and near-copies by channel id."""
    out = []
    for cid, posts, first, last, forwarded in base:
        span_days = max(1.0, (last - first) / DAY) if posts else 1.0
        by_posts, by_channels = copies.get(cid, (0, 0))
        out.append(
            ChannelActivity(
                channel_id=cid,
                posts=posts,
                first=from_ts(first),
                last=from_ts(last),
                posts_per_day=posts / span_days if posts else 0.0,
                median_views=medians.get(cid),
                forwarded=int(forwarded),
                copied_by_posts=by_posts,
                copied_by_channels=by_channels,
                near_copies=near.get(cid, 0),
            )
        )
    return out

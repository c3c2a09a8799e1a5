"""Channel statistics as both backends compute them: activity, reach, originality and how often others
forward a channel, assembled here from the SQL below.

Copies are forwards (the ``fwd_*`` columns) and, once ``svodka process`` has run, the near-duplicates the
pipeline linked to their origin (``post_analysis.origin_post_id``): a channel that re-publishes another's
text without forwarding copies it as much as one that forwards.

The SQL texts here are written with ``?`` placeholders (the PostgreSQL backend turns them into ``%s``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from svodka.model import ChannelActivity, from_ts
from svodka.store.records.dialect import Database, row, rows

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


class SharedChannelStats:
    """Channel statistics on either backend; a backend's class names the SQL its dialect writes its own way:
    the count of forwards, the medians of views, the UTC day of a post and how its near-copies are joined."""

    FORWARDS: ClassVar[str]  # the count of a channel's posts that are forwards (``{forward}``: the test)
    MEDIANS: ClassVar[str]  # ``(channel id, median views)`` (``{where}``: the test of one channel, or none)
    DAY: ClassVar[str]  # a post's UTC day as ``YYYY-MM-DD``
    NEAR_CHANNEL: ClassVar[str]  # the copier's column in :data:`NEAR_COPIES`

    def __init__(self, db: Database) -> None:
        self.db = db

    def activity(self, channel_id: int | None = None) -> list[ChannelActivity]:
        """Statistics of every channel (or of one), in channel id order; channels without posts included."""
        one = channel_id is not None
        args: tuple[int, ...] = (channel_id,) if channel_id is not None else ()
        sql = self.db.dialect.sql
        forwards = self.FORWARDS.format(forward=IS_FORWARD)
        with self.db.read() as conn:
            base = conn.execute(
                sql(
                    f"SELECT c.id, COUNT(p.id), MIN(p.date), MAX(p.date), {forwards} "
                    "FROM channels c LEFT JOIN posts p ON p.channel_id = c.id "
                    f"{'WHERE c.id = ?' if one else ''} GROUP BY c.id ORDER BY c.id"
                ),
                args,
            ).fetchall()
            medians_sql = sql(self.MEDIANS.format(where="AND channel_id = ?" if one else ""))
            medians = {r[0]: float(r[1]) for r in conn.execute(medians_sql, args)}
            copies_sql = sql(copy_counts("AND c.id = ?" if one else ""))
            copies = {r[0]: (r[1], r[2]) for r in conn.execute(copies_sql, args * 3)}
            near_sql = NEAR_COPIES.format(
                where="AND p.channel_id = ?" if one else "", channel=self.NEAR_CHANNEL
            )
            near = {r[0]: r[1] for r in conn.execute(sql(near_sql), args)}
        return activities(base, medians, copies, near)

    def copiers(self, channel_id: int, limit: int = 10) -> list[tuple[int, int]]:
        """The channels that copy this one most (forwards, near-duplicates): ``(channel id, posts)``."""
        return [(r[0], r[1]) for r in rows(self.db, COPIERS, (channel_id, channel_id, channel_id, limit))]

    def sources(self, channel_id: int, limit: int = 10) -> list[tuple[str, int]]:
        """Whom this channel forwards most: ``(name of the origin, posts)``, most first."""
        return [(r[0], r[1]) for r in rows(self.db, SOURCES, (channel_id, limit))]

    def daily(self, channel_id: int, days: int = 30) -> list[tuple[str, int]]:
        """Posts per UTC day over the last ``days`` active days: ``(YYYY-MM-DD, posts)``, oldest first."""
        found = rows(
            self.db,
            f"SELECT {self.DAY}, COUNT(*) FROM posts WHERE channel_id = ? "
            "GROUP BY date / 86400 ORDER BY date / 86400 DESC LIMIT ?",
            (channel_id, days),
        )
        return [(r[0], r[1]) for r in reversed(found)]

    def copies_of(self, post_id: int, limit: int = 100) -> list[int]:
        """Ids of posts of other channels that copy this post (forward or re-publish it), earliest first."""
        origin = row(self.db, ORIGIN, (post_id,))
        if origin is None:
            return []
        return [r[0] for r in rows(self.db, COPIES_OF, copies_of_args(post_id, origin, limit))]

    def recent(self, channel_id: int, limit: int = 20) -> list[int]:
        """Ids of the channel's latest posts by date, newest first."""
        return [r[0] for r in rows(self.db, RECENT, (channel_id, limit))]

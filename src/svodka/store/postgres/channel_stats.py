"""Channel statistics in PostgreSQL: activity, reach, originality and how often others forward a channel.

Copies are forwards (the ``fwd_*`` columns) and, once ``svodka process`` has run, the near-duplicates the
pipeline linked to their origin (``post_analysis.origin_post_id``): a channel that re-publishes another's
text without forwarding copies it as much as one that forwards.
"""

from __future__ import annotations

from svodka.model import ChannelActivity, from_ts
from svodka.store.postgres.db import Database

_DAY = 86400
_IS_FORWARD = "(p.fwd_ext_id IS NOT NULL OR p.fwd_handle IS NOT NULL OR p.fwd_name IS NOT NULL)"

# Posts of other channels that forward a post of channel c: matched by (platform, external id) or by
# handle (one post counted once even when it names both).
_COPIES = """
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
# A channel's own posts that re-publish another channel's post without forwarding it (near-duplicates).
_NEAR_COPIES = f"""
    SELECT p.channel_id, COUNT(*)
      FROM post_analysis a JOIN posts p ON p.id = a.post_id JOIN posts o ON o.id = a.origin_post_id
     WHERE a.origin_post_id IS NOT NULL AND o.channel_id != p.channel_id AND NOT {_IS_FORWARD} {{where}}
     GROUP BY p.channel_id
"""


class PgChannelStats:
    def __init__(self, db: Database) -> None:
        self.db = db

    def activity(self, channel_id: int | None = None) -> list[ChannelActivity]:
        """Statistics of every channel (or of one), in channel id order; channels without posts included."""
        one = channel_id is not None
        args: tuple[int, ...] = (channel_id,) if one else ()  # type: ignore[assignment]
        with self.db.read() as conn:
            base = conn.execute(
                f"""
                SELECT c.id, COUNT(p.id), MIN(p.date), MAX(p.date), COUNT(*) FILTER (WHERE {_IS_FORWARD})
                  FROM channels c LEFT JOIN posts p ON p.channel_id = c.id
                 {"WHERE c.id = %s" if one else ""}
                 GROUP BY c.id ORDER BY c.id
                """,
                args,
            ).fetchall()
            medians = {
                r[0]: float(r[1])
                for r in conn.execute(
                    "SELECT channel_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY views) FROM posts "
                    f"WHERE views IS NOT NULL {'AND channel_id = %s' if one else ''} GROUP BY channel_id",
                    args,
                )
            }
            where = "AND c.id = %s" if one else ""
            copies = {
                r[0]: (r[1], r[2])
                for r in conn.execute(
                    f"SELECT origin, COUNT(*), COUNT(DISTINCT copier) FROM ({_COPIES.format(where=where)}) x "
                    "GROUP BY origin",
                    args * 3,
                )
            }
            near_sql = _NEAR_COPIES.format(where="AND p.channel_id = %s" if one else "")
            near = {r[0]: r[1] for r in conn.execute(near_sql, args)}
        out = []
        for cid, posts, first, last, forwarded in base:
            span_days = max(1.0, (last - first) / _DAY) if posts else 1.0
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

    def copiers(self, channel_id: int, limit: int = 10) -> list[tuple[int, int]]:
        """The channels that copy this one most (forwards, near-duplicates): ``(channel id, posts)``."""
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT copier, COUNT(*) FROM ({_COPIES.format(where='AND c.id = %s')}) x "
                "GROUP BY copier ORDER BY COUNT(*) DESC, copier LIMIT %s",
                (channel_id, channel_id, channel_id, limit),
            ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def sources(self, channel_id: int, limit: int = 10) -> list[tuple[str, int]]:
        """Whom this channel forwards most: ``(name of the origin, posts)``, most first."""
        with self.db.read() as conn:
            rows = conn.execute(
                """
                SELECT COALESCE(o.handle, o.title, p.fwd_handle, p.fwd_name, p.fwd_ext_id), COUNT(*)
                  FROM posts p LEFT JOIN channels o ON o.ext_id = p.fwd_ext_id AND o.platform = p.fwd_platform
                 WHERE p.channel_id = %s
                   AND (p.fwd_ext_id IS NOT NULL OR p.fwd_handle IS NOT NULL OR p.fwd_name IS NOT NULL)
                 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %s
                """,
                (channel_id, limit),
            ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def daily(self, channel_id: int, days: int = 30) -> list[tuple[str, int]]:
        """Posts per UTC day over the last ``days`` active days: ``(YYYY-MM-DD, posts)``, oldest first."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT to_char(to_timestamp(date / 86400 * 86400) AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD'), COUNT(*) "
                "FROM posts WHERE channel_id = %s GROUP BY date / 86400 ORDER BY date / 86400 DESC LIMIT %s",
                (channel_id, days),
            ).fetchall()
        return [(r[0], r[1]) for r in reversed(rows)]

    def copies_of(self, post_id: int, limit: int = 100) -> list[int]:
        """Ids of posts of other channels that copy this post (forward or re-publish it), earliest first."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT p.channel_id, p.message_id, c.platform, c.ext_id, c.handle FROM posts p "
                "JOIN channels c ON c.id = p.channel_id WHERE p.id = %s",
                (post_id,),
            ).fetchone()
            if row is None:
                return []
            channel_id, message_id, platform, ext_id, handle = row
            # Two indexed lookups (by origin id, by origin handle) rather than one OR that scans.
            rows = conn.execute(
                """
                SELECT id, date FROM posts
                 WHERE fwd_platform = %s AND fwd_ext_id = %s AND fwd_message_id = %s AND channel_id != %s
                UNION
                SELECT id, date FROM posts
                 WHERE fwd_handle = %s AND fwd_platform = %s AND fwd_message_id = %s AND channel_id != %s
                UNION
                SELECT p.id, p.date FROM post_analysis a JOIN posts p ON p.id = a.post_id
                 WHERE a.origin_post_id = %s AND p.channel_id != %s
                ORDER BY 2, 1 LIMIT %s
                """,
                (
                    *(platform, ext_id, message_id, channel_id, handle, platform, message_id, channel_id),
                    *(post_id, channel_id, limit),
                ),
            ).fetchall()
        return [r[0] for r in rows]

    def recent(self, channel_id: int, limit: int = 20) -> list[int]:
        """Ids of the channel's latest posts by date, newest first."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT id FROM posts WHERE channel_id = %s ORDER BY date DESC, id DESC LIMIT %s",
                (channel_id, limit),
            ).fetchall()
        return [r[0] for r in rows]

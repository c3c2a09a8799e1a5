"""Channel statistics in PostgreSQL: activity, reach, originality and how often others forward a channel.

Copies are forwards (the ``fwd_*`` columns) and, once ``svodka process`` has run, the near-duplicates the
pipeline linked to their origin (``post_analysis.origin_post_id``): a channel that re-publishes another's
text without forwarding copies it as much as one that forwards (the SQL both backends share, and the
assembly: :mod:`svodka.store.records.channel_stats`).
"""

from __future__ import annotations

from svodka.model import ChannelActivity
from svodka.store.postgres.db import Database, pyformat
from svodka.store.records.channel_stats import (
    COPIERS,
    COPIES,
    COPIES_OF,
    IS_FORWARD,
    NEAR_COPIES,
    ORIGIN,
    RECENT,
    SOURCES,
    activities,
    copies_of_args,
)


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
                SELECT c.id, COUNT(p.id), MIN(p.date), MAX(p.date), COUNT(*) FILTER (WHERE {IS_FORWARD})
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
                    f"SELECT origin, COUNT(*), COUNT(DISTINCT copier) FROM ({COPIES.format(where=where)}) x "
                    "GROUP BY origin",
                    args * 3,
                )
            }
            near_sql = NEAR_COPIES.format(
                where="AND p.channel_id = %s" if one else "", channel="p.channel_id"
            )
            near = {r[0]: r[1] for r in conn.execute(near_sql, args)}
        return activities(base, medians, copies, near)

    def copiers(self, channel_id: int, limit: int = 10) -> list[tuple[int, int]]:
        """The channels that copy this one most (forwards, near-duplicates): ``(channel id, posts)``."""
        with self.db.read() as conn:
            rows = conn.execute(pyformat(COPIERS), (channel_id, channel_id, channel_id, limit)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def sources(self, channel_id: int, limit: int = 10) -> list[tuple[str, int]]:
        """Whom this channel forwards most: ``(name of the origin, posts)``, most first."""
        with self.db.read() as conn:
            rows = conn.execute(pyformat(SOURCES), (channel_id, limit)).fetchall()
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
            origin = conn.execute(pyformat(ORIGIN), (post_id,)).fetchone()
            if origin is None:
                return []
            rows = conn.execute(pyformat(COPIES_OF), copies_of_args(post_id, origin, limit)).fetchall()
        return [r[0] for r in rows]

    def recent(self, channel_id: int, limit: int = 20) -> list[int]:
        """Ids of the channel's latest posts by date, newest first."""
        with self.db.read() as conn:
            rows = conn.execute(pyformat(RECENT), (channel_id, limit)).fetchall()
        return [r[0] for r in rows]

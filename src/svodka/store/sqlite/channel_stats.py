"""Channel statistics in SQLite: a median by window functions, a UTC day by
``date()``; the rest (copies, sources):
:mod:`svodka.store.records.channel_stats`."""

from __future__ import annotations

from svodka.model import ChannelActivity
from svodka.store.records import channel_stats as shared
from svodka.store.sqlite.db import Database


class SqliteChannelStats:
    def __init__(self, db: Database) -> None:
        self.db = db

    def activity(self, channel_id: int | None = None) -> list[ChannelActivity]:
        """Statistics of every channel (or of one), in channel id order; channels without posts included."""
        one = channel_id is not None
        args: tuple[int, ...] = (channel_id,) if one else ()  # type: ignore[assignment]
        forward = shared.IS_FORWARD
        with self.db.read() as conn:
            base = conn.execute(
                f"""
                SELECT c.id, COUNT(p.id), MIN(p.date), MAX(p.date), COALESCE(SUM({forward}), 0)
                  FROM channels c LEFT JOIN posts p ON p.channel_id = c.id
                 {"WHERE c.id = ?" if one else ""}
                 GROUP BY c.id ORDER BY c.id
                """,
                args,
            ).fetchall()
            medians = dict(
                conn.execute(
                    f"""
                    SELECT channel_id, AVG(views) FROM (
                        SELECT channel_id, views,
                               ROW_NUMBER() OVER (PARTITION BY channel_id ORDER BY views) AS rn,
                               COUNT(*) OVER (PARTITION BY channel_id) AS n
                          FROM posts WHERE views IS NOT NULL {"AND channel_id = ?" if one else ""}
                    ) WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY channel_id
                    """,
                    args,
                ).fetchall()
            )
            where = "AND c.id = ?" if one else ""
            copies = {r[0]: (r[1], r[2]) for r in conn.execute(shared.copy_counts(where), args * 3)}
            # (the unary + keeps SQLite from walking every post in channel order: the copies' index leads)
            near_sql = shared.NEAR_COPIES.format(
                where="AND p.channel_id = ?" if one else "", channel="+p.channel_id"
            )
            near = dict(conn.execute(near_sql, args).fetchall())
        return shared.activities(base, medians, copies, near)

    def copiers(self, channel_id: int, limit: int = 10) -> list[tuple[int, int]]:
        """The channels that copy this one most (forwards, near-duplicates): ``(channel id, posts)``."""
        with self.db.read() as conn:
            rows = conn.execute(shared.COPIERS, (channel_id, channel_id, channel_id, limit)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def sources(self, channel_id: int, limit: int = 10) -> list[tuple[str, int]]:
        """Whom this channel forwards most: ``(name of the origin, posts)``, most first."""
        with self.db.read() as conn:
            rows = conn.execute(shared.SOURCES, (channel_id, limit)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def daily(self, channel_id: int, days: int = 30) -> list[tuple[str, int]]:
        """Posts per UTC day over the last ``days`` active days: ``(YYYY-MM-DD, posts)``, oldest first."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT date(date / 86400 * 86400, 'unixepoch'), COUNT(*) FROM posts WHERE channel_id = ? "
                "GROUP BY date / 86400 ORDER BY date / 86400 DESC LIMIT ?",
                (channel_id, days),
            ).fetchall()
        return [(r[0], r[1]) for r in reversed(rows)]

    def copies_of(self, post_id: int, limit: int = 100) -> list[int]:
        """Ids of posts of other channels that copy this post (forward or re-publish it), earliest first."""
        with self.db.read() as conn:
            origin = conn.execute(shared.ORIGIN, (post_id,)).fetchone()
            if origin is None:
                return []
            rows = conn.execute(shared.COPIES_OF, shared.copies_of_args(post_id, origin, limit)).fetchall()
        return [r[0] for r in rows]

    def recent(self, channel_id: int, limit: int = 20) -> list[int]:
        """Ids of the channel's latest posts by date, newest first."""
        with self.db.read() as conn:
            rows = conn.execute(shared.RECENT, (channel_id, limit)).fetchall()
        return [r[0] for r in rows]

"""Channel statistics in PostgreSQL: a median by ``percentile_cont``, a UTC day by
``to_char``; the rest (copies, sources):
:mod:`svodka.store.records.channel_stats`."""

from __future__ import annotations

from svodka.model import ChannelActivity
from svodka.store.postgres.db import Database, pyformat
from svodka.store.records import channel_stats as shared


class PgChannelStats:
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
                SELECT c.id, COUNT(p.id), MIN(p.date), MAX(p.date), COUNT(*) FILTER (WHERE {forward})
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
            copies = {r[0]: (r[1], r[2]) for r in conn.execute(shared.copy_counts(where), args * 3)}
            near_sql = shared.NEAR_COPIES.format(
                where="AND p.channel_id = %s" if one else "", channel="p.channel_id"
            )
            near = {r[0]: r[1] for r in conn.execute(near_sql, args)}
        return shared.activities(base, medians, copies, near)

    def copiers(self, channel_id: int, limit: int = 10) -> list[tuple[int, int]]:
        """The channels that copy this one most (forwards, near-duplicates): ``(channel id, posts)``."""
        with self.db.read() as conn:
            rows = conn.execute(
                pyformat(shared.COPIERS), (channel_id, channel_id, channel_id, limit)
            ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def sources(self, channel_id: int, limit: int = 10) -> list[tuple[str, int]]:
        """Whom this channel forwards most: ``(name of the origin, posts)``, most first."""
        with self.db.read() as conn:
            rows = conn.execute(pyformat(shared.SOURCES), (channel_id, limit)).fetchall()
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
            origin = conn.execute(pyformat(shared.ORIGIN), (post_id,)).fetchone()
            if origin is None:
                return []
            rows = conn.execute(
                pyformat(shared.COPIES_OF), shared.copies_of_args(post_id, origin, limit)
            ).fetchall()
        return [r[0] for r in rows]

    def recent(self, channel_id: int, limit: int = 20) -> list[int]:
        """Ids of the channel's latest posts by date, newest first."""
        with self.db.read() as conn:
            rows = conn.execute(pyformat(shared.RECENT), (channel_id, limit)).fetchall()
        return [r[0] for r in rows]

"""Channel statistics in SQLite: a median by window functions, a UTC day by ``date()``; the rest, written once
for both backends: :mod:`svodka.store.records.channel_stats`."""

from __future__ import annotations

from svodka.store.records.channel_stats import SharedChannelStats


class SqliteChannelStats(SharedChannelStats):
    FORWARDS = "COALESCE(SUM({forward}), 0)"
    MEDIANS = """
        SELECT channel_id, AVG(views) FROM (
            SELECT channel_id, views,
                   ROW_NUMBER() OVER (PARTITION BY channel_id ORDER BY views) AS rn,
                   COUNT(*) OVER (PARTITION BY channel_id) AS n
              FROM posts WHERE views IS NOT NULL {where}
        ) WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY channel_id
        """
    DAY = "date(date / 86400 * 86400, 'unixepoch')"
    # the unary + keeps SQLite from walking every post in channel order: the copies' index leads
    NEAR_CHANNEL = "+p.channel_id"

"""Channel statistics in PostgreSQL: a median by ``percentile_cont``, a UTC day by ``to_char``; the rest,
written once for both backends: :mod:`svodka.store.records.channel_stats`."""

from __future__ import annotations

from svodka.store.records.channel_stats import SharedChannelStats


class PgChannelStats(SharedChannelStats):
    FORWARDS = "COUNT(*) FILTER (WHERE {forward})"
    MEDIANS = (
        "SELECT channel_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY views) FROM posts "
        "WHERE views IS NOT NULL {where} GROUP BY channel_id"
    )
    DAY = "to_char(to_timestamp(date / 86400 * 86400) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    NEAR_CHANNEL = "p.channel_id"

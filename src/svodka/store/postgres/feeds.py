"""Feed tokens and the web app's alert inbox in PostgreSQL (migration 0019; see svodka.monitor.feeds); the
repositories, written once for both backends: :mod:`svodka.store.records.feeds`."""

from __future__ import annotations

from svodka.store.records.feeds import SharedFeeds, SharedInbox


class PgFeeds(SharedFeeds):
    """:class:`SharedFeeds` on a :class:`svodka.store.postgres.db.Database`."""


class PgInbox(SharedInbox):
    PAYLOAD = "payload::text"  # an alert's payload read as text

"""Feed tokens and the web app's alert inbox in SQLite (migration 0019; see svodka.monitor.feeds); the
repositories, written once for both backends: :mod:`svodka.store.records.feeds`."""

from __future__ import annotations

from svodka.store.records.feeds import SharedFeeds, SharedInbox


class SqliteFeeds(SharedFeeds):
    """:class:`SharedFeeds` on a :class:`svodka.store.sqlite.db.Database`."""


class SqliteInbox(SharedInbox):
    PAYLOAD = "payload"  # an alert's payload read as text

"""Watchlists in SQLite (the spec as JSON text); the repository, written once for both backends:
:mod:`svodka.store.records.watchlists`."""

from __future__ import annotations

from svodka.store.records.watchlists import SharedWatchlists


class SqliteWatchlists(SharedWatchlists):
    SPEC, SPEC_IN = "spec", "?"

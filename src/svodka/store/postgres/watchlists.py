"""Watchlists in PostgreSQL (the spec in JSONB); the repository, written once for both backends:
:mod:`svodka.store.records.watchlists`."""

from __future__ import annotations

from svodka.store.records.watchlists import SharedWatchlists


class PgWatchlists(SharedWatchlists):
    SPEC, SPEC_IN = "spec::text", "?::jsonb"

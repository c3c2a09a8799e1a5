"""Tests of the SQLite backend itself: every store fixture here is a SQLite one, whatever BACKENDS holds."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def backend() -> str:
    """Pins the backend of the shared fixtures (store, store_url, cli_run, env …) to SQLite."""
    return "sqlite"

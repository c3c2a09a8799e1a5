"""Tests of the PostgreSQL backend itself: every store fixture here is a PostgreSQL one (on the server the
suite starts, see tests/conftest.py), whatever BACKENDS holds."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def backend() -> str:
    """Pins the backend of the shared fixtures (store, store_url, cli_run …) to PostgreSQL."""
    return "postgresql"

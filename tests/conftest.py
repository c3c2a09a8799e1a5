"""Shared fixtures: a fresh store, the shared real data, and the CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from svodka.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "test.db")
    yield s
    s.close()


def shared(*parts: str) -> Path:
    """A path under ../shared/data; skips the test with a reason when the data is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found: {path} (tests read real corpora from ../shared/data)")
    return path


@pytest.fixture
def cli_run(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run the svodka CLI in-process against a temporary database; returns click's Result."""
    from click.testing import CliRunner

    from svodka.cli import cli

    runner = CliRunner()
    db = tmp_path / "cli.db"

    def run(*args: str, input: str | None = None, db_path: Path | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, ["--db", str(db_path or db), *args], input=input, catch_exceptions=False)

    run.db = db  # type: ignore[attr-defined]
    return run

"""`open_store` names the backends that exist: SQLite by path or ``sqlite:///`` URL, and nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from svodka.errors import ConfigError
from svodka.store import open_store


def test_a_sqlite_url_opens_the_file(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        assert store.posts.count() == 0
    assert (tmp_path / "a.db").exists()


@pytest.mark.parametrize("url", ["postgresql://svodka@localhost/svodka", "postgres://localhost/x"])
def test_a_postgresql_url_is_refused_in_one_line_and_makes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="no PostgreSQL backend yet"):
        open_store(url)
    assert os.listdir(tmp_path) == []  # not taken for a file name

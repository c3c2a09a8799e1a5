"""`open_store` names the backends that exist: SQLite by path or ``sqlite:///`` URL, PostgreSQL by
``postgresql://`` URL — a server that is not there is one line that names it, without its password."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from svodka.errors import StoreError
from svodka.store import open_store


def test_a_sqlite_url_opens_the_file(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        assert store.posts.count() == 0
    assert (tmp_path / "a.db").exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once the socket is closed


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_postgresql_server_that_is_down_is_one_line_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"{scheme}://svodka:s3cret-pw@127.0.0.1:{_closed_port()}/svodka"
    with pytest.raises(StoreError) as caught:
        open_store(url)
    message = str(caught.value)
    assert "\n" not in message and "s3cret-pw" not in message
    assert message.startswith(f"{scheme}://svodka@127.0.0.1:") and "cannot connect to PostgreSQL" in message
    assert os.listdir(tmp_path) == []  # not taken for a file name


def test_a_postgresql_url_without_psycopg_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from svodka.errors import ConfigError

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    with pytest.raises(ConfigError, match=r"pip install 'svodka\[postgresql\]'"):
        open_store("postgresql://svodka@127.0.0.1:1/svodka")

"""The HTML add-channel form and ``POST /api/channels`` check a channel's name with one function
(``openapi.channel_name``, the OpenAPI document's ``CHANNEL_PATTERN``): no control characters in a URL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from svodka.store import Store, open_store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password, new_api_key
from svodka.web.server import running
from test_web_support import PASSWORDS, login

BAD = [
    "https://example.org/feed\x00.xml",  # NUL
    "https://example.org/feed\x1b[31m.xml",  # an escape sequence for a terminal
    "https://example.org/fe\ted",  # a tab inside
    "https://example.org/feed\x7f",  # DEL
    "https://example.org/fe\x85ed",  # C1 (NEL), inside
    "https://example.org/feed\x9b31m",  # C1 CSI
    "javascript:alert(1)",
    "",
]


@dataclass
class Server:
    base: str
    store: Store
    key: str
    admin: httpx.Client

    def form(self, name: str) -> httpx.Response:
        return self.admin.post("/channels", data={"channel": name, "csrf_token": self.admin.csrf})  # type: ignore[attr-defined]

    def api(self, name: str) -> httpx.Response:
        auth = {"authorization": f"Bearer {self.key}"}
        return httpx.post(f"{self.base}/api/channels", json={"channel": name}, headers=auth)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    store = open_store(Path(tmp_path_factory.mktemp("names")) / "names.db")
    store.users.add("admin", hash_password(PASSWORDS["admin"]), "admin")
    key = new_api_key(store, store.users.get("admin"), "names")[0]
    with running(create_app(store, WebConfig())) as base:
        admin = login(base, "admin")
        yield Server(base, store, key, admin)
        admin.close()
    store.close()


@pytest.mark.parametrize("name", BAD, ids=repr)
def test_the_form_and_the_api_refuse_the_same_bad_names(server: Server, name: str) -> None:
    before = server.store.channels.list()
    r = server.form(name)
    assert r.status_code == 400 and "name the channel" in r.text
    r = server.api(name)
    assert r.status_code == 400 and r.json()["error"].startswith("channel: name the channel")
    assert server.store.channels.list() == before  # nothing was added


def test_the_form_and_the_api_still_add_good_names(server: Server) -> None:
    r = server.form("  https://example.org/rss?x=1&y=2  ")
    assert r.status_code == 303 and r.headers["location"].startswith("/channels/")
    assert server.api("@good_name").status_code == 201
    handles = {c.handle for c in server.store.channels.list()}
    assert handles == {"https://example.org/rss?x=1&y=2", "good_name"}

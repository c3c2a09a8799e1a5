"""The login limit slows a guesser down per (user name, client) and locks nobody out (issue 13, item 11).

Against the real app on 127.0.0.1: a second client address is a real one (the test binds its side of the
connection to 127.0.0.2), and ``X-Forwarded-For`` is sent as a reverse proxy would send it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest

from svodka import settings
from svodka.errors import ConfigError
from svodka.store import Store, open_store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password, networks
from svodka.web.server import running
from test_web_support import csrf_of

PASSWORDS = {"dave": "dave-pass-12", "alice": "alice-pass-1", "bob": "bob-pass-123"}
Serve = Callable[[WebConfig], AbstractContextManager[tuple[str, Store]]]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    store = open_store(tmp_path / "login.db")
    for name, password in PASSWORDS.items():
        store.users.add(name, hash_password(password), "viewer")

    @contextmanager
    def start(config: WebConfig) -> Iterator[tuple[str, Store]]:
        with running(create_app(store, config)) as base:
            yield base, store

    yield start
    store.close()


def _client(base: str, address: str = "127.0.0.1") -> httpx.Client:
    return httpx.Client(base_url=base, timeout=30, transport=httpx.HTTPTransport(local_address=address))


def _try(c: httpx.Client, user: str, password: str, forwarded: str | None = None) -> httpx.Response:
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    c.cookies.clear()  # each try starts logged out, as another person at the same address would
    token = csrf_of(c.get("/login").text)
    return c.post(
        "/login", data={"username": user, "password": password, "csrf_token": token}, headers=headers
    )


def _fail(c: httpx.Client, user: str, times: int, forwarded: str | None = None) -> None:
    for _ in range(times):
        r = _try(c, user, "wrong-password", forwarded)
        assert r.status_code == 401 and "wrong user name or password" in r.text


def _waits(r: httpx.Response) -> int:
    assert r.status_code == 429 and "too many failed logins" in r.text
    return int(r.headers["retry-after"])


def test_the_right_password_from_another_address_is_not_held_back(serve: Serve) -> None:
    with serve(WebConfig(login_delay_s=60)) as (base, store), _client(base) as here:
        _fail(here, "dave", 5)
        assert 59 <= _waits(_try(here, "dave", PASSWORDS["dave"])) <= 60  # the pair waits, not the user
        with _client(base, "127.0.0.2") as elsewhere:
            r = _try(elsewhere, "dave", PASSWORDS["dave"])
            assert r.status_code == 303 and r.headers["location"] == "/"
        assert _try(here, "bob", PASSWORDS["bob"]).status_code == 303  # another name from the same address
        seen = store.login_attempts.failures_since("dave", "127.0.0.1", 0)
        assert (seen.pair, seen.client) == (5, 5)  # the refused try was not counted
        assert store.login_attempts.failures_since("dave", "127.0.0.2", 0).pair == 0


def test_the_same_address_waits_a_doubling_capped_delay_then_gets_in(serve: Serve) -> None:
    config = WebConfig(login_max_failures=3, login_delay_s=2, login_delay_cap_s=4)
    with serve(config) as (base, store), _client(base) as c:
        _fail(c, "dave", 3)
        first = _waits(_try(c, "dave", "wrong-password"))  # timestamps are whole seconds: 1 or 2
        assert 1 <= first <= 2
        time.sleep(first + 0.05)
        _fail(c, "dave", 1)
        second = _waits(_try(c, "dave", PASSWORDS["dave"]))  # doubled: 4 s after the last failure
        assert 3 <= second <= 4
        time.sleep(second + 0.05)
        _fail(c, "dave", 1)
        third = _waits(_try(c, "dave", PASSWORDS["dave"]))  # 8 s, capped at 4
        assert 3 <= third <= 4
        time.sleep(third + 0.05)
        r = _try(c, "dave", PASSWORDS["dave"])
        assert r.status_code == 303 and r.headers["location"] == "/"
        # A success starts the pair's count again: the next mistake is only a mistake.
        assert store.login_attempts.failures_since("dave", "127.0.0.1", 0).pair == 0
        _fail(c, "dave", 1)
        _fail(c, "nobody", 1)  # an unknown name fails the same way as a wrong password


def test_a_burst_of_parallel_guesses_is_checked_one_at_a_time(serve: Serve) -> None:
    with serve(WebConfig(login_max_failures=3, login_delay_s=60)) as (base, store):
        clients = [_client(base) for _ in range(12)]
        forms = [  # each client with its login form ready, so the posts leave together
            {"username": "dave", "password": f"guess-{i:04}", "csrf_token": csrf_of(c.get("/login").text)}
            for i, c in enumerate(clients)
        ]

        def post(i: int) -> int:
            return clients[i].post("/login", data=forms[i]).status_code

        with ThreadPoolExecutor(len(clients)) as pool:
            codes = list(pool.map(post, range(len(clients))))
        for c in clients:
            c.close()
        # Without the one-at-a-time rule all twelve pass the count before the first is recorded.
        assert set(codes) == {401, 429} and codes.count(401) <= 3, codes
        assert store.login_attempts.failures_since("dave", "127.0.0.1", 0).pair == codes.count(401)


def test_a_shared_reverse_proxy_does_not_lock_out_its_users(serve: Serve) -> None:
    # Not configured as trusted, the proxy's address is everyone's: bob's failures still leave alice alone.
    with serve(WebConfig(login_delay_s=60)) as (base, _store), _client(base) as proxy:
        _fail(proxy, "bob", 5)
        assert _try(proxy, "alice", PASSWORDS["alice"]).status_code == 303
    # Trusted, the proxy names each client: bob waits only at his own address.
    trusted = networks(["127.0.0.0/8"])
    config = WebConfig(login_delay_s=60, login_client_max_failures=8, trusted_proxies=trusted)
    with serve(config) as (base, store), _client(base) as proxy:
        _fail(proxy, "bob", 5, "10.0.0.5")
        _waits(_try(proxy, "bob", PASSWORDS["bob"], "10.0.0.5"))
        assert _try(proxy, "bob", PASSWORDS["bob"], "10.0.0.6").status_code == 303
        assert _try(proxy, "alice", PASSWORDS["alice"], "10.0.0.5").status_code == 303
        assert store.login_attempts.failures_since("bob", "10.0.0.5", 0).pair == 5
        # The right-most address not a trusted proxy is the client: what the client itself wrote is not.
        _fail(proxy, "dave", 2, "10.0.0.6, 10.0.0.7, 127.0.0.9")
        assert store.login_attempts.failures_since("dave", "10.0.0.7", 0).pair == 2
        assert store.login_attempts.failures_since("dave", "10.0.0.6", 0).pair == 0
        # The broad cap per address stops one address trying many names (5 + 3 failures from 10.0.0.5).
        for name in ("carol", "erin", "frank"):
            _fail(proxy, name, 1, "10.0.0.5")
        waited = _waits(_try(proxy, "dave", PASSWORDS["dave"], "10.0.0.5"))
        assert 890 <= waited <= 900  # until the earliest of those failures leaves web.login_window_s
        assert _try(proxy, "dave", PASSWORDS["dave"], "10.0.0.8").status_code == 303


def test_forwarded_for_from_an_untrusted_peer_is_ignored(serve: Serve) -> None:
    config = WebConfig(login_max_failures=3, login_delay_s=60, trusted_proxies=networks(["10.9.9.9"]))
    with serve(config) as (base, store), _client(base) as c:
        for n in range(3):  # a guesser names a new address each time: it is still 127.0.0.1
            _fail(c, "dave", 1, f"10.0.0.{n + 1}")
        _waits(_try(c, "dave", PASSWORDS["dave"], "10.0.0.4"))
        assert store.login_attempts.failures_since("dave", "127.0.0.1", 0).pair == 3
        assert store.login_attempts.failures_since("dave", "10.0.0.1", 0).pair == 0


def test_trusted_proxies_are_read_from_settings() -> None:
    s = settings.defaults(**{"web.trusted_proxies": ("10.1.0.0/16", " ::1 ")})
    assert [str(n) for n in WebConfig.from_settings(s).trusted_proxies] == ["10.1.0.0/16", "::1/128"]
    with pytest.raises(ConfigError) as bad:
        WebConfig.from_settings(settings.defaults(**{"web.trusted_proxies": ("proxy.lan",)}))
    assert str(bad.value) == "web.trusted_proxies: not an address or CIDR block: 'proxy.lan'"

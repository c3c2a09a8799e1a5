"""Request bodies are read only after the caller is known, and only up to ``web.max_body_bytes``.

Against a live uvicorn server on 127.0.0.1, with raw sockets so the test controls how much of a body it
has sent when the answer comes: an anonymous 206 MB POST is answered 401 (or the login redirect) after a
few MB at most, and the server's memory does not grow by the body; an authenticated body over the limit
gets 413 — at once when Content-Length says so, and after the limit when a chunked body has no length.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from conftest import open_test_store
from svodka import settings
from svodka.store import Store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password, new_api_key
from svodka.web.server import running
from test_web_support import PASSWORDS, login

HUGE = 206_000_000  # the size of the POST
LIMIT = WebConfig().max_body_bytes
CHUNK = 65_536


@dataclass
class Server:
    store: Store
    base: str
    key: str

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    store = open_test_store(backend, tmp_path_factory.mktemp("limits"), "limits")
    store.users.add("admin", hash_password(PASSWORDS["admin"]), "admin")
    key = new_api_key(store, store.users.get("admin"), "limits")[0]
    with running(create_app(store, WebConfig())) as base:
        yield Server(store, base, key)
    store.close()


def _rss_mib() -> int:
    with open("/proc/self/status") as f:  # the server runs in a thread of this process
        return next(int(line.split()[1]) // 1024 for line in f if line.startswith("VmRSS"))


@dataclass
class Sent:
    answer: bytes  # what the server said (its first bytes)
    body_sent: int  # bytes of the body sent when it had answered
    rss_growth_mib: int


def _post(
    port: int, path: str, headers: dict[str, str], total: int, *, chunked: bool = False, declared: int = 0
) -> Sent:
    """POST a body of ``total`` bytes (``{`` × total), stopping as soon as the server answers; ``declared``:
    send only a Content-Length of that many bytes and no body."""
    head = {"Host": "127.0.0.1", **headers}
    if chunked:
        head["Transfer-Encoding"] = "chunked"
    else:
        head["Content-Length"] = str(declared or total)
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    answer: list[bytes] = []
    answered = threading.Event()

    def read() -> None:
        # The status line may come in one segment and the body in the next: read on until the server
        # closes or stays quiet for a second after its first bytes.
        try:
            answer.append(sock.recv(4096))
            answered.set()
            sock.settimeout(1.0)
            while chunk := sock.recv(4096):
                answer.append(chunk)
        except OSError as e:
            if not answer:
                answer.append(f"no answer: {e!r}".encode())
        finally:
            answered.set()

    before = _rss_mib()
    reader = threading.Thread(target=read, daemon=True)
    sent = 0
    try:
        lines = [f"POST {path} HTTP/1.1", *(f"{k}: {v}" for k, v in head.items()), "", ""]
        sock.sendall("\r\n".join(lines).encode())
        reader.start()
        piece = b"{" * CHUNK
        if chunked:
            piece = f"{CHUNK:x}\r\n".encode() + piece + b"\r\n"
        while sent < total and not answered.is_set():
            try:
                sock.sendall(piece)
            except OSError:  # the server answered and closed the connection
                break
            sent += CHUNK
        reader.join(30)
        growth = _rss_mib() - before
    finally:
        sock.close()
    return Sent(b"".join(answer), sent, growth)


def _status(sent: Sent) -> int:
    assert sent.answer.startswith(b"HTTP/1.1 "), sent.answer[:200]
    return int(sent.answer.split()[1])


def test_an_anonymous_huge_json_post_is_refused_before_its_body_is_read(server: Server) -> None:
    sent = _post(server.port, "/api/channels", {"Content-Type": "application/json"}, HUGE)
    assert _status(sent) == 401
    # answered with the body barely started (the socket buffers hold a few MB), not after 206 MB
    assert sent.body_sent < 32 * 2**20, sent.body_sent
    assert sent.rss_growth_mib < 64, f"the server grew by {sent.rss_growth_mib} MiB"


def test_an_anonymous_huge_form_post_is_redirected_before_its_body_is_read(server: Server) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    sent = _post(server.port, "/channels", form, HUGE)
    assert _status(sent) == 303 and b"/login?next=" in sent.answer
    assert sent.body_sent < 32 * 2**20, sent.body_sent


def test_an_admin_body_declared_over_the_limit_gets_413_unread(server: Server) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {server.key}"}
    sent = _post(server.port, "/api/channels", headers, 0, declared=LIMIT + 1)
    assert _status(sent) == 413 and sent.body_sent == 0  # answered on the header alone
    assert b"web.max_body_bytes" in sent.answer


def test_a_chunked_body_without_length_is_stopped_at_the_limit(server: Server) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {server.key}"}
    sent = _post(server.port, "/api/channels", headers, HUGE, chunked=True)
    assert _status(sent) == 413
    assert LIMIT <= sent.body_sent < 32 * 2**20, sent.body_sent


def test_a_form_of_a_logged_in_admin_over_the_limit_gets_413(server: Server) -> None:
    client = login(server.base, "admin")
    try:
        form = {"channel": "@big_form", "groups": "x" * LIMIT, "csrf_token": client.csrf}  # type: ignore[attr-defined]
        r = client.post("/channels", data=form)
        assert r.status_code == 413 and "web.max_body_bytes" in r.text
        assert "big_form" not in client.get("/channels").text  # nothing was added
    finally:
        client.close()


def test_bodies_within_the_limit_are_read_chunked_or_not(server: Server) -> None:
    auth = {"Authorization": f"Bearer {server.key}", "Content-Type": "application/json"}
    with httpx.Client(base_url=server.base, timeout=30, headers=auth) as client:
        r = client.post("/api/channels", content=b'{"channel": "@within_limit", "groups": ["a"]}')
        assert r.status_code == 201, r.text

        def pieces() -> Iterator[bytes]:  # no length: httpx sends it chunked
            yield b'{"channel": "@chunked_ok",'
            time.sleep(0.05)
            yield b' "groups": ["' + b"g" * 1000 + b'"]}'

        r = client.post("/api/channels", content=pieces())
        assert r.status_code == 201, r.text
        assert {"within_limit", "chunked_ok"} <= {c.handle for c in server.store.channels.list()}


def test_the_limit_is_the_web_max_body_bytes_setting(backend: str, tmp_path: Path) -> None:
    config = WebConfig.from_settings(settings.load(None, {"web.max_body_bytes": 200, "web.language": "en"}))
    assert config.max_body_bytes == 200
    store = open_test_store(backend, tmp_path, "small")
    store.users.add("admin", hash_password(PASSWORDS["admin"]), "admin")
    key = new_api_key(store, store.users.get("admin"), "small")[0]
    try:
        with running(create_app(store, config)) as base:
            auth = {"Authorization": f"Bearer {key}"}
            r = httpx.post(f"{base}/api/channels", json={"channel": "@c" + "x" * 300}, headers=auth)
            assert r.status_code == 413
            assert r.json() == {
                "error": "the request body is larger than 200 bytes (web.max_body_bytes)",
                "status": 413,
            }
            r = httpx.post(f"{base}/api/channels", json={"channel": "@small_ok"}, headers=auth)
            assert r.status_code == 201
    finally:
        store.close()

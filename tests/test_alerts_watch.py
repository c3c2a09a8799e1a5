"""The alert run inside `svodka watch`: a real subprocess collecting from the local fake t.me raises and
delivers alerts to a signed webhook while it runs, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from collect_server import FakeTelegram, World, load_channels
from conftest import shared
from svodka.monitor.send import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from svodka.store import open_store

SECRET = "watch-secret"


@pytest.fixture
def hook() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    got: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if not verify_signature(
                SECRET, self.headers[TIMESTAMP_HEADER], body, self.headers[SIGNATURE_HEADER]
            ):
                self.send_response(401)
                self.end_headers()
                return
            got.extend(json.loads(body)["alerts"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], got
    finally:
        server.shutdown()


@pytest.mark.slow
def test_watch_delivers_alerts_after_its_collection_runs(
    tmp_path: Path, store_url: str, hook: tuple[int, list[dict[str, Any]]]
) -> None:
    port, got = hook
    world = World()
    for ch in load_channels(shared("tg_ru_news_2024", "posts.jsonl"), max_channels=3, max_posts=40):
        world.channels[ch.handle] = ch
    db = store_url
    with FakeTelegram(world) as server:
        cfg = tmp_path / "svodka.toml"
        cfg.write_text(
            f"""
[telegram]
web_base_url = "{server.url}"
[collect]
interval = 0.5
jitter = 0
host_rate = 0
backfill_posts = 1000
[alerts]
interval = 0.5
max_age_hours = 0
[[alerts.targets]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:{port}/"
secret_env = "WATCH_HOOK_SECRET"
[[watchlists]]
name = "russia"
query = "россия"
targets = ["hook"]
""",
            encoding="utf-8",
        )
        env = {**os.environ, "WATCH_HOOK_SECRET": SECRET}
        base = [sys.executable, "-m", "svodka", "--db", str(db), "--config", str(cfg)]
        subprocess.run([*base, "channels", "add", *world.channels], check=True, capture_output=True, env=env)
        proc = subprocess.Popen(
            [*base, "watch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not got:
                time.sleep(0.2)
            time.sleep(2)  # later runs: what is recorded is delivered
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    assert got, err
    with open_store(db) as store:
        recorded = store.alerts.recent(1000)
        texts = {p.id: p.text.lower() for p in store.posts.iter()}
    assert {a["post_id"] for a in got} <= {json.loads(a.payload)["post_id"] for a in recorded}
    assert all("росс" in texts[a["post_id"]] for a in got)
    assert len({a["delivery_id"] for a in got}) == len(got)  # none twice

"""A new platform in one module: the test-only "fakefeed" source (tests/plugins/fakefeed_source.py) is
registered through the entry point group ``svodka.sources`` of a package's metadata, exactly as a
third-party package would be, then added with `svodka channels add` and collected by `svodka collect`
(real subprocesses, a real HTTP server on 127.0.0.1, real posts)."""

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
from urllib.parse import parse_qs, urlsplit

import pytest

from svodka.collect import registry
from svodka.store import open_store

PLUGINS = Path(__file__).parent / "plugins"
SAMPLE = Path(__file__).parent.parent / "samples" / "tg_ru_news_2024-12-02.jsonl"


def _posts() -> list[dict[str, object]]:
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()[:12]]
    return [{"id": 100 + i, "date": r["date"], "text": r["text"]} for i, r in enumerate(rows)]


@pytest.fixture
def feed_server() -> Iterator[tuple[str, list[dict[str, object]], list[str]]]:
    posts = _posts()
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            after = int(parse_qs(urlsplit(self.path).query).get("after", ["0"])[0])
            page = [p for p in posts if int(p["id"]) > after][:5]  # type: ignore[call-overload]
            body = json.dumps({"title": "Fake Feed", "posts": page}, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/news.json", posts, seen
    finally:
        server.shutdown()
        server.server_close()


def _plugin_env(tmp_path: Path) -> dict[str, str]:
    """A folder on the path holding the plug-in module and its package metadata (a dist-info with the
    entry point), as `pip install` would leave them."""
    site = tmp_path / "site"
    info = site / "svodka_fakefeed-0.1.dist-info"
    info.mkdir(parents=True)
    (site / "fakefeed_source.py").write_text((PLUGINS / "fakefeed_source.py").read_text("utf-8"), "utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: svodka-fakefeed\nVersion: 0.1\n", "utf-8")
    (info / "entry_points.txt").write_text(
        "[svodka.sources]\nfakefeed = fakefeed_source:FakeFeedSource\n", "utf-8"
    )
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "SVODKA_COLLECT_HOST_RATE": "0"}


def _svodka(env: dict[str, str], db: str | Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "svodka", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_a_source_from_an_entry_point_is_added_and_collected(
    tmp_path: Path, store_url: str, feed_server: tuple[str, list[dict[str, object]], list[str]]
) -> None:
    url, posts, seen = feed_server
    env, db = _plugin_env(tmp_path), store_url
    added = _svodka(env, db, "channels", "add", f"fakefeed:{url}", "@rian_ru")
    assert added.returncode == 0, added.stderr
    listed = json.loads(_svodka(env, db, "channels", "list", "--json").stdout)
    assert [(c["platform"], c["handle"]) for c in listed] == [("fakefeed", url), ("telegram", "rian_ru")]

    first = _svodka(env, db, "collect", f"fakefeed:{url}")
    assert first.returncode == 0, first.stderr
    assert f"fakefeed:{url}: 12 new, 0 edited, 0 deleted; stored through #111" in first.stdout
    assert seen == ["/news.json?after=0", "/news.json?after=104", "/news.json?after=109"]
    with open_store(db, readonly=True) as store:
        feeds = {c.id: c.title for c in store.channels.list() if c.platform == "fakefeed"}
        stored = sorted(
            (p.message_id, p.text, feeds[p.channel_id]) for p in store.posts.iter(channel_ids=[*feeds])
        )
    assert stored == [(p["id"], p["text"], "Fake Feed") for p in posts]

    again = _svodka(env, db, "collect", f"fakefeed:{url}")  # from the saved position: nothing new
    assert again.returncode == 0 and f"fakefeed:{url}: 0 new" in again.stdout
    assert seen[-1] == "/news.json?after=111"
    status = _svodka(env, db, "status")
    assert f"fakefeed:{url}" in status.stdout


@pytest.fixture
def buggy_server() -> Iterator[tuple[str, list[str]]]:
    """A feed whose posts lack their ``id``: the fakefeed collector's parser raises ``KeyError``."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            body = json.dumps({"posts": [{"date": "2024-12-02T10:00:00+00:00", "text": "no id"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/bug.json", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_collector_bug_is_the_sources_error_with_backoff(
    tmp_path: Path, buggy_server: tuple[str, list[str]]
) -> None:
    url, seen = buggy_server
    env, db = _plugin_env(tmp_path), tmp_path / "s.db"
    assert _svodka(env, db, "channels", "add", f"fakefeed:{url}").returncode == 0
    # watch: the first run fails and the source backs off (collect.backoff_base = 30 s), not retried each tick
    watch = subprocess.Popen(
        [sys.executable, "-m", "svodka", "--db", str(db), "watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not seen and time.monotonic() < deadline and watch.poll() is None:
            time.sleep(0.1)
        time.sleep(4)  # four ticks of the watch loop
    finally:
        watch.send_signal(signal.SIGTERM)
        out, err = watch.communicate(timeout=60)
    assert seen == ["/bug.json?after=0"], err
    assert f"fakefeed:{url}: error: KeyError: 'id'" in out and "Traceback" not in err
    (source,) = json.loads(_svodka(env, db, "status", "--json").stdout)
    assert (source["source"], source["failures"]) == (f"fakefeed:{url}", 1)
    assert source["last_error"] == "KeyError: 'id'" and source["wait"] == "backoff"
    shown = _svodka(env, db, "status").stdout
    assert "KeyError: 'id'" in shown
    # collect: the same one line, no traceback, the failure counted again
    again = _svodka(env, db, "collect", f"fakefeed:{url}")
    assert again.returncode == 1 and "Traceback" not in again.stderr, again.stderr
    assert f"fakefeed:{url}: error: KeyError: 'id'" in again.stdout
    assert json.loads(_svodka(env, db, "status", "--json").stdout)[0]["failures"] == 2
    debug = _svodka(env, db, "-vv", "collect", f"fakefeed:{url}")  # -vv: where it raised, for a bug report
    assert "Traceback" in debug.stderr and "KeyError: 'id'" in debug.stderr


def test_without_the_package_its_references_are_not_channels(tmp_path: Path) -> None:
    done = _svodka(dict(os.environ), tmp_path / "s.db", "channels", "add", "fakefeed:http://127.0.0.1:9/x")
    assert done.returncode == 1
    assert "is not a channel: use @name" in done.stderr
    assert "fakefeed" not in "".join(s.kind for s in registry.sources())


def test_the_built_in_sources_and_what_they_read() -> None:
    assert [s.kind for s in registry.sources()] == ["web", "mtproto", "rss"]
    assert registry.parse_channel("t.me/s/bbcrussian").handle == "bbcrussian"
    assert registry.parse_channel("-1001101170442").ext_id == "1101170442"
    assert registry.parse_channel("https://meduza.io/rss/all").platform == "rss"
    with pytest.raises(Exception, match="invite or service link"):
        registry.parse_channel("https://t.me/joinchat/AAAA")


def test_every_source_names_settings_rows_that_exist() -> None:
    from svodka.settings import TABLE

    rows = {s.name for s in TABLE}
    for source in registry.sources():
        assert source.settings and set(source.settings) <= rows, source.kind

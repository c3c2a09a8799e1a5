"""Feeds (issue 19 §4): RSS 2.0 and Atom of digests, stories and a watchlist's matches, read back with
feedparser from a live server; their secret is stored only as a hash, stays out of the access log, and a
revoked one (from the account page or `svodka feeds revoke`, a real subprocess) answers 404."""

from __future__ import annotations

import logging
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import httpx
import pytest
import uvicorn

from svodka.monitor import feeds
from svodka.monitor.rules import RuleOptions
from svodka.monitor.run import scan
from svodka.monitor.watchlist import from_stored, watchlist
from svodka.store import open_store
from svodka.web.app import create_app
from svodka.web.server import free_port
from test_web_support import WebEnv, csrf_of, login, web  # noqa: F401

ANY_AGE = RuleOptions(max_age=None)


@pytest.fixture(scope="module")
def alerted(web: WebEnv) -> WebEnv:  # noqa: F811
    """The web store with watchlist «biden» (shared, the analyst's) and its post alerts recorded."""
    analyst = web.store.users.get("analyst")
    w = watchlist({"name": "biden", "query": "Байден", "rules": ["post"]})
    web.store.watchlists.add(w.name, w.spec(), owner_id=analyst.id, shared=True)
    lists = [from_stored(s.name, s.spec) for s in web.store.watchlists.list()]
    report = scan(web.store, lists, ANY_AGE, datetime.now(UTC))
    assert report.recorded >= 10
    return web


def _get(base: str, url: str) -> httpx.Response:
    return httpx.get(url if url.startswith("http") else base + url, timeout=30)


def _parse(r: httpx.Response) -> feedparser.FeedParserDict:
    assert r.status_code == 200, r.text[:300]
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_the_secret_is_kept_only_as_its_hash(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        secret, _token = feeds.create(store, feeds.FeedSpec("stories", group="news"))
        assert secret.startswith("svf_") and len(secret) > 30
        assert feeds.open_feed(store, secret)[1] == feeds.FeedSpec("stories", group="news")
    dump = "\n".join(sqlite3.connect(tmp_path / "s.db").iterdump())
    assert secret not in dump and secret[4:] not in dump
    assert feeds.token_hash(secret) in dump


def test_a_watchlist_feed_lists_its_matches_in_rss_and_atom(alerted: WebEnv) -> None:
    client = login(alerted.base, "analyst")
    r = client.post("/account/feeds", data={"kind": "watchlist", "name": "biden", "csrf_token": client.csrf})
    assert r.status_code == 201
    atom_url = re.search(r'id="new-feed-atom">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    rss_url = re.search(r'id="new-feed-rss">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    alerts = alerted.store.inbox.of_watchlist("biden")
    for url, version in ((atom_url, "atom10"), (rss_url, "rss20")):
        parsed = _parse(_get(alerted.base, url))
        assert parsed.version == version
        assert parsed.feed.title == "svodka: matches of watchlist biden"
        assert len(parsed.entries) == min(len(alerts), feeds.LIMIT)
        for e in parsed.entries:
            assert e.title.startswith("[post] ")
            assert re.fullmatch(re.escape(alerted.base) + r"/posts/\d+", e.link)
            assert "Байден" in e.summary or "Байден" in e.title or "байден" in e.summary.lower()
        # each link opens the post the alert is about (for a logged-in reader)
        post_id = int(parsed.entries[0].link.rsplit("/", 1)[1])
        assert client.get(f"/posts/{post_id}").status_code == 200
        assert "Байден" in alerted.store.posts.get(post_id).text
    # the account page lists it, without its secret
    page = client.get("/account").text
    assert "matches of watchlist biden" in page and atom_url.rsplit("/", 1)[1] not in page


def test_digest_and_stories_feeds(web: WebEnv) -> None:  # noqa: F811
    if web.digest_id is None or web.story_id is None:
        pytest.skip("no digest or stories in the web store (../shared/data/stories_dev is not there)")
    secret, _ = feeds.create(web.store, feeds.FeedSpec("digest"))
    parsed = _parse(_get(web.base, feeds.path(secret, "rss")))
    digest = web.store.digests.body(web.digest_id)
    entry = next(e for e in parsed.entries if e.link == f"{web.base}/digests/{web.digest_id}")
    for it in digest["items"]:
        assert f"/stories/{it['story_id']}" in entry.summary
    secret, _ = feeds.create(web.store, feeds.FeedSpec("digest", name="no such job"))
    assert _parse(_get(web.base, feeds.path(secret, "atom"))).entries == []

    secret, _ = feeds.create(web.store, feeds.FeedSpec("stories", language="ru"))
    parsed = _parse(_get(web.base, feeds.path(secret, "atom")))
    links = {e.link for e in parsed.entries}
    assert len(parsed.entries) == min(feeds.LIMIT, len(web.store.stories.list(limit=1000)))
    assert all(re.fullmatch(re.escape(web.base) + r"/stories/\d+", link) for link in links)
    secret, _ = feeds.create(web.store, feeds.FeedSpec("stories", language="xx"))
    assert _parse(_get(web.base, feeds.path(secret, "atom"))).entries == []
    secret, _ = feeds.create(web.store, feeds.FeedSpec("stories", group="no-such-group"))
    assert _parse(_get(web.base, feeds.path(secret, "rss"))).entries == []


def test_revoked_unknown_and_malformed_secrets_are_404(alerted: WebEnv) -> None:
    client = login(alerted.base, "viewer")
    r = client.post("/account/feeds", data={"kind": "stories", "csrf_token": client.csrf})
    url = re.search(r'id="new-feed-rss">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    assert _get(alerted.base, url).status_code == 200
    token = next(
        t for t in alerted.store.feeds.list(alerted.store.users.get("viewer").id) if not t.revoked_at
    )
    assert (
        client.post(f"/account/feeds/{token.id}/revoke", data={"csrf_token": client.csrf}).status_code == 303
    )
    assert _get(alerted.base, url).status_code == 404
    assert "revoked" in client.get("/account").text
    # another user cannot revoke one not theirs; an unknown, a bare or a wrong-format secret is 404
    secret, other = feeds.create(alerted.store, feeds.FeedSpec("digest"), user_id=None)
    r = client.post(f"/account/feeds/{other.id}/revoke", data={"csrf_token": client.csrf})
    assert r.status_code == 404 and _get(alerted.base, feeds.path(secret)).status_code == 200
    for bad in ("/feeds/atom/svf_nothing", "/feeds/atom/" + secret[4:], f"/feeds/xml/{secret}"):
        assert _get(alerted.base, bad).status_code == 404, bad
    # a viewer may not make a watchlist's feed; bad input is one line, nothing stored
    before = len(alerted.store.feeds.list())
    r = client.post("/account/feeds", data={"kind": "watchlist", "name": "biden", "csrf_token": client.csrf})
    assert r.status_code == 403
    r = client.post("/account/feeds", data={"kind": "digest", "topic": "x", "csrf_token": client.csrf})
    assert r.status_code == 400 and "only a stories feed is filtered" in r.text
    assert len(alerted.store.feeds.list()) == before


def test_a_private_watchlist_of_another_user_gets_no_feed(alerted: WebEnv) -> None:
    admin = alerted.store.users.get("admin")
    w = watchlist({"name": "admins-own", "query": "Песков"})
    alerted.store.watchlists.add(w.name, w.spec(), owner_id=admin.id, shared=False)
    client = login(alerted.base, "analyst")
    r = client.post(
        "/account/feeds", data={"kind": "watchlist", "name": "admins-own", "csrf_token": client.csrf}
    )
    assert r.status_code == 404
    # one the CLI made for another user answers 404 while the list is private
    secret, _ = feeds.create(
        alerted.store, feeds.FeedSpec("watchlist", "admins-own"), user_id=client_id(alerted)
    )
    assert _get(alerted.base, feeds.path(secret)).status_code == 404
    secret, _ = feeds.create(alerted.store, feeds.FeedSpec("watchlist", "admins-own"), user_id=admin.id)
    assert _get(alerted.base, feeds.path(secret)).status_code == 200
    # a watchlist's feed of a user who is no analyst (any more) answers 404 too
    viewer = alerted.store.users.get("viewer")
    secret, _ = feeds.create(alerted.store, feeds.FeedSpec("watchlist", "biden"), user_id=viewer.id)
    assert _get(alerted.base, feeds.path(secret)).status_code == 404


def client_id(env: WebEnv) -> int:
    return env.store.users.get("analyst").id


def _cli(env: WebEnv, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "svodka", "--db", env.path, *args], capture_output=True, text=True, timeout=120
    )


def test_cli_feeds_add_list_revoke(alerted: WebEnv) -> None:
    made = _cli(alerted, "feeds", "add", "watchlist", "biden", "--user", "analyst", "--label", "desk reader")
    assert made.returncode == 0, made.stderr
    path = re.search(r"atom\s+(/feeds/atom/\S+)", made.stdout).group(1)  # type: ignore[union-attr]
    feed_id = int(re.match(r"feed (\d+):", made.stdout).group(1))  # type: ignore[union-attr]
    assert len(_parse(_get(alerted.base, path)).entries) > 0
    listed = _cli(alerted, "feeds", "list")
    assert "matches of watchlist biden" in listed.stdout and path.rsplit("/", 1)[1] not in listed.stdout
    assert _cli(alerted, "feeds", "revoke", str(feed_id)).returncode == 0
    assert _get(alerted.base, path).status_code == 404
    again = _cli(alerted, "feeds", "revoke", str(feed_id))
    assert (
        again.returncode == 4
        and again.stderr.strip() == f"error: no feed {feed_id} to revoke (see `svodka feeds list`)"
    )
    bad = _cli(alerted, "feeds", "add", "watchlist", "nope")
    assert bad.returncode == 4 and bad.stderr.count("\n") == 1 and "no watchlist 'nope'" in bad.stderr


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logged_server(alerted: WebEnv) -> Iterator[tuple[str, _Lines]]:
    """The app under uvicorn with its access log on, as `svodka serve --log-level info` runs it."""
    app = create_app(alerted.store)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="info", access_log=True, log_config=None
    )
    server = uvicorn.Server(config)
    lines = _Lines()
    access = logging.getLogger("uvicorn.access")
    access.addHandler(lines)
    access.setLevel(logging.INFO)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", lines
    finally:
        server.should_exit = True
        thread.join(20)
        access.removeHandler(lines)


def test_the_access_log_shows_no_secret(logged_server: tuple[str, _Lines], alerted: WebEnv) -> None:
    base, lines = logged_server
    secret, _ = feeds.create(alerted.store, feeds.FeedSpec("watchlist", "biden"))
    for fmt in feeds.FORMATS:
        assert _get(base, feeds.path(secret, fmt) + "?x=1").status_code == 200
    assert _get(base, feeds.path("svf_" + "z" * 32)).status_code == 404
    feed_lines = [line for line in lines.lines if "/feeds/" in line]
    assert len(feed_lines) == 3, lines.lines
    assert all(secret not in line and secret[4:12] not in line for line in feed_lines)
    assert any('"GET /feeds/atom/…?x=1 HTTP/1.1" 200' in line for line in feed_lines), feed_lines
    assert "z" * 32 not in "\n".join(lines.lines)

"""Shared parts of the web tests: a store of real posts with accounts, copies and stories, and a live server.

The store holds the bundled sample (654 real posts of 2 December 2024) and, where ../shared/data is there,
the hand-labelled day of ``stories_dev`` (380 news posts in 147 gold stories). Two derived channels copy
posts of the largest gold story: one by forwarding (forward metadata, as Telegram marks it), one by
re-publishing the text (a near-duplicate). :class:`MemoryStories` holds the gold stories with those copies
linked to their origins, in the shape the stories stage hands the web app (``svodka.web.adapters``).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from conftest import ROOT, SHARED, new_store_url
from svodka.errors import NotFoundError
from svodka.ingest import import_file
from svodka.model import ChannelRef, ForwardOrigin, Post, SourceState, Story, StoryMember
from svodka.store import Store, open_store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password, new_api_key
from svodka.web.server import running

SAMPLE = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"
PASSWORDS = {"admin": "admin-pass-1", "analyst": "analyst-pass-1", "viewer": "viewer-pass-1"}
ROLES = ("viewer", "analyst", "admin")
FORWARDER = ChannelRef(handle="copy_digest_ru", ext_id="777000001", title="Копии новостей")
REWRITER = ChannelRef(handle="rewrite_news_ru", ext_id="777000002", title="Пересказ новостей")


class MemoryStories:
    """Stories held in memory with the methods the web app and the digest use (get, list, in_period)."""

    def __init__(self, stories: list[Story]) -> None:
        self.stories = {s.id: s for s in stories}

    def get(self, story_id: int) -> Story:
        if story_id not in self.stories:
            raise NotFoundError(f"no story with id {story_id}")
        return self.stories[story_id]

    def list(self, since: datetime | None = None, limit: int = 50, offset: int = 0) -> list[Story]:
        found = [s for s in self.stories.values() if since is None or s.last_date >= since]
        found.sort(key=lambda s: (s.last_date, s.id), reverse=True)
        return found[offset : offset + limit]

    def in_period(self, since: datetime, until: datetime) -> list[Story]:
        return [s for s in self.stories.values() if s.last_date >= since and s.first_date < until]

    def search(self, query: str, limit: int = 10) -> list[Story]:
        words = [w for w in re.findall(r"\w+", query.lower()) if len(w) > 2]
        hits = [
            s
            for s in self.stories.values()
            if words and all(w in s.members[0].post.text.lower() for w in words)
        ]
        return hits[:limit]


@dataclass
class WebEnv:
    store: Store
    base: str
    path: str  # the store's URL (a file path for SQLite)
    keys: dict[str, str] = field(default_factory=dict)  # role -> API key
    story_id: int | None = None  # the largest gold story (with copies), when stories_dev is there
    digest_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _add_copies(store: Store, story: Story) -> Story:
    """Forward two posts of ``story`` and re-publish a third; returns the story with the copies linked."""
    originals = [m.post for m in story.members[:3]]
    store.posts.save(
        [
            Post(
                channel=FORWARDER,
                message_id=100 + i,
                date=p.date + timedelta(minutes=7 + i),
                text=p.text,
                views=1000 + 250 * i,
                forward=ForwardOrigin(
                    ext_id=store.channels.by_id(p.channel_id).ext_id, message_id=p.message_id
                ),
            )
            for i, p in enumerate(originals[:2])
        ]
        + [
            Post(
                channel=REWRITER,
                message_id=500,
                date=originals[2].date + timedelta(minutes=30),
                text="Срочно: " + originals[2].text,
                views=420,
            )
        ]
    )
    fwd_id = store.channels.resolve(FORWARDER)
    rw_id = store.channels.resolve(REWRITER)
    copies = []
    for i, p in enumerate(originals[:2]):
        copy = store.posts.by_key(fwd_id, 100 + i)
        assert copy is not None
        copies.append(StoryMember(copy, language="ru", origin_post_id=p.id))
    rewrite = store.posts.by_key(rw_id, 500)
    assert rewrite is not None
    copies.append(StoryMember(rewrite, language="ru", origin_post_id=originals[2].id, similarity=0.93))
    members = tuple(sorted((*story.members, *copies), key=lambda m: (m.post.date, m.post.id)))
    return replace(story, members=members, first_date=members[0].post.date, last_date=members[-1].post.date)


def build_store(path: str) -> WebEnv:
    store = open_store(path)
    import_file(store, SAMPLE)
    for role in ROLES:
        store.users.add(role, hash_password(PASSWORDS[role]), role)
    env = WebEnv(store=store, base="", path=path)
    for role in ROLES:
        env.keys[role] = new_api_key(store, store.users.get(role), f"{role} tests")[0]
    now = datetime.now(UTC)
    store.state.put(
        SourceState(
            key="web:rian_ru",
            position=125_934,
            last_success=now - timedelta(minutes=5),
            next_attempt=now + timedelta(minutes=10),
            posts_collected=654,
        )
    )
    store.state.put(
        SourceState(
            key="rss:https://example.org/feed",
            last_error="HTTP 503 from the feed",
            last_error_at=now - timedelta(minutes=2),
            failures=3,
            next_attempt=now + timedelta(minutes=8),
        )
    )
    gold_dir = SHARED / "stories_dev"
    if gold_dir.exists():
        from svodka.evaluate.gold import gold_stories

        gold = gold_stories(store, gold_dir)
        biggest = max(gold.stories, key=lambda s: (len(s.members), -s.id))
        with_copies = _add_copies(store, biggest)
        stories = [with_copies if s.id == biggest.id else s for s in gold.stories]
        keep_stories(store, stories)
        env.story_id = biggest.id
        env.extra["gold_title"] = gold.titles.get(gold.labels[biggest.id], "")
        env.digest_id = _make_digest(store, with_copies.first_date)
    return env


def keep_stories(store: Store, stories: list[Story]) -> None:
    """Put ``stories`` in the store's story repository (as the pipeline does), else hold them in memory."""
    repo = getattr(store, "stories", None)
    analysis = getattr(store, "analysis", None)
    if repo is None or analysis is None or not hasattr(repo, "save"):
        store.stories = MemoryStories(stories)  # type: ignore[attr-defined]
        return
    from svodka.store.sqlite.stories import PostAnalysis

    analysis.save(
        PostAnalysis(m.post.id, m.language or "ru", False, None, m.post.text, 0, m.origin_post_id)
        for s in stories
        for m in s.members
    )
    repo.save([(m.post.id, s.id, m.similarity) for s in stories for m in s.members])


def _make_digest(store: Store, day: datetime) -> int | None:
    """A real digest of the gold day, by the digest package (None, with a warning, if it cannot build one)."""
    try:
        from svodka.digest import DigestQuery, build_digest, save_digest

        start = day.replace(hour=0, minute=0, second=0, microsecond=0)
        query = DigestQuery(since=start, until=start + timedelta(days=1))
        return save_digest(store, build_digest(store, query)).id
    except Exception as e:  # the digest stage's own tests say why; the digest pages are then skipped here
        warnings.warn(f"no digest for the web tests: {e!r}", stacklevel=1)
        return None


@pytest.fixture(scope="module")
def web(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    """A live server on 127.0.0.1 over a fresh store of the backend (one per test module)."""
    path = new_store_url(backend, tmp_path_factory.mktemp("web"), "web")
    env = build_store(path)
    config = WebConfig(login_max_failures=5, login_window_s=900)
    with running(create_app(env.store, config)) as base:
        env.base = base
        yield env
    env.store.close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def login(base: str, role: str, password: str | None = None) -> httpx.Client:
    """A client logged in as ``role`` (the user of that name); its ``csrf`` attribute is the session token."""
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login")
    r = client.post(
        "/login",
        data={
            "username": role,
            "password": password or PASSWORDS[role],
            "csrf_token": csrf_of(page.text),
            "next": "/account",
        },
    )
    assert r.status_code == 303, r.text[:300]
    account = client.get("/account")
    assert account.status_code == 200
    client.csrf = csrf_of(account.text)  # type: ignore[attr-defined]
    return client

"""The web app's storage (migration 0006, users, channel statistics) and its pure parts."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from svodka.errors import InputError, StoreError
from svodka.model import ChannelRef, ForwardOrigin, Post, Story, StoryMember
from svodka.pipeline.credibility import ChannelRecord
from svodka.store import Store
from svodka.web import adapters, views
from svodka.web.auth import hash_password, verify_password
from svodka.web.provenance import FORWARD, NEAR_DUPLICATE, provenance

T0 = datetime(2024, 12, 2, 9, 0, tzinfo=UTC)
ORIGIN = ChannelRef(handle="origin_news", ext_id="1001")
FWD = ChannelRef(handle="forwarder", ext_id="1002")
OTHER = ChannelRef(handle="other_news", ext_id="1003")


def _posts(store: Store) -> None:
    store.posts.save(
        [
            Post(ORIGIN, i, T0 + timedelta(hours=i), f"Новость номер {i}", views=v)
            for i, v in enumerate([100, 300, 200, 1000], 1)
        ]
        + [
            Post(
                FWD,
                10 + i,
                T0 + timedelta(hours=i, minutes=5),
                f"Новость номер {i}",
                views=50,
                forward=ForwardOrigin(ext_id="1001", message_id=i),
            )
            for i in (1, 2)
        ]
        + [Post(FWD, 20, T0 + timedelta(hours=3), "Своя новость")]
        + [
            Post(
                OTHER,
                30,
                T0 + timedelta(hours=2, minutes=9),
                "Новость номер 2",
                forward=ForwardOrigin(handle="origin_news", message_id=2),
            )
        ]
    )


def test_users_repository_rules(store: Store) -> None:
    h = hash_password("secret-pass")
    assert verify_password(h, "secret-pass") and not verify_password(h, "secret-pasS")
    admin = store.users.add("Root", h, "admin")
    assert store.users.get("root").id == admin.id  # names are case-insensitive
    with pytest.raises(StoreError, match="exists already"):
        store.users.add("ROOT", h, "viewer")
    with pytest.raises(StoreError, match="role must be"):
        store.users.add("x", h, "superuser")
    with pytest.raises(StoreError, match="without spaces"):
        store.users.add("two words", h, "viewer")
    store.users.add("v", h, "viewer")
    with pytest.raises(StoreError, match="last admin"):
        store.users.set_role("root", "viewer")
    with pytest.raises(StoreError, match="last admin"):
        store.users.remove("root")
    assert admin.may("viewer") and not store.users.get("v").may("analyst")
    with pytest.raises(InputError, match="at least 8"):
        hash_password("short")


def test_account_repositories_one_concern_each(store: Store) -> None:
    """Users, sessions, API keys, login attempts and marks: a repository each (issue 12)."""
    h = hash_password("secret-pass")
    ann = store.users.add("ann", h, "analyst")
    bob = store.users.add("bob", h, "viewer")
    now = int(time.time())
    # sessions: a live one is found with its user and CSRF token, an expired or deleted one is not
    store.sessions.create("live", ann.id, "csrf-1", now + 3600)
    store.sessions.create("old", bob.id, "csrf-2", now - 1)
    found = store.sessions.get("live")
    assert found is not None and (found.user.id, found.csrf, found.expires_at) == (
        ann.id,
        "csrf-1",
        now + 3600,
    )
    assert store.sessions.get("old") is None and store.sessions.get("nobody") is None
    store.sessions.create("bob", bob.id, "csrf-3", now + 3600)
    store.sessions.delete("bob")
    assert store.sessions.get("bob") is None
    store.users.set_password("ann", hash_password("other-pass"))  # a new password ends her sessions
    assert store.sessions.get("live") is None
    # API keys: listed per owner, found by prefix with their hash and owner, revoked only by their owner
    key = store.api_keys.add(ann.id, "abc123", "hash-1", "  cron  ")
    assert (key.name, key.last_used) == ("cron", None)
    by_prefix = store.api_keys.by_prefix("abc123")
    assert (
        by_prefix is not None and by_prefix[0] == key and by_prefix[1:] == ("hash-1", store.users.get("ann"))
    )
    assert store.api_keys.by_prefix("zzz") is None
    store.api_keys.touch(key.id)
    assert store.api_keys.list(ann.id)[0].last_used is not None and store.api_keys.list(bob.id) == []
    assert not store.api_keys.revoke(bob.id, key.id) and store.api_keys.revoke(ann.id, key.id)
    assert store.api_keys.list(ann.id) == []
    # login attempts: failures counted per user name and per client since a time; successes are not failures
    store.login_attempts.record("ann", "10.0.0.1", False)
    store.login_attempts.record("ann", "10.0.0.2", False)
    store.login_attempts.record(" ann ", "10.0.0.1", True)
    store.login_attempts.record("bob", "10.0.0.1", False)
    seen = store.login_attempts.failures_since("ann", "10.0.0.1", now - 60)
    assert (seen.pair, seen.client) == (0, 2)  # the pair's success starts its count again
    assert store.login_attempts.failures_since("ann", "10.0.0.2", now - 60).pair == 1
    assert store.login_attempts.failures_since("ann", "10.0.0.1", now + 3600).client == 0
    # marks: one per (user, kind, id), a second set changes the note; only posts and stories
    store.marks.set(ann.id, "story", 7, "check")
    mark = store.marks.set(ann.id, "story", 7, "checked")
    store.marks.set(ann.id, "post", 3)
    assert mark.note == "checked" and {(m.kind, m.ref_id) for m in store.marks.list(ann.id)} == {
        ("story", 7),
        ("post", 3),
    }
    assert store.marks.list(bob.id) == []
    with pytest.raises(StoreError, match="post or a story"):
        store.marks.set(ann.id, "channel", 1)
    assert store.marks.remove(ann.id, "post", 3) and not store.marks.remove(ann.id, "post", 3)
    assert [m.ref_id for m in store.marks.list(ann.id)] == [7]


def test_channel_statistics(store: Store) -> None:
    _posts(store)
    by = {a.channel_id: a for a in store.channel_stats.activity()}
    origin, fwd, other = (store.channels.resolve(r) for r in (ORIGIN, FWD, OTHER))
    assert by[origin].posts == 4 and by[origin].forwarded == 0 and by[origin].share_original == 1.0
    assert by[origin].median_views == 250.0  # of 100, 200, 300, 1000
    assert by[origin].posts_per_day == 4.0  # 3 hours of posting count as one day
    # Copied by three posts of two channels: two forwards by id, one by handle.
    assert (by[origin].copied_by_posts, by[origin].copied_by_channels) == (3, 2)
    assert by[fwd].forwarded == 2 and by[fwd].share_copied == pytest.approx(2 / 3)
    assert by[other].copied_by_posts == 0
    assert store.channel_stats.copiers(origin) == [(fwd, 2), (other, 1)]
    assert store.channel_stats.sources(fwd) == [("origin_news", 2)]
    assert store.channel_stats.daily(origin) == [("2024-12-02", 4)]
    post2 = store.posts.by_key(origin, 2)
    assert post2 is not None
    copies = [store.posts.get(i).channel_id for i in store.channel_stats.copies_of(post2.id)]
    assert copies == [fwd, other]  # earliest first
    assert store.channel_stats.activity(origin)[0].posts == 4


def _story(store: Store) -> Story:
    _posts(store)
    origin, fwd, other = (store.channels.resolve(r) for r in (ORIGIN, FWD, OTHER))
    p2 = store.posts.by_key(origin, 2)
    f2 = store.posts.by_key(fwd, 12)
    o2 = store.posts.by_key(other, 30)
    own = store.posts.by_key(fwd, 20)
    assert p2 and f2 and o2 and own
    # The pipeline links the forward to its origin; the other channel's copy it saw as a near-duplicate
    # of the forward (so the origin is looked up outside the members).
    members = (
        StoryMember(p2),
        StoryMember(f2, origin_post_id=p2.id),
        StoryMember(o2, origin_post_id=f2.id),
        StoryMember(own),
    )
    return Story(7, members, p2.date, own.date)


def test_provenance(store: Store) -> None:
    story = _story(store)
    channels = {c.id: c for c in store.channels.list()}
    prov = provenance(story, channels, store.posts.get)
    assert prov.first.id == story.members[0].post.id
    assert (prov.independent, prov.copied, prov.independent_channels) == (2, 2, 2)
    kinds = {c.post.channel: (c.kind, c.origin.channel if c.origin else None, c.delay_s) for c in prov.copies}
    assert kinds["forwarder"] == (FORWARD, "origin_news", 300.0)
    assert kinds["other_news"][0] == FORWARD  # it carries forward metadata
    roles = {r.name: r for r in prov.channels}
    assert roles["origin_news"].was_first and not roles["forwarder"].was_first
    assert (roles["forwarder"].originals, roles["forwarder"].copies) == (1, 1)
    # Without forward metadata a copy is a near-duplicate.
    plain = Story(
        8,
        (
            StoryMember(story.members[0].post),
            StoryMember(story.members[3].post, origin_post_id=story.members[0].post.id),
        ),
        story.first_date,
        story.last_date,
    )
    assert [c.kind for c in provenance(plain, channels).copies] == [NEAR_DUPLICATE]


def test_trending(store: Store) -> None:
    story = _story(store)
    store.stories.save((m.post.id, 7, 1.0) for m in story.members)
    assert [m.post.id for m in adapters.story(store, 7).members] == [m.post.id for m in story.members]
    trends = adapters.trending(store, hours=2, now=T0 + timedelta(hours=3, minutes=30))
    assert [t.story.id for t in trends] == [7]
    assert (trends[0].recent, trends[0].before, trends[0].channels) == (4, 0, 3)
    slower = adapters.trending(store, hours=1, now=T0 + timedelta(hours=3, minutes=30))
    assert (slower[0].recent, slower[0].before, slower[0].channels) == (1, 3, 1)
    assert slower[0].growth < trends[0].growth
    assert adapters.trending(store, hours=1, now=T0 + timedelta(days=3)) == []


def _counting_learn(monkeypatch: pytest.MonkeyPatch, pause: threading.Event | None = None) -> list[float]:
    """Count the computations of the credibility records (each still the real one, made slow enough
    that concurrent requests overlap it); with ``pause``, every computation after the first waits for it."""
    calls: list[float] = []
    real = adapters.learn

    def learn(store: Store) -> dict[int, ChannelRecord]:
        calls.append(time.monotonic())
        if pause is not None and len(calls) > 1:
            assert pause.wait(10)
        time.sleep(0.2)
        return real(store)

    monkeypatch.setattr(adapters, "learn", learn)
    return calls


def test_a_cold_credibility_cache_is_computed_once_for_many_requests(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = _story(store)
    store.stories.save((m.post.id, 7, 1.0) for m in story.members)
    ids = [c.id for c in store.channels.list()]
    calls = _counting_learn(monkeypatch)
    start = threading.Barrier(20)

    def request() -> dict[int, dict[str, object]]:
        start.wait()
        return adapters.credibility(store, ids)

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda _: request(), range(20)))
    assert len(calls) == 1  # not 20: one request learned the records, the others waited for its result
    assert results[0] and all(r == results[0] for r in results)
    assert set(results[0]) == {m.post.channel_id for m in story.members}


def test_an_expired_credibility_cache_is_served_while_one_request_refreshes_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _story(store)
    pause = threading.Event()
    calls = _counting_learn(monkeypatch, pause)
    first = adapters.records(store)
    monkeypatch.setattr(adapters, "RECORDS_TTL_S", 0.0)  # from now on the cached records have expired
    with ThreadPoolExecutor(1) as pool:
        refreshing = pool.submit(adapters.records, store)
        while len(calls) < 2:  # the refresh has begun and waits on `pause`
            time.sleep(0.01)
        t0 = time.monotonic()
        during = [adapters.records(store) for _ in range(10)]
        assert time.monotonic() - t0 < 0.5  # answered at once, not after the refresh
        pause.set()
        assert refreshing.result(10) == first
    assert all(r is first for r in during)  # the stale records, not a computation of their own each
    assert len(calls) == 2


def test_highlight_escapes_and_marks() -> None:
    html = str(views.highlight("<b>[Байден]</b> **жирный** [Ссылка](https://t.me/x) [слово]"))
    assert html == "&lt;b&gt;<mark>Байден</mark>&lt;/b&gt; жирный Ссылка <mark>слово</mark>"

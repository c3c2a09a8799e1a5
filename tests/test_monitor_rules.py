"""Alert rules on a real store: stories reaching N independent sources (then updates, one alert per story
per rule), spikes against the story's own baseline, confirmation by a tier, edits and deletions of watched
channels with old and new text; quiet hours and batching of a target; the Telegram bot target."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import open_test_store
from svodka.digest.deliver import BotSettings, SmtpSettings
from svodka.model import ChannelRef, Post, PostAnalysis, StoredPost, Story, StoryMember
from svodka.monitor.match import Matcher
from svodka.monitor.rules import RuleOptions, spike, story_drafts
from svodka.monitor.run import scan
from svodka.monitor.send import Channels, Retry, deliver_due
from svodka.monitor.targets import target
from svodka.monitor.watchlist import watchlist
from svodka.store import Store

T0 = datetime(2024, 12, 2, 9, 0, tzinfo=UTC)
ANY_AGE = RuleOptions(max_age=None)


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[Store]:
    with open_test_store(backend, tmp_path) as s:
        for i, tier in enumerate((1, 3, 3, 3, 3, 3), 1):
            s.channels.add(ChannelRef(handle=f"ch{i}", title=f"Канал {i}"), tier=tier, groups=("news",))
        yield s


def _post(store: Store, channel: int, msg: int, minutes: float, text: str) -> int:
    store.posts.save([Post(ChannelRef(handle=f"ch{channel}"), msg, T0 + timedelta(minutes=minutes), text)])
    found = store.posts.by_key(channel, msg)
    assert found is not None
    return found.id


def _place(store: Store, story_id: int, post_ids: list[int], origin: dict[int, int] | None = None) -> None:
    origin = origin or {}
    store.analysis.save(PostAnalysis(p, "ru", False, None, "", p, origin.get(p)) for p in post_ids)
    store.stories.save((p, story_id, 1.0) for p in post_ids)


LISTS = [
    watchlist(
        {"name": "cb", "query": "ставка", "rules": ["sources>=3", "tier<=1", "spike>=3"], "targets": ["t"]}
    ),
]


def test_sources_then_updates_one_alert_per_story_per_rule(store: Store) -> None:
    sid = store.stories.reserve_ids(1)
    first = [_post(store, c, 1, 10 * c, f"ЦБ сохранил ставку, пишет канал {c}") for c in (2, 3)]
    copy = _post(store, 4, 1, 30, "ЦБ сохранил ставку (копия)")
    _place(store, sid, [*first, copy], origin={copy: first[0]})
    scan(store, LISTS, ANY_AGE, T0)
    assert not [a for a in store.alerts.recent() if a.rule == "sources"]  # the copy counts with its origin
    more = _post(store, 5, 1, 40, "Ставка сохранена, сообщает канал 5")
    _place(store, sid, [more])
    scan(store, LISTS, ANY_AGE, T0)
    [a] = [a for a in store.alerts.recent() if a.rule == "sources"]
    assert (a.subject, a.level, a.revision) == (f"story:{sid}", 3, 1)
    assert json.loads(a.payload)["sources"] == 3
    scan(store, LISTS, ANY_AGE, T0)  # nothing new: nothing recorded
    _place(store, sid, [_post(store, 6, 1, 50, "И ещё о ставке")])
    scan(store, LISTS, ANY_AGE, T0)
    [a] = [a for a in store.alerts.recent() if a.rule == "sources"]
    assert (a.level, a.revision) == (4, 2)  # the same alert, updated
    deliveries = store.alerts.due(T0 + timedelta(hours=1))
    assert [(d.alert_id, d.revision) for d in deliveries if d.alert_id == a.id] == [(a.id, 1), (a.id, 2)]


def test_tier_confirmation(store: Store) -> None:
    sid = store.stories.reserve_ids(1)
    _place(store, sid, [_post(store, 2, 7, 0, "ставка"), _post(store, 3, 7, 5, "ставка")])
    scan(store, LISTS, ANY_AGE, T0)
    assert not [a for a in store.alerts.recent() if a.rule == "tier"]
    _place(store, sid, [_post(store, 1, 7, 9, "ставка: подтверждаем")])  # channel 1 has tier 1
    scan(store, LISTS, ANY_AGE, T0)
    assert [a.level for a in store.alerts.recent() if a.rule == "tier"] == [1]


def _story(times: list[tuple[int, float]]) -> Story:
    members = tuple(
        StoryMember(StoredPost(i, ch, f"ch{ch}", i, T0 + timedelta(minutes=m), "ставка", None))
        for i, (ch, m) in enumerate(times, 1)
    )
    return Story(1, members, members[0].post.date, members[-1].post.date)


def test_a_spike_is_judged_against_the_storys_own_earlier_rate() -> None:
    burst = _story([(1, 0), (2, 300), (3, 310), (4, 320), (5, 330)])  # 1 channel over 5 h, then 4 in an hour
    assert spike(burst, 3.0) == (4, pytest.approx(1 / 5))  # one channel in five hours
    steady = _story([(c % 6 + 1, m) for c, m in enumerate(range(0, 360, 15))])  # ~4 channels every hour
    recent, base = spike(steady, 3.0)
    assert recent >= 3 and recent < 3 * base
    m = Matcher(LISTS, [])
    kinds = lambda s: {d.rule for d in story_drafts(m, [s], {}, {}, T0, ANY_AGE)}  # noqa: E731
    assert "spike" in kinds(burst) and "spike" not in kinds(steady)


def test_edits_and_deletions_of_watched_channels_carry_old_and_new_text(store: Store) -> None:
    lists = [watchlist({"name": "pool", "channels": ["@ch2"], "query": "Песков", "rules": ["edits"]})]
    pid = _post(store, 2, 5, 0, "Песков: встречи не будет")
    other = _post(store, 3, 5, 0, "Песков: встречи не будет")  # not a watched channel
    scan(store, lists, ANY_AGE, T0)
    store.posts.save([Post(ChannelRef(handle="ch2"), 5, T0, "Песков: встреча состоится")])
    store.posts.save([Post(ChannelRef(handle="ch3"), 5, T0, "Песков: встреча состоится")])
    scan(store, lists, ANY_AGE, T0)
    [a] = store.alerts.recent()
    body = json.loads(a.payload)
    assert (a.rule, a.subject) == ("edit", f"post:{pid}")
    assert body["old_text"] == "Песков: встречи не будет" and body["new_text"] == "Песков: встреча состоится"
    store.posts.mark_deleted(2, [5], "test")
    store.posts.mark_deleted(3, [5], "test")
    scan(store, lists, ANY_AGE, T0)
    assert {(a.rule, a.subject) for a in store.alerts.recent()} == {
        ("edit", f"post:{pid}"),
        ("delete", f"post:{pid}"),
    }
    assert other != pid


@pytest.fixture
def hook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    got: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            got.append(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            if self.path.startswith("/botTOKEN/"):
                self.wfile.write(b'{"ok": true, "result": {"message_id": 1}}')

        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", got
    finally:
        server.shutdown()


def _channels(api: str) -> Channels:
    return Channels(SmtpSettings(), BotSettings(api, "TOKEN", 5.0), 5.0)


def test_quiet_hours_hold_then_one_message_and_batching(store: Store, hook: tuple[str, list[Any]]) -> None:
    url, got = hook
    lists = [watchlist({"name": "w", "query": "ставка", "rules": ["post"], "targets": ["quiet", "batch"]})]
    targets = {
        "quiet": target(
            {"name": "quiet", "kind": "webhook", "url": url + "/q", "quiet_hours": "22:00-07:00"}, "k"
        ),
        "batch": target({"name": "batch", "kind": "webhook", "url": url + "/b", "batch_minutes": 10}, "k"),
    }
    for i in range(3):
        _post(store, 2, 100 + i, i, f"ставка {i}")
    night = datetime(2024, 12, 2, 23, 0, tzinfo=UTC)
    scan(store, lists, ANY_AGE, night)
    r = deliver_due(store, targets, _channels(url), Retry(), night)
    assert r.held == 3 and r.sent == 3  # the quiet target holds; the batched one sends one message of three
    assert [len(b["alerts"]) for b in got] == [3]
    _post(store, 2, 200, 5, "ставка снова")
    scan(store, lists, ANY_AGE, night + timedelta(minutes=5))
    r = deliver_due(store, targets, _channels(url), Retry(), night + timedelta(minutes=5))
    assert r.sent == 0  # within the batch window
    morning = datetime(2024, 12, 3, 7, 30, tzinfo=UTC)
    r = deliver_due(store, targets, _channels(url), Retry(), morning)
    assert r.sent == 5 and sorted(len(b["alerts"]) for b in got) == [1, 3, 4]  # the night's four: one message


def test_bot_target(store: Store, hook: tuple[str, list[Any]]) -> None:
    url, got = hook
    lists = [watchlist({"name": "w", "query": "Песков", "rules": ["post"], "targets": ["bot"]})]
    _post(store, 2, 1, 0, "Пескову задали вопрос <о встрече>")
    scan(store, lists, ANY_AGE, T0)
    bot = {"bot": target({"name": "bot", "kind": "bot", "chat": "-100123"})}
    assert deliver_due(store, bot, _channels(url), Retry(), T0).sent == 1
    assert got[0]["chat_id"] == "-100123" and "&lt;о встрече&gt;" in got[0]["text"]


def test_an_imported_archive_raises_no_alert(store: Store) -> None:
    lists = [watchlist({"name": "w", "query": "ставка", "rules": ["post", "sources>=1"], "targets": ["t"]})]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    sid = store.stories.reserve_ids(1)
    _place(store, sid, [_post(store, 2, 300, 0, "ставка из архива")])
    scan(store, lists, RuleOptions(), now)  # 24 h by default: a year old
    assert store.alerts.recent() == []
    assert store.alerts.get_state("posts") == store.alerts.last_post_id()  # not read again next time
    fresh = _post(store, 3, 301, (now - T0).total_seconds() / 60 - 30, "ставка сегодня")
    _place(store, sid, [fresh])
    scan(store, lists, RuleOptions(), now)
    assert {(a.rule, a.subject) for a in store.alerts.recent()} == {
        ("post", f"post:{fresh}"),
        ("sources", f"story:{sid}"),
    }


def test_an_edit_seen_in_the_same_second_as_the_last_run_is_not_missed(store: Store) -> None:
    lists = [watchlist({"name": "pool", "channels": ["@ch2"], "rules": ["edits"]})]
    ref, at = ChannelRef(handle="ch2"), T0 + timedelta(seconds=10)
    store.posts.save([Post(ref, 9, T0, "первая редакция")], seen_at=T0)
    store.posts.save([Post(ref, 9, T0, "вторая редакция")], seen_at=at)
    scan(store, lists, ANY_AGE, at)
    store.posts.save([Post(ref, 9, T0, "третья редакция")], seen_at=at)  # the same second as the watermark
    scan(store, lists, ANY_AGE, at)
    scan(store, lists, ANY_AGE, at)  # seen again: nothing more
    [a] = store.alerts.recent()
    assert (a.rule, a.level, a.revision) == ("edit", 2, 2)
    body = json.loads(a.payload)
    assert (body["old_text"], body["new_text"]) == ("вторая редакция", "третья редакция")


def test_an_edit_is_found_whenever_its_old_text_was_last_seen(store: Store) -> None:
    # A version keeps when its old text was last seen, not when the edit was: B's edit, found after A's,
    # carries an earlier time than A's. The monitor reads the store's change feed, so it misses neither.
    lists = [watchlist({"name": "pool", "groups": ["news"], "rules": ["edits"]})]
    a, b = ChannelRef(handle="ch2"), ChannelRef(handle="ch3")
    store.posts.save([Post(a, 1, T0, "A, первая")], seen_at=T0 + timedelta(seconds=50))
    store.posts.save([Post(b, 1, T0, "B, первая")], seen_at=T0 + timedelta(seconds=40))
    store.posts.save([Post(a, 1, T0, "A, вторая")], seen_at=T0 + timedelta(seconds=100))
    scan(store, lists, ANY_AGE, T0)
    store.posts.save([Post(b, 1, T0, "B, вторая")], seen_at=T0 + timedelta(seconds=120))
    scan(store, lists, ANY_AGE, T0)
    assert sorted(json.loads(x.payload)["new_text"] for x in store.alerts.recent()) == [
        "A, вторая",
        "B, вторая",
    ]

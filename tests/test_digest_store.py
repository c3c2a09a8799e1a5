"""Digests in the store: migration 0004, repeats shown again only as updates, periods, filters, the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import open_test_store, shared
from svodka.digest import DigestQuery, build_digest, save_digest
from svodka.digest.compose import DigestOptions
from svodka.digest.period import resolve_period
from svodka.errors import ConfigError, SvodkaError
from svodka.evaluate.gold import GoldStories, gold_stories
from svodka.model import ChannelRef, Post, StoredPost, Story, StoryMember
from svodka.store import Store

DAY = (datetime(2024, 11, 30, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC))


@pytest.fixture
def gold_store(backend: str, tmp_path: Path) -> Iterator[tuple[Store, GoldStories]]:
    store = open_test_store(backend, tmp_path, "d")
    gold = gold_stories(store, shared("stories_dev"))
    # the gold stories, saved as the stories stage saves its own
    store.stories.save((m.post.id, s.id, 1.0) for s in gold.stories for m in s.members)
    yield store, gold
    store.close()


def test_a_new_store_has_no_digests(store: Store) -> None:
    # (that migration 0004 is applied: tests/sqlite/test_sqlite_migrations.py)
    assert store.digests.last("nothing") is None


def test_repeats_come_back_only_as_updates(gold_store: tuple[Store, GoldStories]) -> None:
    store, gold = gold_store
    q = DigestQuery(*DAY, top=10)
    first = save_digest(store, build_digest(store, q))
    assert first.id is not None and len(first.items) == 10 and not any(it.update for it in first.items)
    rec = store.digests.last(q.kind)
    assert rec is not None and set(rec.items) == {it.card.story_id for it in first.items}

    # The same period again: the digest saved for it is no predecessor (issue 14 §5), the same ten.
    again = build_digest(store, q)
    assert again.repeats_skipped == 0 and {it.card.story_id for it in again.items} == set(rec.items)
    # A period ending later: the ten were shown and nothing happened since, so others take their place.
    second = build_digest(store, DigestQuery(DAY[0], DAY[1] + timedelta(hours=1), top=10))
    assert second.repeats_skipped == 10 and second.previous_id == first.id
    assert not {it.card.story_id for it in second.items} & set(rec.items)

    # A new post joins the top story: it comes back, marked as an update with one new post.
    top = next(s for s in gold.stories if s.id == first.items[0].card.story_id)
    last = top.members[-1].post
    channel = store.channels.by_id(last.channel_id)
    new = Post(
        ChannelRef(handle=channel.handle, ext_id=channel.ext_id, title=channel.title),
        last.message_id + 10_000,
        last.date + timedelta(minutes=30),
        last.text,
    )
    assert store.posts.save([new]).new == 1
    stored = store.posts.by_key(last.channel_id, new.message_id)
    assert stored is not None
    store.stories.save([(stored.id, top.id, 1.0)])
    third = build_digest(store, DigestQuery(DAY[0], DAY[1] + timedelta(hours=1), top=10))
    updates = [it for it in third.items if it.update]
    assert [it.card.story_id for it in updates] == [top.id]
    assert updates[0].new_posts == 1
    # A digest of another kind (a topic) has its own history.
    other = build_digest(store, DigestQuery(*DAY, top=10, topic="politics"))
    assert other.previous_id is None and all(it.card.topic == "politics" for it in other.items)


def test_group_and_language_filters(gold_store: tuple[Store, GoldStories]) -> None:
    store, _ = gold_store
    store.channels.set_groups(store.channels.get(ChannelRef(title="РИА Новости")).id, ["wire"])
    d = build_digest(store, DigestQuery(*DAY, top=5, group="wire"))
    assert d.items and all(it.card.channels == ("РИА Новости",) for it in d.items)
    assert not build_digest(store, DigestQuery(*DAY, lang="en")).items
    with pytest.raises(ConfigError, match="no channel is in group"):
        build_digest(store, DigestQuery(*DAY, group="nobody"))


def test_a_store_without_stories_fails_with_one_clear_line(store: Store) -> None:
    with pytest.raises(SvodkaError, match="no stories to digest"):
        build_digest(store, DigestQuery(*DAY))


def test_periods() -> None:
    now = datetime(2024, 12, 1, 9, 30, tzinfo=UTC)
    assert resolve_period("24h", None, None, "UTC", now) == (now - timedelta(hours=24), now)
    assert resolve_period(None, "2024-11-30", None, "Europe/Moscow", now) == (
        datetime(2024, 11, 29, 21, tzinfo=UTC),
        datetime(2024, 11, 30, 21, tzinfo=UTC),
    )
    assert resolve_period(None, "2024-11-30T08:00", "2024-11-30T20:00+00:00", "Europe/Moscow", now) == (
        datetime(2024, 11, 30, 5, tzinfo=UTC),
        datetime(2024, 11, 30, 20, tzinfo=UTC),
    )
    last = datetime(2024, 12, 1, 3, tzinfo=UTC)
    assert resolve_period("last", None, None, "UTC", now, last_until=last) == (last, now)
    for bad in ("yesterday", "-5h"):
        with pytest.raises(ConfigError):
            resolve_period(bad, None, None, "UTC", now)
    with pytest.raises(ConfigError, match="no previous digest"):
        resolve_period("last", None, None, "UTC", now)


def test_cli_digest_without_stories_is_one_line_error(tmp_path: Path, store_url: str) -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "svodka", "--db", store_url, "digest", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1
    assert r.stderr.startswith("error: no stories to digest") and r.stderr.count("\n") == 1
    assert not list(tmp_path.glob("digest.*"))


def test_build_from_a_list_needs_no_store() -> None:
    p = StoredPost(
        1,
        1,
        "ch",
        1,
        DAY[0] + timedelta(hours=1),
        "В Москве выпал первый снег этой зимы.",
        "https://t.me/ch/1",
    )
    d = build_digest([Story(1, (StoryMember(p),), p.date, p.date)], DigestQuery(*DAY), DigestOptions())
    assert d.items[0].card.single_source and d.items[0].summary.headline.text.startswith("В Москве")


def test_a_story_from_yesterday_with_news_today_keeps_its_first_reporter() -> None:
    def p(pid: int, ch: int, when: datetime) -> StoredPost:
        return StoredPost(
            pid, ch, f"ch{ch}", pid, when, f"Взрыв на заводе в Туле, сообщение номер {pid}.", None
        )

    yesterday, today = DAY[0] - timedelta(hours=5), DAY[0] + timedelta(hours=2)
    members = (StoryMember(p(1, 1, yesterday)), StoryMember(p(2, 2, today)))
    old_only = Story(2, (StoryMember(p(3, 3, yesterday)),), yesterday, yesterday)
    later = Story(
        3,
        (StoryMember(p(4, 4, DAY[1] + timedelta(hours=1))),),
        DAY[1] + timedelta(hours=1),
        DAY[1] + timedelta(hours=1),
    )
    d = build_digest([Story(1, members, yesterday, today), old_only, later], DigestQuery(*DAY))
    assert [it.card.story_id for it in d.items] == [1]
    card = d.items[0].card
    assert card.first_channel == "ch1" and card.first_date == yesterday and card.posts == 2


def test_stored_body_is_the_json_document(gold_store: tuple[Store, GoldStories]) -> None:
    store, _ = gold_store
    saved = save_digest(store, build_digest(store, DigestQuery(*DAY, top=3)))
    assert saved.id is not None
    body = store.digests.body(saved.id)
    assert body["id"] == saved.id and [i["rank"] for i in body["items"]] == [1, 2, 3]
    assert [r.id for r in store.digests.list()] == [saved.id]
    assert store.digests.get(saved.id).until == DAY[1]


def test_an_update_leads_with_what_is_new() -> None:
    from svodka.digest.model import DigestRecord
    from svodka.digest.render import render_markdown, render_telegram

    t = DAY[0] + timedelta(hours=3)
    texts = [
        "В Тбилиси протестующие вышли к зданию парламента Грузии.",
        "Полиция применила водомёты против протестующих у парламента в Тбилиси.",
        "Протестующие в Тбилиси строят баррикады на проспекте Руставели.",
        "Вечером в Тбилиси задержали 107 участников акции протеста, сообщило МВД Грузии.",
    ]
    posts = [
        StoredPost(
            i + 1, i + 1, f"ch{i + 1}", i + 1, t + timedelta(hours=i), x, f"https://t.me/ch{i + 1}/{i + 1}"
        )
        for i, x in enumerate(texts)
    ]
    s = Story(1, tuple(StoryMember(p) for p in posts), posts[0].date, posts[-1].date)
    q = DigestQuery(*DAY)
    shown = DigestRecord(1, q.kind, DAY[0], t + timedelta(hours=2, minutes=30), t, {1: (3, posts[2].date)})
    d = build_digest([s], q, DigestOptions(previous=shown))
    it = d.items[0]
    assert it.update and it.new_posts == 1 and it.new_since == posts[2].date
    # The update's headline is its newest development (issue 14 §3); the post is not quoted twice.
    assert it.summary.headline.post_id == 4 and all(c.post_id != 4 for c in it.summary.sentences)
    assert "**UPDATE** Вечером в Тбилиси задержали 107" in render_markdown(d)
    assert "UPDATE · Вечером в Тбилиси задержали 107" in render_telegram(d)[0]


class _Centroids:
    """Story vectors given by the test: ``twin`` on the vector of ``of``, every other story its own axis."""

    floor = 0.0

    def __init__(self, stories: list[Story], twin: int | None = None, of: int | None = None) -> None:
        import numpy as np

        self._v = {s.id: np.eye(len(stories), dtype=np.float32)[n] for n, s in enumerate(stories)}
        if twin is not None and of is not None:
            self._v[twin] = self._v[of]

    def of(self, stories: list[Story]) -> dict[int, object]:
        return {s.id: self._v[s.id] for s in stories if s.id in self._v}


def test_a_story_folded_into_an_item_is_kept_as_shown(gold_store: tuple[Store, GoldStories]) -> None:
    """Migration 0032: a story the digest folded into another item (digest.fold) is stored as shown under
    that item, so the next digest of the kind does not bring it back as new when it is not folded again."""
    store, gold = gold_store
    q = DigestQuery(*DAY, top=10)
    plain = build_digest(store, q, DigestOptions(centroids=_Centroids(list(gold.stories))))
    lead, other = plain.items[0].card.story_id, plain.items[3].card.story_id
    near = _Centroids(list(gold.stories), twin=other, of=lead)
    first = save_digest(store, build_digest(store, q, DigestOptions(centroids=near)))
    assert first.items[0].card.story_id == lead and first.items[0].folded == (other,)
    assert other not in {it.card.story_id for it in first.items}
    rec = store.digests.last(q.kind)
    assert rec is not None and other in rec.items and rec.folded == {other}
    assert len(rec.items) - len(rec.folded) == len(first.items)
    # An hour later nothing is new; the two are not folded this time: the folded story is a repeat too.
    later = DigestQuery(DAY[0], DAY[1] + timedelta(hours=1), top=10)
    second = build_digest(store, later, DigestOptions(centroids=_Centroids(list(gold.stories))))
    assert second.previous_id == first.id
    assert other not in {it.card.story_id for it in second.items}

"""Links and names everywhere (issue 14): an alert cites its post as the digest does — ``t.me/<handle>/<msg>``
when the handle is known, else the post's page at ``web.public_url`` with the ``t.me/c`` link as ``alt_url``
(alert-schema.json, the e-mail and bot text); a channel page names the channels it copies from, the channels
copying it and its network's members by their titles, while the JSON API keeps each channel's ``name``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from svodka.digest import card_topic
from svodka.model import ChannelRef, ForwardOrigin, PairEvidence, Post, PostAnalysis
from svodka.monitor import rules
from svodka.monitor.feeds import FeedSpec, entries
from svodka.monitor.rules import RuleOptions
from svodka.monitor.run import scan
from svodka.monitor.send import alert_items, render_text
from svodka.monitor.watchlist import watchlist
from svodka.pipeline.differences import FIGURE, Difference, Quote
from svodka.store import Store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password
from svodka.web.server import running
from svodka.web.stories_browser import BrowseParams, stories_view
from svodka.web.views import difference_dict
from test_web_support import PASSWORDS, login

SCHEMA = json.loads((Path(__file__).parents[1] / "src/svodka/monitor/alert-schema.json").read_text())
PUBLIC_URL = "https://svodka.example.org"
T0 = datetime(2024, 12, 2, 9, 0, tzinfo=UTC)
NAMED = ChannelRef(handle="named_news", ext_id="2001", title="Именные новости")
UNNAMED = ChannelRef(ext_id="2002", title="Закрытый канал")  # no handle: its links are t.me/c
LISTS = [watchlist({"name": "rate", "query": "ставка", "rules": ["post", "sources>=2"], "targets": ["t"]})]


def _alerts(store: Store, public_url: str) -> dict[str, dict[str, object]]:
    """Post and story alerts of one post of each channel (one story), by subject, as a webhook gets them."""
    store.posts.save(
        [
            Post(NAMED, 7, T0, "ЦБ сохранил ставку"),
            Post(UNNAMED, 8, T0 + timedelta(minutes=5), "ЦБ сохранил ставку на уровне 21%"),
        ]
    )
    ids = [p.id for p in store.posts.iter()]
    sid = store.stories.reserve_ids(1)
    store.analysis.save(PostAnalysis(p, "ru", False, None, "", p, None) for p in ids)
    store.stories.save((p, sid, 1.0) for p in ids)
    scan(store, LISTS, RuleOptions(max_age=None, public_url=public_url), T0)
    items = alert_items(store.alerts.due(T0 + timedelta(hours=1)))
    jsonschema.validate(
        {"schema": "svodka.alert/1", "sent_at": "2024-12-02T10:00:00Z", "alerts": items}, SCHEMA
    )
    return {f"{i['rule']}:{i.get('post_id')}": i for i in items}


def test_an_alert_cites_its_post_as_the_digest_does(store: Store) -> None:
    items = _alerts(store, PUBLIC_URL)
    named = store.channels.get(NAMED)
    by_channel = {
        store.posts.get(int(str(i["post_id"]))).channel_id: i for k, i in items.items() if "post:" in k
    }
    own = by_channel[named.id]
    assert own["url"] == "https://t.me/named_news/7" and "alt_url" not in own  # opens for anyone
    [hidden] = [i for c, i in by_channel.items() if c != named.id]
    assert hidden["url"] == f"{PUBLIC_URL}/posts/{hidden['post_id']}"  # its page here, the t.me/c link second
    assert hidden["alt_url"] == "https://t.me/c/2002/8"
    [story] = [i for k, i in items.items() if k.startswith("sources")]
    assert story["url"] == "https://t.me/named_news/7"  # the story's first post of its own
    text = render_text([hidden])
    assert f"{PUBLIC_URL}/posts/{hidden['post_id']}\nhttps://t.me/c/2002/8" in text  # e-mail and bot: both


def test_without_a_public_address_an_alert_keeps_the_telegram_link(store: Store) -> None:
    items = _alerts(store, "")
    urls = sorted(str(i["url"]) for k, i in items.items() if k.startswith("post:"))
    assert urls == ["https://t.me/c/2002/8", "https://t.me/named_news/7"]
    assert not any("alt_url" in i for i in items.values())


@pytest.fixture
def copying(store: Store) -> Store:
    """An origin with a title and a handle, forwarded by id and by handle alone; a channel forwarded that
    the store does not hold (only the forward's name); two copiers declared a network."""
    origin = ChannelRef(handle="origin_news", ext_id="1001", title="Первоисточник")
    fwd = ChannelRef(handle="forwarder", ext_id="1002", title="Пересыльщик")
    other = ChannelRef(handle="other_news", ext_id="1003", title="Другие новости")

    def fwd_post(msg: int, minutes: int, text: str, origin_of: ForwardOrigin, by: ChannelRef = fwd) -> Post:
        return Post(by, msg, T0 + timedelta(minutes=minutes), text, forward=origin_of)

    store.posts.save(
        [Post(origin, i, T0 + timedelta(hours=i), f"Новость номер {i}") for i in (1, 2)]
        + [
            fwd_post(10, 65, "Новость номер 1", ForwardOrigin(ext_id="1001", message_id=1)),
            fwd_post(11, 125, "Новость номер 2", ForwardOrigin(handle="origin_news", message_id=2)),
            fwd_post(
                12, 180, "Чужая новость", ForwardOrigin(name="Неизвестный канал", ext_id="9999", message_id=5)
            ),
            fwd_post(20, 129, "Новость номер 2", ForwardOrigin(ext_id="1001", message_id=2), other),
        ]
    )
    a, b = store.channels.get(fwd), store.channels.get(other)
    declared = store.networks.declare("Пара", [a.id, b.id])
    evidence = (PairEvidence(min(a.id, b.id), max(a.id, b.id), 3, 0, 60.0, ()),)
    store.networks.save_found([replace(declared, evidence=evidence)])  # as an update would find it
    store.users.add("viewer", hash_password(PASSWORDS["viewer"]), "viewer")
    return store


def test_copies_from_names_the_origins_by_title(copying: Store) -> None:
    fwd = copying.channels.get(ChannelRef(handle="forwarder"))
    # both forwards of the stored origin (by id and by handle) count under its title; an origin the store
    # does not hold is named as the forward names it
    assert copying.channel_stats.sources(fwd.id) == [("Первоисточник", 2), ("Неизвестный канал", 1)]


def test_the_channel_page_shows_titles_and_its_json_keeps_the_names(copying: Store) -> None:
    origin, fwd, other = (
        copying.channels.get(ChannelRef(handle=h)) for h in ("origin_news", "forwarder", "other_news")
    )
    with running(create_app(copying, WebConfig())) as base:
        viewer = login(base, "viewer")
        try:
            data = viewer.get(f"/channels/{fwd.id}", params={"format": "json"}).json()
            page = viewer.get(f"/channels/{fwd.id}").text
            origin_page = viewer.get(f"/channels/{origin.id}").text
        finally:
            viewer.close()
    members = {c["name"]: c["title"] for c in data["network"]["channels"]}
    assert members == {"forwarder": "Пересыльщик", "other_news": "Другие новости"}  # the key, and the title
    assert sorted(data["network"]["evidence"][0]["titles"]) == ["Другие новости", "Пересыльщик"]
    assert data["copies_from"][0] == {"channel": "Первоисточник", "posts": 2}
    assert f'<a href="/channels/{other.id}">Другие новости</a>' in page  # the network's member
    assert "Другие новости ↔ Пересыльщик" in page or "Пересыльщик ↔ Другие новости" in page
    assert "Первоисточник: 2" in page  # copies from
    assert f'<a href="/channels/{fwd.id}">Пересыльщик</a>' in origin_page  # copied by


def test_one_cache_tells_a_story_topic_for_the_alerts_the_feed_and_the_browser(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _alerts(store, "")  # a story of two posts
    monkeypatch.setattr(card_topic, "_CACHE", {})
    told: list[list[int]] = []
    real = card_topic.card_topics_of

    def counted(s: Store, ids: Iterable[int], embedder: str = card_topic.EMBEDDER) -> dict[int, str]:
        told.append(list(ids))
        return real(s, told[-1], embedder)

    monkeypatch.setattr(card_topic, "card_topics_of", counted)
    [story] = store.stories.list(limit=10)
    topic = rules.card_topic(store)(story)  # a watchlist's topic filter
    fed = [e.link for e in entries(store, FeedSpec("stories", topic=topic), "https://x")]
    assert fed == [f"https://x/stories/{story.id}"]
    listed = stories_view(store, BrowseParams(hours=0, topic=topic), 10)["stories"]
    assert [r["id"] for r in listed] == [story.id]
    assert told == [[story.id]]  # told once, for all three
    _place_more(store, story.id)
    assert rules.card_topic(store)(store.stories.get(story.id)) == topic and len(told) == 2  # it grew: again


def _place_more(store: Store, sid: int) -> None:
    store.posts.save([Post(NAMED, 9, T0 + timedelta(minutes=9), "Ставка осталась прежней")])
    post = store.posts.by_key(store.channels.get(NAMED).id, 9)
    assert post is not None
    store.analysis.save([PostAnalysis(post.id, "ru", False, None, "", post.id, None)])
    store.stories.save([(post.id, sid, 1.0)])


def test_the_story_pages_difference_line_is_in_the_pages_language() -> None:
    quote = Quote(1, 1, "ТАСС", "https://t.me/tass_agency/1", "Задержаны 5 человек.", "5 задержанных")
    d = Difference(FIGURE, "задержанный", (quote,), 1, 4)
    assert difference_dict(d)["line"] == d.line() == "«5 задержанных» — in only 1 of 4 sources"
    assert difference_dict(d, "ru")["line"] == "«5 задержанных» — только в 1 из 4 источников"  # digest JSON

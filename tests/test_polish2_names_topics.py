"""Names and topics outside the digest (issue 14, helper "polish2"): alerts, channel pages and the stories
feed name a channel by its title (``Channel.display_name``) once its handle is known, the stories feed files
a story under its digest card's topic (svodka.digest.card_topic), and the web app reads the topic head of
the configured ``pipeline.embedder``. Real posts: the first 30 of the bundled day processed with e5 once
for the module (the ``day`` fixture of test_polish_topics)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from svodka.digest.card_topic import cached_card_topics, card_topics_of
from svodka.monitor.feeds import FeedSpec, entries
from svodka.monitor.rules import RuleOptions
from svodka.monitor.run import scan
from svodka.monitor.watchlist import watchlist
from svodka.settings import defaults
from svodka.store import Store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password
from svodka.web.server import running
from svodka.web.views import channel_page
from test_polish_topics import _words_alone, day  # noqa: F401  (the fixture)
from test_web_support import PASSWORDS, login

Day = tuple[Store, dict[int, str], datetime]
BASE = "https://svodka.example.org"


def _titled_with_handle(store: Store, sid: int) -> tuple[int, str]:
    """The channel of story ``sid``'s first post, given the handle ``polish2h<id>``: its id and title."""
    post = store.stories.get(sid).members[0].post
    ch = store.channels.by_id(post.channel_id)
    handle = f"polish2h{ch.id}"
    assert ch.title and ch.title != handle
    if ch.handle != handle:
        store.channels.set_handle(ch.id, handle)
    assert store.channels.by_id(ch.id).name == handle
    return ch.id, ch.title


def test_alerts_and_channel_pages_name_a_channel_by_its_title(day: Day) -> None:  # noqa: F811
    store, card, _since = day
    sid = max(card, key=lambda s: len(store.stories.get(s).members))
    cid, title = _titled_with_handle(store, sid)
    text = store.stories.get(sid).members[0].post.text
    word = max((w for w in text.split() if w.isalpha()), key=len)
    spec = {"name": "polish2-names", "query": word, "rules": ["post", "sources>=1"], "targets": ["t"]}
    scan(store, [watchlist(spec)], RuleOptions(max_age=None), datetime(2024, 12, 3, tzinfo=UTC))
    payloads = [
        json.loads(a.payload) for a in store.alerts.recent(limit=1000) if a.watchlist == "polish2-names"
    ]
    assert {p.get("post_id") for p in payloads} & {m.post.id for m in store.stories.get(sid).members}
    shown = {p["channel"] for p in payloads} | {c for p in payloads for c in p.get("channels", [])}
    assert title in shown and f"polish2h{cid}" not in shown, shown
    page = channel_page(store, cid)
    assert page["channel"]["title"] == title  # the templates head the page with it (below)
    assert all(r["channel"] != f"polish2h{cid}" for r in page["copied_by"])


def test_the_channel_page_is_headed_by_the_title(day: Day) -> None:  # noqa: F811
    store, card, _since = day
    sid = next(iter(card))
    cid, title = _titled_with_handle(store, sid)
    if not any(u.username == "viewer" for u in store.users.list()):
        store.users.add("viewer", hash_password(PASSWORDS["viewer"]), "viewer")
    with running(create_app(store, WebConfig())) as base:
        viewer = login(base, "viewer")
        try:
            page, listing = viewer.get(f"/channels/{cid}").text, viewer.get("/channels").text
        finally:
            viewer.close()
    h1 = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert h1.startswith(title) and f"polish2h{cid}" in h1  # the handle second, muted
    assert f'<a href="/channels/{cid}">{title}</a>' in listing


def test_the_stories_feed_files_a_story_under_its_cards_topic(day: Day) -> None:  # noqa: F811
    store, card, _since = day
    words = _words_alone(store, list(card))
    differ = [s for s in card if words[s] != card[s]]
    assert differ, "on this day the words alone name another topic for some stories"
    for sid in differ:
        as_card = {e.link for e in entries(store, FeedSpec("stories", topic=card[sid]), BASE)}
        as_words = {e.link for e in entries(store, FeedSpec("stories", topic=words[sid]), BASE)}
        assert f"{BASE}/stories/{sid}" in as_card
        assert f"{BASE}/stories/{sid}" not in as_words
    sid = differ[0]
    _cid, title = _titled_with_handle(store, sid)
    [entry] = [e for e in entries(store, FeedSpec("stories"), BASE) if e.link == f"{BASE}/stories/{sid}"]
    assert f"first: {title}" in entry.summary


def test_the_app_reads_the_configured_embedder(day: Day) -> None:  # noqa: F811
    store, card, _since = day
    assert WebConfig.from_settings(defaults(pipeline__embedder="use")).embedder == "use"
    assert WebConfig.from_settings(defaults()).embedder == defaults()["pipeline.embedder"]
    sizes = {sid: len(store.stories.get(sid).members) for sid in card}
    rows = [(sid, sizes[sid]) for sid in card]
    assert cached_card_topics(store, rows, "e5") == card
    # The store holds e5 vectors only: an app configured for USE reads no e5 vector into the topic.
    assert cached_card_topics(store, rows, "use") == card_topics_of(store, list(card), "use")

"""What the pages show, over real posts: search, channels and their statistics, provenance, digests."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from conftest import open_test_store
from svodka.model import ChannelRef
from svodka.web import adapters, views
from svodka.web.app import create_app
from svodka.web.server import running
from test_web_support import FORWARDER, REWRITER, WebEnv, login, web  # noqa: F401


@pytest.fixture(scope="module")
def viewer(web: WebEnv):  # type: ignore[no-untyped-def]  # noqa: F811
    c = login(web.base, "viewer")
    yield c
    c.close()


@pytest.fixture(scope="module")
def admin(web: WebEnv):  # type: ignore[no-untyped-def]  # noqa: F811
    c = login(web.base, "admin")
    yield c
    c.close()


def test_search_highlights_pages_and_filters(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    r = viewer.get("/search", params={"q": "Байден"})
    assert r.status_code == 200
    marks = re.findall(r"<mark>([^<]+)</mark>", r.text)
    assert marks and all(m.lower().startswith("байден") for m in marks)
    page1 = viewer.get("/search", params={"q": "Байден", "format": "json"}).json()
    assert len(page1["hits"]) == 20 and page1["next_page"] == 2
    assert 'rel="next" href="?q=%D0%91%D0%B0%D0%B9%D0%B4%D0%B5%D0%BD&amp;page=2"' in r.text
    page2 = viewer.get("/search", params={"q": "Байден", "page": 2, "format": "json"}).json()
    ids1, ids2 = {h["post"]["id"] for h in page1["hits"]}, {h["post"]["id"] for h in page2["hits"]}
    assert ids2 and not ids1 & ids2
    total = len(web.store.posts.search("Байден", limit=1000))
    assert len(ids1) + len(ids2) == min(total, 40)
    # Filters: one channel, one day.
    channel = page1["hits"][0]["post"]["channel_id"]
    only = viewer.get("/api/search", params={"q": "Байден", "channel": str(channel), "limit": 200}).json()
    assert only["hits"] and {h["post"]["channel_id"] for h in only["hits"]} == {channel}
    day = viewer.get(
        "/api/search", params={"q": "Байден", "since": "2024-12-02", "until": "2024-12-02", "limit": 200}
    ).json()
    assert day["hits"] and all(h["post"]["date"].startswith("2024-12-02") for h in day["hits"])
    assert len(day["hits"]) < total
    bad = viewer.get("/api/search", params={"q": "Байден", "since": "yesterday"})
    assert bad.status_code == 400 and "since" in bad.json()["error"]
    assert viewer.get("/search", params={"q": "<script>alert(1)</script>"}).text.count("<script>") == 0


def test_search_by_group_and_stories(web: WebEnv, admin: httpx.Client, viewer: httpx.Client) -> None:  # noqa: F811
    hits = web.store.posts.search("Тбилиси", limit=200)
    channel_id = hits[0].post.channel_id
    r = admin.post(
        f"/channels/{channel_id}/settings",
        data={"tier": "2", "groups": "georgia, news", "csrf_token": admin.csrf},
    )
    assert r.status_code == 303
    data = viewer.get("/api/search", params={"q": "Тбилиси", "group": "georgia", "limit": 200}).json()
    assert {h["post"]["channel_id"] for h in data["hits"]} == {channel_id}
    assert len(data["hits"]) == sum(h.post.channel_id == channel_id for h in hits)


def test_search_finds_stories(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev")
    assert web.story_id in {s.id for s in web.store.stories.search("Грузинские власти")}
    data = viewer.get("/api/search", params={"q": "Грузинские власти"}).json()
    assert web.story_id in {s["id"] for s in data["stories"]}
    assert data["hits"]  # and the posts, as always


def test_admin_adds_configures_and_removes_a_channel(
    web: WebEnv,  # noqa: F811
    admin: httpx.Client,
    viewer: httpx.Client,
) -> None:
    assert 'id="add-channel"' in admin.get("/channels").text
    assert 'id="add-channel"' not in viewer.get("/channels").text
    r = admin.post(
        "/channels",
        data={
            "channel": "https://t.me/s/Some_New_Channel",
            "tier": "3",
            "groups": "world, ru",
            "csrf_token": admin.csrf,
        },
    )
    assert r.status_code == 303
    channel = web.store.channels.get(ChannelRef(handle="some_new_channel"))
    assert r.headers["location"] == f"/channels/{channel.id}"
    assert channel.tier == 3 and set(channel.groups) == {"world", "ru"}
    page = admin.get(f"/channels/{channel.id}").text
    assert "some_new_channel" in page and "ru, world" in page
    r = admin.post(
        f"/channels/{channel.id}/settings", data={"tier": "1", "groups": "world", "csrf_token": admin.csrf}
    )
    assert r.status_code == 303
    channel = web.store.channels.by_id(channel.id)
    assert channel.tier == 1 and channel.groups == ("world",)
    bad = admin.post(f"/channels/{channel.id}/settings", data={"tier": "9", "csrf_token": admin.csrf})
    assert bad.status_code == 400
    bad = admin.post("/channels", data={"channel": "not a channel at all!", "csrf_token": admin.csrf})
    assert bad.status_code == 400
    r = admin.post(f"/channels/{channel.id}/remove", data={"delete_posts": "on", "csrf_token": admin.csrf})
    assert r.status_code == 303
    assert admin.get(f"/channels/{channel.id}").status_code == 404
    # Through the API with a key: add, patch, delete.
    with httpx.Client(base_url=web.base, headers={"authorization": f"Bearer {web.keys['admin']}"}) as api:
        made = api.post("/api/channels", json={"channel": "@api_made", "tier": 4, "groups": ["x"]}).json()
        assert made["tier"] == 4 and made["groups"] == ["x"]
        patched = api.patch(f"/api/channels/{made['id']}", json={"tier": 2, "groups": ["y", "z"]}).json()
        assert patched["tier"] == 2 and patched["groups"] == ["y", "z"]
        assert api.patch(f"/api/channels/{made['id']}", json={"tier": "high"}).status_code == 400
        assert api.delete(f"/api/channels/{made['id']}").json()["handle"] == "api_made"
        assert not web.store.channels.by_id(made["id"]).active  # posts kept unless delete_posts=true


def test_channel_statistics(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev for the copied posts")
    fwd = web.store.channels.get(FORWARDER)
    data = viewer.get(f"/channels/{fwd.id}", params={"format": "json"}).json()
    s = data["channel"]["stats"]
    assert s["posts"] == 2 and s["forwarded"] == 2 and s["share_copied"] == 1.0 and s["share_original"] == 0.0
    assert s["median_views"] == 1125.0  # of 1000 and 1250
    origin_ids = {
        m.origin_post_id
        for m in adapters.story(web.store, web.story_id).members
        if m.post.channel_id == fwd.id
    }
    origin_channels = {web.store.posts.get(i).channel_id for i in origin_ids if i}
    for cid in origin_channels:
        o = viewer.get(f"/channels/{cid}", params={"format": "json"}).json()
        assert (
            o["channel"]["stats"]["copied_by_posts"] >= 1 and o["channel"]["stats"]["copied_by_channels"] >= 1
        )
        assert any(c["channel_id"] == fwd.id for c in o["copied_by"])
        assert o["channel"]["stats"]["corroboration_rate"] is not None  # learned from the stories
    listing = viewer.get("/channels").text
    assert "copy_digest_ru" in listing and "100%" in listing
    all_stats = {c["id"]: c["stats"] for c in viewer.get("/api/channels").json()["channels"]}
    assert sum(st["posts"] for st in all_stats.values()) == web.store.posts.count()
    rw = web.store.channels.get(REWRITER)
    assert all_stats[rw.id]["forwarded"] == 0  # a re-published text is no forward: the story knows it


def test_post_page_shows_origin_and_copies(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev")
    fwd = web.store.channels.get(FORWARDER)
    copy = web.store.posts.by_key(fwd.id, 100)
    assert copy is not None
    data = viewer.get(f"/api/posts/{copy.id}").json()
    assert data["post"]["forwarded_from"]["message_id"] == data["origin"]["message_id"]
    origin = viewer.get(f"/posts/{data['origin']['id']}")
    assert "Copied by (1)" in origin.text and "copy_digest_ru" in origin.text


def test_story_page_shows_provenance(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev")
    story = adapters.story(web.store, web.story_id)
    data = viewer.get(f"/stories/{web.story_id}", params={"format": "json"}).json()
    assert data["story"]["posts"] == len(story.members)
    assert data["copied"] == 3 and data["independent"] == len(story.members) - 3
    kinds = sorted(c["kind"] for c in data["copies"])
    assert kinds == ["forward", "forward", "near-duplicate"]
    for c in data["copies"]:
        assert c["origin"] is not None and c["delay_s"] > 0
        assert c["origin"]["date"] < c["post"]["date"]
    first = min((m.post for m in story.members if not m.is_copy), key=lambda p: (p.date, p.id))
    assert data["first"]["id"] == first.id
    firsts = [c for c in data["channels"] if c["was_first"]]
    assert [c["channel_id"] for c in firsts] == [first.channel_id]
    assert data["independent_channels"] == len({m.post.channel_id for m in story.members if not m.is_copy})
    assert all(s["url"] for s in data["summary"])
    assert all(any(s["text"] in views.plain(m.post.text) for m in story.members) for s in data["summary"])
    html = viewer.get(f"/stories/{web.story_id}").text
    assert "near-duplicate" in html and "forward" in html and "independent" in html
    assert viewer.get("/stories/999999").status_code == 404


def test_trending(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev")
    story = adapters.story(web.store, web.story_id)
    evening = story.last_date + timedelta(minutes=1)
    found = adapters.trending(web.store, hours=6, now=evening)
    assert found and all(t.recent > 0 for t in found)
    top = found[0]
    assert top.channels >= max(t.channels for t in found[1:]) or top.growth >= found[1].growth
    assert viewer.get("/trending").status_code == 200  # today nothing of 2024 grows: an empty list
    assert viewer.get("/api/stories/trending", params={"hours": 336}).status_code == 200


def test_digest_pages(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    if web.digest_id is None:
        pytest.skip("needs ../shared/data/stories_dev and the digest package")
    listing = viewer.get("/digests")
    assert f'href="/digests/{web.digest_id}"' in listing.text
    body = web.store.digests.body(web.digest_id)  # type: ignore[attr-defined]
    page = viewer.get(f"/digests/{web.digest_id}").text
    for item in body["items"]:
        assert item["headline"]["text"][:40].replace('"', "&#34;") in page.replace("&quot;", "&#34;")
    assert viewer.get(f"/api/digests/{web.digest_id}").json()["digest"]["items"] == body["items"]
    assert viewer.get("/api/digests", params={"since": "2030-01-01"}).json()["digests"] == []
    assert viewer.get("/api/digests", params={"since": "2024-11-30"}).json()["digests"]


def test_health_page(web: WebEnv) -> None:  # noqa: F811
    analyst = login(web.base, "analyst")
    data = analyst.get("/api/health").json()
    rows = {r["key"]: r for r in data["sources"]}
    assert rows["rss:https://example.org/feed"]["status"] == "failing"
    assert rows["rss:https://example.org/feed"]["failures"] == 3
    assert 400 < rows["rss:https://example.org/feed"]["backoff_s"] <= 480
    assert rows["web:rian_ru"]["status"] == "ok"
    html = analyst.get("/health").text
    assert "HTTP 503 from the feed" in html and 'class="failing"' in html


def test_analyst_marks(web: WebEnv) -> None:  # noqa: F811
    analyst = login(web.base, "analyst")
    r = analyst.post(
        "/marks",
        data={
            "kind": "post",
            "ref_id": "5",
            "note": "check this",
            "next": "/posts/5",
            "csrf_token": analyst.csrf,
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/posts/5"
    assert "check this" in analyst.get("/marks").text
    assert analyst.get("/api/marks").json()["marks"][0]["ref_id"] == 5
    assert (
        analyst.post(
            "/marks", data={"kind": "post", "ref_id": "99999999", "csrf_token": analyst.csrf}
        ).status_code
        == 404
    )
    assert (
        analyst.post(
            "/marks/remove", data={"kind": "post", "ref_id": "5", "csrf_token": analyst.csrf}
        ).status_code
        == 303
    )
    assert analyst.get("/api/marks").json()["marks"] == []


def test_pages_of_a_store_without_stories_or_digests(backend: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from svodka.web.auth import hash_password

    store = open_test_store(backend, tmp_path, "bare")  # nothing processed, no digest made
    store.users.add("v", hash_password("viewer-pass-1"), "viewer")
    with running(create_app(store)) as base:
        c = login(base, "v", "viewer-pass-1")
        assert "No digests yet" in c.get("/digests").text
        assert "Nothing new in this window" in c.get("/trending").text
        home = c.get("/")
        assert (
            home.status_code == 200
            and "Nothing is growing right now" in home.text
            and "none yet" in home.text
        )
        assert c.get("/stories/1").status_code == 404
        assert c.get("/api/stories").json()["stories"] == []
        assert c.get("/api/digests").json() == {"digests": []}
        r = c.get("/api/stories/1")
        assert r.status_code == 404 and "no story" in r.json()["error"]
    store.close()

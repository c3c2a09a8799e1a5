"""Clean rendering on the pages (issue 17 §3), over the real sample and the hand-labelled day: post text as
HTML with the footer folded, the story page's copies folded under their origin and its timeline paged, the
card's independent-sources figure, one display time zone, the channel page's credibility table and SVG
chart, and near-copies counted as copies by the channel statistics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from datetime import date, timedelta

import httpx
import pytest

from svodka.model import ChannelRef, Post, PostAnalysis
from svodka.pipeline.credibility import independent_units
from svodka.store import Store
from svodka.web import adapters, views
from svodka.web.app import create_app
from svodka.web.auth import WebConfig
from svodka.web.server import running
from test_web_support import REWRITER, WebEnv, login, web  # noqa: F401

RAW_MARKDOWN = re.compile(r"\*\*|\]\(|__\w")
ESCAPES = re.compile(r"\\u[0-9a-fA-F]{4}")


@pytest.fixture(scope="module")
def viewer(web: WebEnv) -> Iterator[httpx.Client]:  # noqa: F811
    client = login(web.base, "viewer")
    yield client
    client.close()


def _main(html: str) -> str:
    """The page's main content without tags (attribute values, such as link URLs, left out)."""
    body = html.split("<main>", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", body)


def _topor_post(store: Store) -> int:
    """The sample's first post of «Топор Live»: bold text, an emoji and a subscribe plug at the end."""
    channel = next(c for c in store.channels.list() if c.name == "Топор Live")
    post = store.posts.by_key(channel.id, 125934)
    assert post is not None and "Подписаться](https://t.me/+" in post.text
    return post.id


def test_the_post_page_renders_markdown_and_folds_the_plug(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    html = viewer.get(f"/posts/{_topor_post(web.store)}").text
    assert (
        "<strong>позволяющий принимать ключевые бюджетные решения без согласия демократов,</strong>" in html
    )
    text = _main(html)
    assert not RAW_MARKDOWN.search(text), RAW_MARKDOWN.search(text)
    plug = re.search(r'<details class="plug">(.*?)</details>', html, re.S)
    assert (
        plug and 'href="https://t.me/+HWFlcuXhzKdhYWY6"' in plug.group(1) and "Подписаться" in plug.group(1)
    )
    body = html.split('<details class="plug">', 1)[0]
    assert "Подписаться" not in body.split("<main>", 1)[1]  # only in the folded footer


def test_no_page_shows_raw_markdown_or_escapes(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    channel = next(c for c in web.store.channels.list() if c.name == "Топор Live")
    paths = [
        "/",
        f"/posts/{_topor_post(web.store)}",
        f"/channels/{channel.id}",
        "/search?q=Подписаться",
        "/search?q=Трамп",
    ]
    if web.story_id is not None:
        paths.append(f"/stories/{web.story_id}")
    for path in paths:
        r = viewer.get(path)
        assert r.status_code == 200, path
        text = _main(r.text)
        for pattern in (RAW_MARKDOWN, ESCAPES):
            found = pattern.search(text)
            assert not found, (
                f"{path}: {found.group(0)!r} in …{text[max(0, found.start() - 80) : found.end() + 40]}…"
            )


def test_story_page_folds_copies_under_their_origin(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev")
    story = adapters.story(web.store, web.story_id)
    data = viewer.get(f"/stories/{web.story_id}", params={"format": "json"}).json()
    # The card's figure: independent sources (copies of one origin count once), not original posts.
    assert data["independent_sources"] == len(independent_units(story)) == data["story"]["independent"]
    assert data["independent_sources"] < data["independent"]  # several posts of one channel are one source
    copied = {m.post.id: m.origin_post_id for m in story.members if m.is_copy}
    assert data["reports"] == len(story.members) - len(copied)
    pages = range(1, data["pages"] + 1)
    url = f"/stories/{web.story_id}"
    got = [viewer.get(url, params={"format": "json", "page": p}).json() for p in pages]
    thread = [t for one in got for t in one["thread"]]
    heads = [t["post"]["id"] for t in thread]
    assert len(heads) == data["reports"] and not set(heads) & set(copied)  # no copy stands alone
    folded = {c["post"]["id"]: t["post"]["id"] for t in thread for c in t["copies"]}
    assert folded == copied  # each under the report it copies
    html = "".join(viewer.get(f"/stories/{web.story_id}", params={"page": page}).text for page in pages)
    assert html.count('<details class="copies">') == len(set(folded.values()))
    # An original report is drawn as one (a dict's "copy" key, not its .copy method, decides).
    assert html.count('<div class="report orig">') == sum(not t["copy"] for t in thread) > 0
    assert len(re.findall(r'<details class="copies"><summary>1 copy: ', html)) == len(set(folded.values()))
    assert f'<span class="badge">{data["independent_sources"]} independent</span>' in html


def test_a_long_story_timeline_is_paged(web: WebEnv, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev")
    monkeypatch.setattr(views, "STORY_PAGE_SIZE", 3)
    first = views.story_page(web.store, web.story_id)
    assert first["pages"] == -(-first["reports"] // 3) > 1 and len(first["thread"]) == 3
    seen = []
    for page in range(1, first["pages"] + 1):
        data = views.story_page(web.store, web.story_id, page=page)
        assert data["page"] == page
        seen += [t["post"]["id"] for t in data["thread"]]
    dates = [t["post"]["date"] for t in first["timeline"] if not t["copy"]]
    assert len(seen) == len(set(seen)) == first["reports"] == len(dates)  # every report once, in order
    assert views.story_page(web.store, web.story_id, page=999)["page"] == first["pages"]  # past the end
    with running(create_app(web.store, WebConfig())) as base, closing(login(base, "viewer")) as client:
        html = client.get(f"/stories/{web.story_id}", params={"page": 2}).text
        assert f"page 2 of {first['pages']}" in html and 'rel="prev"' in html
        assert client.get(f"/stories/{web.story_id}", params={"page": "x"}).status_code == 400


def test_every_time_on_the_story_page_is_in_the_display_zone(web: WebEnv) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev")
    with running(create_app(web.store, WebConfig(tz="Europe/Moscow"))) as base:
        c = login(base, "viewer")
        for path in (f"/stories/{web.story_id}", f"/posts/{_topor_post(web.store)}"):
            text = _main(c.get(path).text)
            stamps = re.findall(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d (\S+)", text)
            assert stamps and set(stamps) == {"MSK"}, (path, set(stamps))
        # 00:12 UTC is 03:12 in Moscow
        assert "2 December 2024, 03:12 MSK" in c.get(f"/posts/{_topor_post(web.store)}").text
        c.close()


def test_channel_page_credibility_table_and_chart(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev (credibility is learned from stories)")
    story = adapters.story(web.store, web.story_id)
    cid = story.members[0].post.channel_id
    html = viewer.get(f"/channels/{cid}").text
    table = re.search(r'<table class="credibility">(.*?)</table>', html, re.S)
    assert table and "Corroborated by independent channels" in table.group(1)
    assert '"score"' not in html and "<pre" not in html and not ESCAPES.search(html)
    chart = re.search(r'<svg class="chart"[^>]*>(.*?)</svg>', html, re.S)
    assert chart is not None
    daily = viewer.get(f"/channels/{cid}", params={"format": "json"}).json()["daily"]
    assert chart.group(1).count("<rect ") == len(daily) >= 1
    assert all(f"<title>{d['day']}: {d['posts']}</title>" in chart.group(1) for d in daily)
    # Days without posts between active ones are bars of 0, so the chart's spacing is time.
    days = [date.fromisoformat(d["day"]) for d in daily]
    assert days == [days[0] + timedelta(days=i) for i in range(len(days))]
    stored = dict(web.store.channel_stats.daily(cid))
    assert {d["day"]: d["posts"] for d in daily if d["posts"]} == stored


def test_near_copies_count_as_copies_in_the_channel_statistics(web: WebEnv) -> None:  # noqa: F811
    """A re-published text (no forward metadata) that the pipeline linked to its origin counts for the
    origin's "copied by" and against the copier's originality; with forwards alone it did not."""
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev (the near-duplicate of the largest story)")
    store = web.store
    rw = store.channels.get(REWRITER)
    rewrite = store.posts.by_key(rw.id, 500)
    assert rewrite is not None
    origin_id = store.analysis.get_many([rewrite.id])[rewrite.id].origin_post_id
    assert origin_id is not None
    origin = store.posts.get(origin_id)
    stats = {a.channel_id: a for a in store.channel_stats.activity()}
    assert stats[rw.id].forwarded == 0 and stats[rw.id].near_copies == 1
    assert stats[rw.id].share_original == 0.0 and stats[rw.id].share_copied == 1.0
    assert store.channel_stats.activity(rw.id)[0].near_copies == 1
    assert rw.id in dict(store.channel_stats.copiers(origin.channel_id))
    assert rewrite.id in store.channel_stats.copies_of(origin.id)
    one = stats[origin.channel_id]
    assert one.copied_by_channels >= 1 and one.copied_by_posts >= 1


def test_a_channel_copying_itself_is_not_a_copier(store: Store) -> None:
    """A channel re-posting its own text is no copy of another channel: originality and copied-by stay."""
    ref = ChannelRef(handle="solo_news", ext_id="900001")
    other = ChannelRef(handle="other_news", ext_id="900002")
    base = views.parse_day("2024-12-02", "day")
    assert base is not None
    store.posts.save(
        [
            Post(channel=ref, message_id=1, date=base, text="Пожар на складе в Подольске потушен."),
            Post(
                channel=ref, message_id=2, date=base + timedelta(hours=1), text="Пожар в Подольске потушен."
            ),
            Post(
                channel=other, message_id=9, date=base + timedelta(hours=2), text="В Подольске потушен пожар."
            ),
        ]
    )
    solo, oth = store.channels.resolve(ref), store.channels.resolve(other)
    p1, p2, p9 = (store.posts.by_key(c, m) for c, m in ((solo, 1), (solo, 2), (oth, 9)))
    assert p1 and p2 and p9
    store.analysis.save(
        [
            PostAnalysis(p1.id, "ru", False, None, p1.text, 1, None),
            PostAnalysis(p2.id, "ru", False, None, p2.text, 2, p1.id),
            PostAnalysis(p9.id, "ru", False, None, p9.text, 3, p1.id),
        ]
    )
    by = {a.channel_id: a for a in store.channel_stats.activity()}
    assert (by[solo].near_copies, by[solo].share_original) == (0, 1.0)
    assert (by[solo].copied_by_posts, by[solo].copied_by_channels) == (1, 1)
    assert (by[oth].near_copies, by[oth].share_copied) == (1, 1.0)
    assert store.channel_stats.copiers(solo) == [(oth, 1)]
    assert store.channel_stats.copies_of(p1.id) == [p9.id]

"""The stories browser (/stories, /api/stories) over the hand-labelled day of stories_dev kept as stories:
its figures agree with the stories themselves, every filter and sort does what it says, pages neither repeat
nor skip, and a page costs the same few queries whatever its size."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from svodka.digest.card_topic import card_topics_of
from svodka.model import Story
from svodka.web.provenance import provenance
from svodka.web.stories_browser import BrowseParams, stories_view, timeline_svg
from test_web_support import WebEnv, login, web  # noqa: F401

DAY = "2024-11-30"  # the gold day


@pytest.fixture(scope="module")
def viewer(web: WebEnv):  # type: ignore[no-untyped-def]  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev (the gold stories)")
    c = login(web.base, "viewer")
    yield c
    c.close()


def _all(viewer: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    r = viewer.get("/api/stories", params={"day": DAY, "limit": 200, **params})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["total"] == len(data["stories"])
    return list(data["stories"])


def _story(web: WebEnv, sid: int) -> Story:  # noqa: F811
    return web.store.stories.get(sid)


def test_rows_agree_with_the_stories(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    rows = _all(viewer)
    gold = web.store.stories.in_period(datetime(2024, 11, 30, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC))
    assert len(rows) == sum(len(s.members) >= 2 for s in gold) > 20
    for row in rows:
        s = _story(web, row["id"])
        assert row["posts"] == len(s.members)
        assert row["channels"] == len(s.channels)
        assert row["independent"] == len({m.post.channel_id for m in s.originals})
        first = provenance(s, {}, lambda _pid: None).first
        assert row["first"]["post_id"] == first.id and row["first"]["channel"] == first.channel
        assert datetime.fromisoformat(row["first"]["date"]) == first.date
        per_hour: dict[str, int] = {}
        for m in s.members:
            hour = m.post.date.replace(minute=0, second=0, microsecond=0)
            per_hour[hour.isoformat()] = per_hour.get(hour.isoformat(), 0) + 1
        got = {datetime.fromisoformat(h["hour"]).isoformat(): h["posts"] for h in row["hourly"]}
        assert got == per_hour
        assert row["headline"] and not row["headline"].startswith("Story ")
    # The story with copies: 3 copies of 2 derived channels, which are not independent sources.
    big = next(r for r in rows if r["id"] == web.story_id)
    assert big["channels"] - big["independent"] == 2


def test_sorts(viewer: httpx.Client) -> None:
    by_score = _all(viewer)
    keys = [(r["independent"], r["channels"], r["posts"]) for r in by_score]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) > 3
    by_size = [r["posts"] for r in _all(viewer, sort="size")]
    assert by_size == sorted(by_size, reverse=True)
    firsts = [r["first_date"] for r in _all(viewer, sort="first")]
    assert firsts == sorted(firsts, reverse=True)
    lasts = [r["last_date"] for r in _all(viewer, sort="recent")]
    assert lasts == sorted(lasts, reverse=True)
    assert {r["id"] for r in by_score} == {r["id"] for r in _all(viewer, sort="size")}


def test_filters(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    rows = _all(viewer, min_posts=1)
    assert any(r["posts"] == 1 for r in rows)
    assert {r["id"] for r in _all(viewer, min_posts=5)} == {r["id"] for r in rows if r["posts"] >= 5}
    assert {r["id"] for r in _all(viewer, min_channels=4)} == {r["id"] for r in rows if r["channels"] >= 4}
    five = {r["id"] for r in _all(viewer, min_independent=5, min_posts=1)}
    assert five == {r["id"] for r in rows if r["independent"] >= 5} and five
    # Topic: as the story's digest card tells it (its posts, its headline, its vectors: digest.card_topic).
    politics = {r["id"] for r in _all(viewer, topic="politics", min_posts=1)}
    card = card_topics_of(web.store, [r["id"] for r in rows])
    expected = {r["id"] for r in rows if card[r["id"]] == "politics"}
    assert politics == expected and 0 < len(politics) < len(rows)
    # A channel group, and "covered by group A but not by group B".
    big = _story(web, web.story_id or 0)
    a, b = big.channels[0], big.channels[1]
    web.store.channels.set_groups(a, ["browse-a"], add=True)
    web.store.channels.set_groups(b, ["browse-b"], add=True)
    try:
        in_a = {r["id"] for r in _all(viewer, group="browse-a", min_posts=1)}
        assert in_a == {r["id"] for r in rows if a in _story(web, r["id"]).channels}
        a_not_b = {r["id"] for r in _all(viewer, group="browse-a", not_group="browse-b", min_posts=1)}
        assert web.story_id in in_a and web.story_id not in a_not_b
        assert a_not_b == {
            r["id"] for r in rows if r["id"] in in_a and b not in _story(web, r["id"]).channels
        }
    finally:
        web.store.channels.set_groups(a, [g for g in web.store.channels.by_id(a).groups if g != "browse-a"])
        web.store.channels.set_groups(b, [g for g in web.store.channels.by_id(b).groups if g != "browse-b"])
    # Language: some post in it (the gold stories are Russian).
    assert {r["id"] for r in _all(viewer, language="ru")} == {r["id"] for r in _all(viewer)}
    assert _all(viewer, language="en") == []
    # A period: the stories active in it.
    night = viewer.get("/api/stories", params={"since": DAY, "until": DAY, "limit": 200}).json()
    assert night["total"] == len(rows) - sum(r["posts"] == 1 for r in rows)
    assert viewer.get("/api/stories", params={"day": "2024-11-29"}).json()["total"] == 0


def test_pages_neither_repeat_nor_skip(viewer: httpx.Client) -> None:
    every = [r["id"] for r in _all(viewer)]
    seen: list[int] = []
    page = 1
    while True:
        data = viewer.get("/api/stories", params={"day": DAY, "limit": 7, "page": page}).json()
        assert data["total"] == len(every)
        seen += [r["id"] for r in data["stories"]]
        if not data["next_page"]:
            break
        page = data["next_page"]
    assert seen == every
    offset = viewer.get("/api/stories", params={"day": DAY, "limit": 5, "offset": 10}).json()
    assert [r["id"] for r in offset["stories"]] == every[10:15]


def test_bad_parameters_are_one_clear_line(viewer: httpx.Client) -> None:
    for params, word in [
        ({"sort": "popularity"}, "sort"),
        ({"topic": "gossip"}, "topic"),
        ({"day": "30.11.2024"}, "day"),
        ({"min_posts": "0"}, "min_posts"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"language": "xx"}, "language"),
    ]:
        r = viewer.get("/api/stories", params=params)
        assert r.status_code == 400 and word in r.json()["error"] and "\n" not in r.json()["error"], params
        assert viewer.get("/stories", params=params).status_code == 400


def test_page_shows_rows_with_timelines_and_no_script(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    r = viewer.get("/stories", params={"day": DAY, "sort": "size"})
    assert r.status_code == 200
    html = r.text
    assert "<script" not in html
    rows = _all(viewer, sort="size")[:20]
    assert re.search(rf"{len(_all(viewer))} found", html)
    for row in rows:
        assert f'href="/stories/{row["id"]}"' in html
    assert html.count('<svg class="spark"') == len(rows)
    first = rows[0]
    assert f'href="/channels/{first["first"]["channel_id"]}"' in html
    assert 'href="/stories"' in viewer.get("/").text  # the navigation links the browser


def test_timeline_bars() -> None:
    h0 = datetime(2024, 11, 30, 6, tzinfo=UTC)
    hourly = [{"hour": h0, "posts": 3}, {"hour": h0 + timedelta(hours=2), "posts": 1}]
    svg = str(timeline_svg(hourly))
    assert svg.count("<rect") == 2 and "posts per hour: 4 posts over 3 h, at most 3" in svg
    long = [{"hour": h0 + timedelta(hours=i), "posts": 1} for i in range(0, 300, 10)]
    svg = str(timeline_svg(long))
    assert "posts per 5 hours" in svg and svg.count("<rect") == 30
    assert str(timeline_svg([])) == ""


@pytest.mark.backends("sqlite", reason="counts statements with sqlite3's set_trace_callback")
def test_a_page_costs_the_same_few_queries_whatever_its_size(web: WebEnv) -> None:  # noqa: F811
    if web.story_id is None or not hasattr(web.store, "db"):
        pytest.skip("SQLite's statement trace")
    day = datetime(2024, 11, 30, tzinfo=UTC)
    counts = []
    for size in (3, 60):
        statements: list[str] = []
        with web.store.db.read() as conn:  # this thread's reader: the one the view reads through
            conn.set_trace_callback(statements.append)
        try:
            data = stories_view(web.store, BrowseParams(day=day, min_posts=1), size)
        finally:
            with web.store.db.read() as conn:
                conn.set_trace_callback(None)
        assert len(data["stories"]) == min(size, data["total"])
        counts.append(sum(s.lstrip().upper().startswith(("SELECT", "WITH")) for s in statements))
    assert counts[0] == counts[1] <= 4, counts

"""The stories browser as a table (/stories.csv, /stories.xlsx): the browser's filters and sort, every story
of the filtered list (capped, with a note row naming the next page), headlines that start like a formula kept
as text, and the export link on /stories carrying the form's filters."""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import openpyxl
import pytest

from svodka.model import ChannelRef, Post, Story, StoryMember
from svodka.store.base import StorylineEntry
from svodka.web import stories_browser
from test_web_support import WebEnv, keep_stories, login, web  # noqa: F401

DAY = "2024-11-30"  # the gold day of stories_dev
HOSTILE_DAY = "2024-12-05"  # a day of its own: only the hostile story
HOSTILE = '=HYPERLINK("http://evil.example/","клик") Взрыв на складе в Подольске'
HOSTILE_STORY = 990_001
CHANNELS = (
    ChannelRef(handle="hostile_one_ru", ext_id="777000201", title="Hostile One"),
    ChannelRef(handle="hostile_two_ru", ext_id="777000202", title="Hostile Two"),
)


@pytest.fixture(scope="module")
def viewer(web: WebEnv):  # type: ignore[no-untyped-def]  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev (the gold stories)")
    start = datetime(2024, 12, 5, 9, 0, tzinfo=UTC)
    web.store.posts.save(
        [
            Post(channel=c, message_id=1, date=start + timedelta(minutes=20 * i), text=HOSTILE)
            for i, c in enumerate(CHANNELS)
        ]
    )
    posts = [web.store.posts.by_key(web.store.channels.resolve(c), 1) for c in CHANNELS]
    members = tuple(StoryMember(p, language="ru") for p in posts if p is not None)
    assert len(members) == 2
    story = Story(HOSTILE_STORY, members, members[0].post.date, members[-1].post.date)
    keep_stories(web.store, [story])
    client = login(web.base, "viewer")
    yield client
    client.close()


def _csv(r: httpx.Response) -> list[dict[str, str]]:
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="stories.csv"' in r.headers["content-disposition"]
    assert r.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def _api(viewer: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    data = viewer.get("/api/stories", params={**params, "limit": 200}).json()
    assert data["total"] == len(data["stories"])
    return list(data["stories"])


def test_csv_is_the_browsers_whole_filtered_list_in_its_order(viewer: httpx.Client, web: WebEnv) -> None:  # noqa: F811
    for params in (
        {"day": DAY},
        {"day": DAY, "sort": "size", "min_channels": "2"},
        {"day": DAY, "sort": "first"},
    ):
        rows = _csv(viewer.get("/stories.csv", params=params))
        listed = _api(viewer, **params)
        assert [int(r["id"]) for r in rows] == [s["id"] for s in listed] and len(rows) > 5, params
        assert HOSTILE_STORY not in {int(r["id"]) for r in rows}
    rows = _csv(viewer.get("/stories.csv", params={"day": DAY, "min_channels": "2"}))
    assert rows and all(int(r["channels"]) >= 2 for r in rows)
    assert len(rows) < len(_csv(viewer.get("/stories.csv", params={"day": DAY})))
    big = next(r for r in rows if int(r["id"]) == web.story_id)
    story = web.store.stories.get(web.story_id)
    assert int(big["posts"]) == len(story.members) and int(big["channels"]) == len(story.channels)
    assert big["url"].endswith(f"/stories/{web.story_id}") and big["url"].startswith("http://127.0.0.1")
    assert big["headline"] and big["first reporter"] and big["topic"]
    # first seen in the display zone (UTC here), as text a spreadsheet reads as a date
    assert datetime.fromisoformat(big["first seen"]) == story.first_date.replace(tzinfo=None, microsecond=0)
    assert datetime.fromisoformat(big["last active"]) == story.last_date.replace(tzinfo=None, microsecond=0)
    groups = {g for c in web.store.channels.list() if c.id in story.channels for g in c.groups}
    assert set(filter(None, big["groups"].split(", "))) == groups


def test_a_headline_that_starts_like_a_formula_stays_text(viewer: httpx.Client) -> None:
    rows = _csv(viewer.get("/stories.csv", params={"day": HOSTILE_DAY}))
    assert [int(r["id"]) for r in rows] == [HOSTILE_STORY]
    assert rows[0]["headline"].startswith("'=HYPERLINK(") and "Подольске" in rows[0]["headline"]

    r = viewer.get("/stories.xlsx", params={"day": HOSTILE_DAY})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["id", "headline", "first reporter", "first seen"] and "storyline" in header
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.quotePrefix and str(cell.value).startswith("=HYPERLINK(")
    assert sheet.cell(row=2, column=1).value == HOSTILE_STORY
    assert isinstance(sheet.cell(row=2, column=4).value, datetime)


def test_xlsx_holds_the_same_rows_as_csv(viewer: httpx.Client) -> None:
    params = {"day": DAY, "sort": "recent"}
    ids = [int(r["id"]) for r in _csv(viewer.get("/stories.csv", params=params))]
    sheet = openpyxl.load_workbook(io.BytesIO(viewer.get("/stories.xlsx", params=params).content)).active
    assert sheet is not None
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ids


def test_a_capped_download_says_where_the_rest_is(
    viewer: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = [int(r["id"]) for r in _csv(viewer.get("/stories.csv", params={"day": DAY}))]
    monkeypatch.setattr(stories_browser, "EXPORT_ROWS", 5)
    first = _csv(viewer.get("/stories.csv", params={"day": DAY}))
    assert [int(r["id"]) for r in first[:5]] == everything[:5]
    assert first[5]["id"] == "" and f"of {len(everything)}" in first[5]["headline"]
    assert "page=2" in first[5]["headline"] and len(first) == 6
    second = _csv(viewer.get("/stories.csv", params={"day": DAY, "page": "2"}))
    assert [int(r["id"]) for r in second[:5]] == everything[5:10]


def test_bad_filters_are_refused_in_one_line(viewer: httpx.Client) -> None:
    r = viewer.get("/stories.csv", params={"sort": "nonsense"})
    assert r.status_code == 400 and "sort" in r.text
    assert viewer.get("/stories.xlsx", params={"topic": "nonsense"}).status_code == 400


def test_the_browser_links_its_export_with_its_filters(viewer: httpx.Client) -> None:
    page = viewer.get("/stories", params={"day": DAY, "sort": "size", "page": "2", "group": ""})
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert 'href="/stories.csv?day=2024-11-30&sort=size&page=1"' in text
    assert 'href="/stories.xlsx?day=2024-11-30&sort=size&page=1"' in text
    ru = viewer.get("/stories", params={"day": DAY, "lang": "ru"})
    assert "Выгрузить" in ru.text
    rows = _csv(viewer.get("/stories.csv", params={"day": HOSTILE_DAY, "lang": "ru"}))
    assert "заголовок" in rows[0] and "первым сообщил" in rows[0]


def test_a_story_in_a_storyline_names_it(viewer: httpx.Client, web: WebEnv) -> None:  # noqa: F811
    rows = _csv(viewer.get("/stories.csv", params={"day": DAY, "sort": "size"}))
    assert all(r["storyline"] == "" for r in rows)  # in none yet
    a, b, alone = (int(r["id"]) for r in rows[:3])
    entries = []
    for sid in (a, b, alone):
        s = web.store.stories.get(sid)
        line = a if sid != alone else alone  # a storyline of one story is no storyline
        entries.append(
            StorylineEntry(sid, line, s.first_date.timestamp(), s.last_date.timestamp(), len(s.members), None)
        )
    web.store.storylines.save(entries)
    rows = _csv(viewer.get("/stories.csv", params={"day": DAY, "sort": "size"}))
    named = {int(r["id"]): r["storyline"] for r in rows if r["storyline"]}
    assert named == {a: str(a), b: str(a)}

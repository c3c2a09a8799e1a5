"""Storylines end to end on real posts (tg_ru_news_2024: the Superjet that caught fire landing in Antalya on
24 November 2024, its investigation the following days, among each day's other news): `svodka process` links
the days' stories, a second run on the next day's posts keeps every id; the story page says «part of», the
storyline page and its JSON show the days; a digest marks a story that continues a storyline the previous
digest showed as its update."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from conftest import new_store_url, shared
from svodka.digest import DigestQuery, build_digest, save_digest
from svodka.digest.render import render_html, render_json, render_markdown
from svodka.ingest import import_file
from svodka.process import process
from svodka.settings import defaults
from svodka.sources.files import ReadOptions
from svodka.store import Store, open_store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password
from svodka.web.server import running

DAYS = ("2024-11-24", "2024-11-25", "2024-11-26", "2024-11-27")
EVENT = re.compile(r"Superjet|SSJ|Суперджет|Анталь")
MAP = ReadOptions(mapping={"channel_id": "sender_id"})  # the channel's own id: one channel per sender
OTHER_PER_DAY = 40  # other news of each day, so that names and centroids are judged among a day's stories


@dataclass
class Env:
    store: Store
    before: dict[int, int]  # {story: storyline} after the first run (the first two days)
    after: dict[int, int]  # … after the second run (the third day added)
    base: str = ""


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _lines(store: Store) -> dict[int, int]:
    entries = store.storylines.since(0)
    return {e.story_id: e.storyline_id for e in entries}


@pytest.fixture(scope="module")
def env(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("storylines")
    rows = [json.loads(x) for x in (shared("tg_ru_news_2024") / "posts.jsonl").open(encoding="utf-8")]
    by_day: dict[str, list[dict[str, object]]] = {d: [] for d in DAYS}
    others: dict[str, int] = dict.fromkeys(DAYS, 0)
    for r in sorted(rows, key=lambda r: r["date"]):
        day = r["date"][:10]
        if day not in by_day:
            continue
        event = bool(EVENT.search(r["text"]))
        if event or (others[day] < OTHER_PER_DAY and len(r["text"]) > 80):
            by_day[day].append(r)
            others[day] += not event
    store = open_store(new_store_url(backend, tmp, "lines"))
    settings = dict(defaults(pipeline__embedder="use", pipeline__batch_posts=200).items())
    import_file(
        store,
        _write(tmp / "a.jsonl", [r for d in DAYS[:3] for r in by_day[d]]),
        fmt="jsonl",
        options=MAP,
    )
    process(store, settings)
    before = _lines(store)
    import_file(store, _write(tmp / "b.jsonl", by_day[DAYS[3]]), fmt="jsonl", options=MAP)
    process(store, settings)
    yield Env(store, before, _lines(store))
    store.close()


def _multi_day(env: Env, lines: dict[int, int]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = {}
    for story, line in lines.items():
        members.setdefault(line, []).append(story)
    return {line: sorted(s) for line, s in members.items() if len(s) > 1}


def _event(env: Env) -> tuple[int, list[int]]:
    """The storyline of the Superjet fire (its stories name it), and its stories."""
    lines = {
        e.storyline_id
        for e in env.store.storylines.since(0)
        if any(n.startswith(("superjet", "ssj")) for n in e.names)
        and e.storyline_id in _multi_day(env, env.after)
    }
    assert len(lines) == 1, lines
    line = lines.pop()
    return line, _multi_day(env, env.after)[line]


def _days(env: Env, line: int) -> set[str]:
    return {
        datetime.fromtimestamp(e.first, UTC).date().isoformat() for e in env.store.storylines.stories(line)
    }


def test_the_fire_and_its_investigation_join_one_storyline_and_a_second_run_keeps_every_id(env: Env) -> None:
    line, stories = _event(env)
    days = _days(env, line)
    assert len(days) >= 3 and DAYS[0] in days and DAYS[3] in days, days
    assert line == min(stories)  # its id is its oldest story's
    # the last day came in the second run and joined the storyline the first run made
    assert any(s not in env.before for s in stories) and env.before.get(line) == line
    # incremental and stable: every story of the first run keeps its storyline, or the older one it joined
    for story, old in env.before.items():
        if story in env.after:
            assert env.after[story] <= old, (story, old, env.after[story])
    kept = [s for s, old in env.before.items() if env.after.get(s) == old]
    assert len(kept) >= 0.9 * len(env.before)
    # each link says why
    links = env.store.storylines.links(stories)
    assert links and all(" d apart" in why for *_x, why in links)


@pytest.fixture(scope="module")
def client(env: Env) -> Iterator[httpx.Client]:
    env.store.users.add("viewer", hash_password("viewer-pass-1"), "viewer")
    with running(create_app(env.store, WebConfig())) as base:
        c = httpx.Client(base_url=base, timeout=60)
        page = c.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        r = c.post("/login", data={"username": "viewer", "password": "viewer-pass-1", "csrf_token": token})
        assert r.status_code == 303
        yield c
        c.close()


def test_the_story_page_says_part_of_and_the_storyline_page_shows_the_days(
    env: Env, client: httpx.Client
) -> None:
    line, stories = _event(env)
    page = client.get(f"/stories/{stories[-1]}")
    assert page.status_code == 200
    assert "Part of:" in page.text and f'href="/storylines/{line}"' in page.text
    data = client.get(f"/api/storylines/{line}").json()
    assert data["storyline"]["id"] == line and data["storyline"]["stories"] == len(stories)
    assert [d["day"] for d in data["days"]] == sorted(d["day"] for d in data["days"])
    assert {d["day"] for d in data["days"]} == _days(env, line)
    first_day = data["days"][0]["stories"][0]
    assert first_day["first"]["channel"] and first_day["channel_names"] and first_day["new_developments"]
    assert data["links"] and all(link["signals"] for link in data["links"])
    html = client.get(f"/storylines/{stories[-1]}")  # any of its stories' ids opens it
    assert html.status_code == 200
    assert data["storyline"]["headline"] in html.text and "Day by day" in html.text
    for day in _days(env, line):
        assert f"<h3>{day}</h3>" in html.text
    assert client.get("/storylines/99999999").status_code == 404
    assert client.get("/api/storylines/99999999").status_code == 404
    # a story in no storyline with another says nothing of one
    alone = next(s for s, ln in env.after.items() if s == ln and ln not in _multi_day(env, env.after))
    assert "Part of:" not in client.get(f"/stories/{alone}").text


def test_a_digest_marks_the_next_days_story_of_a_storyline_it_showed_as_its_update(env: Env) -> None:
    line, stories = _event(env)
    day = datetime.fromisoformat(DAYS[0]).replace(tzinfo=UTC)  # the fire
    first = build_digest(env.store, DigestQuery(since=day, until=day + timedelta(days=1), top=40))
    shown = {it.card.story_id for it in first.items}
    assert shown & set(stories), "the storyline is not in the first day's digest"
    save_digest(env.store, first)
    later_day = datetime.fromisoformat(DAYS[2]).replace(tzinfo=UTC)  # the investigation, two days on
    nxt = build_digest(env.store, DigestQuery(since=later_day, until=later_day + timedelta(days=1), top=40))
    later = [it for it in nxt.items if env.after.get(it.card.story_id) == line]
    assert later, "the storyline's next-day story is not in the next digest"
    for it in later:
        assert it.update and it.storyline == line and it.new_since is not None
        assert it.card.story_id in shown or it.new_developments >= 1
    continued = [it for it in later if it.card.story_id not in shown]
    assert continued, "no story of a new day continued the storyline"
    it = continued[0]
    doc = json.loads(render_json(nxt))
    item = next(x for x in doc["items"] if x["story_id"] == it.card.story_id)
    assert (
        item["update"] is True
        and item["storyline"] == line
        and item["new_developments"] == it.new_developments
    )
    n = it.new_developments
    label = f"update: {n} new development" + ("s" if n != 1 else "")
    assert label in render_markdown(nxt) and label in render_html(nxt)
    assert f"storyline #{line}" in render_html(nxt)


def test_a_story_marked_not_news_leaves_the_storyline_page_until_undone(
    env: Env, client: httpx.Client
) -> None:
    from svodka.process.corrections import mark_not_news, undo

    line, _ = _event(env)

    def listed() -> set[int]:
        data = client.get(f"/api/storylines/{line}").json()
        return {s["id"] for d in data["days"] for s in d["stories"]}

    before = listed()
    hidden = max(before)  # the latest part of the storyline (the investigation)
    correction = mark_not_news(env.store, "story", hidden, "analyst")
    try:
        assert listed() == before - {hidden}
        assert str(hidden) not in re.findall(r'href="/stories/(\d+)"', client.get(f"/storylines/{line}").text)
    finally:
        undo(env.store, correction.id, "analyst")
    assert listed() == before

"""Corrections in the JSON API, and not-news hidden wherever a reader sees stories, on a live server over
real processed posts (every backend): analysts correct, list and undo with API keys, refusals say the CLI's
one line, viewers are turned away; a story marked not news leaves the browser, its API, trending and
`svodka stories` (a filter shows it again), and comes back when undone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from conftest import new_store_url, shared
from svodka.cli import cli
from svodka.digest.compose import load_stories
from svodka.ingest import import_file
from svodka.process import process
from svodka.settings import defaults
from svodka.store import Store, open_store
from svodka.web.app import create_app
from svodka.web.auth import hash_password, new_api_key
from svodka.web.openapi import document
from svodka.web.server import running
from test_web_openapi import undocumented
from test_web_support import PASSWORDS, ROLES, login

EPOCH, END = datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
AS_OF = "2024-11-30T09:00:00Z"  # the morning's posts end before 09:00 UTC


@pytest.fixture(scope="module")
def site(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str, str]]:
    tmp = tmp_path_factory.mktemp("corr-api")
    rows = [json.loads(x) for x in (shared("stories_dev") / "posts_2024-11-30.jsonl").open(encoding="utf-8")]
    path = tmp / "morning.jsonl"
    early = [r for r in rows if datetime.fromisoformat(r["date"]).astimezone(UTC).hour < 9]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in early), encoding="utf-8")
    url = new_store_url(backend, tmp, "api")
    store = open_store(url)
    import_file(store, Path(path), fmt="jsonl")
    process(store, dict(defaults(pipeline__embedder="use").items()))
    for role in ROLES:
        store.users.add(role, hash_password(PASSWORDS[role]), role)
    with running(create_app(store)) as base:
        yield store, base, url
    store.close()


def client(store: Store, base: str, role: str) -> httpx.Client:
    key = new_api_key(store, store.users.get(role), f"{role} tests")[0]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def schema(path: str, method: str, status: str) -> dict[str, Any]:
    op = document()["paths"][path][method]
    return dict(op["responses"][status]["content"]["application/json"]["schema"])


def cli_error(url: str, *args: str) -> str:
    """The one line `svodka corrections …` prints for a refused correction (after ``error: ``)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "svodka", "--db", url, "corrections", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode != 0 and done.stderr.startswith("error: "), done.stderr
    return done.stderr.removeprefix("error: ").strip()


def biggest(store: Store) -> list:  # type: ignore[type-arg]
    return sorted(load_stories(store, EPOCH, END), key=lambda s: -len(s.members))


def test_analysts_correct_list_and_undo_through_the_api(site) -> None:  # type: ignore[no-untyped-def]
    store, base, url = site
    a, b = biggest(store)[:2]
    moved = a.members[-1].post.id
    with client(store, base, "analyst") as api:
        r = api.post("/api/corrections/move", json={"post": moved, "story": b.id})
        assert r.status_code == 201, r.text
        body = r.json()
        assert not undocumented(body, schema("/api/corrections/move", "post", "201"))
        c = body["correction"]
        assert c["kind"] == "move" and c["user"] == "analyst" and c["active"] and body["story"] == b.id
        assert store.corrections.story_of_posts([moved])[moved] == b.id

        # the log: all, paged, and one story's
        log = api.get("/api/corrections").json()
        assert [x["id"] for x in log["corrections"]] == [c["id"]] and log["next_offset"] is None
        assert not undocumented(log, schema("/api/corrections", "get", "200"))
        assert [x["id"] for x in api.get(f"/api/corrections?story={b.id}").json()["corrections"]] == [c["id"]]
        assert api.get(f"/api/corrections?story={biggest(store)[-1].id}").json()["corrections"] == []

        # refused by the stories as they stand: 409 and the CLI's own line
        again = api.post("/api/corrections/move", json={"post": moved, "story": b.id})
        assert again.status_code == 409
        assert again.json()["error"] == cli_error(url, "move", str(moved), str(b.id))
        same = api.post("/api/corrections/merge", json={"story": b.id, "other": b.id})
        assert same.status_code == 409 and "already one story" in same.json()["error"]
        # a body that is not what the kind takes, an unknown post: 400 and 404, in one line
        for bad in (
            {"post": moved},
            {"post": "x", "story": b.id},
            {"post": moved, "story": b.id, "x": 1},
            [1],
        ):
            r = api.post("/api/corrections/move", json=bad)
            assert r.status_code == 400 and "\n" not in r.json()["error"], (bad, r.text)
        assert api.post("/api/corrections/detach", json={"post": 10**9}).status_code == 404
        assert api.post("/api/corrections/99999/undo").status_code == 404
        assert len(store.corrections.list()) == 1  # nothing stored by the refusals

        # split and merge, then undo each, newest first
        several = next(s for s in biggest(store) if len(s.developments) > 1)
        split = api.post(
            "/api/corrections/split", json={"story": several.id, "development": several.developments[1]}
        )
        assert split.status_code == 201 and split.json()["story"] == several.developments[1]
        x, y = [s for s in biggest(store)[2:] if s.id not in (several.id, *several.developments)][:2]
        merge = api.post("/api/corrections/merge", json={"story": x.id, "other": y.id})
        assert merge.status_code == 201 and merge.json()["story"] == min(x.id, y.id)
        for done in (merge.json(), split.json(), body):
            undo = api.post(f"/api/corrections/{done['correction']['id']}/undo")
            assert undo.status_code == 200, undo.text
            assert (
                undo.json()["correction"]["active"] is False
                and undo.json()["correction"]["undone_by"] == "analyst"
            )
        assert store.corrections.story_of_posts([moved])[moved] == a.id  # the pipeline's own placement
        twice = api.post(f"/api/corrections/{c['id']}/undo")
        assert twice.status_code == 409 and twice.json()["error"] == cli_error(url, "undo", str(c["id"]))
        assert store.corrections.active() == []
    with client(store, base, "viewer") as viewer:
        assert viewer.get("/api/corrections").status_code == 403
        assert viewer.post("/api/corrections/detach", json={"post": moved}).status_code == 403


def listed(api: httpx.Client, extra: str = "") -> dict[int, dict[str, Any]]:
    rows = api.get(f"/api/stories?hours=0&min_posts=1&limit=200{extra}").json()["stories"]
    return {r["id"]: r for r in rows}


def searched(api: httpx.Client, query: str) -> set[int]:
    r = api.get("/api/search", params={"q": query})
    assert r.status_code == 200, r.text
    return {s["id"] for s in r.json()["stories"]}


def test_not_news_is_hidden_wherever_readers_see_stories(site) -> None:  # type: ignore[no-untyped-def]
    store, base, url = site
    with client(store, base, "analyst") as api:
        trending = api.get(f"/api/stories/trending?hours=12&as_of={AS_OF}").json()["stories"]
        top = trending[0]["id"]  # a development, as trending lists them
        story = next(s for s in load_stories(store, EPOCH, END) if top == s.id or top in s.developments)
        parts = set(story.developments) or {story.id}
        before = listed(api)
        assert parts & set(before)
        words = sorted({w for m in story.members for w in m.post.text.split() if w.isalpha()}, key=len)
        query = next(w for w in reversed(words) if parts & searched(api, w))  # a word that finds the story
        found = searched(api, query)
        mark = api.post("/api/corrections/not-news", json={"story": top})
        assert mark.status_code == 201 and mark.json()["correction"]["kind"] == "not-news-story"

        # the browser and its API: hidden, unless asked for; then each row says so
        after = listed(api)
        assert not parts & set(after) and set(after) == set(before) - parts
        shown = listed(api, "&not_news=show")
        assert set(shown) == set(before)
        assert {i for i, r in shown.items() if r["not_news"]} == parts & set(before)
        answer = api.get("/api/stories?hours=0&min_posts=1&not_news=show").json()
        assert not undocumented(answer, schema("/api/stories", "get", "200")) and answer["not_news"] == "show"
        assert api.get("/api/stories?not_news=maybe").status_code == 400
        assert searched(api, query) == found - parts  # the search's stories
        # trending and the home page's list
        trending = api.get(f"/api/stories/trending?hours=12&as_of={AS_OF}").json()["stories"]
        assert trending and not parts & {t["id"] for t in trending}
    page = login(base, "viewer")
    try:
        html = page.get("/stories?hours=0&min_posts=1").text
        assert not any(f'href="/stories/{d}"' in html for d in parts)
        html = page.get("/stories?hours=0&min_posts=1&not_news=show").text
        assert any(f'href="/stories/{d}"' in html for d in parts) and "Not news" in html
        assert 'name="not_news" value="show" checked' in html
        home = page.get(f"/?as_of={AS_OF}").text
        assert not any(f'href="/stories/{d}"' in home for d in parts)
    finally:
        page.close()
    # `svodka stories`
    out = CliRunner().invoke(
        cli, ["--db", url, "stories", "--since", "1d", "--as-of", AS_OF, "--min-posts", "1"]
    )
    ids = {
        int(line.split()[0]) for line in out.output.splitlines() if line.strip() and line.split()[0].isdigit()
    }
    assert ids and not parts & ids

    # a post marked not news: a story of that post alone goes from the lists; undone, all come back
    with client(store, base, "analyst") as api:
        single = next(s for s in load_stories(store, EPOCH, END) if len(s.members) == 1 and s.id not in parts)
        post = api.post("/api/corrections/not-news", json={"post": single.members[0].post.id})
        assert post.status_code == 201 and single.id not in listed(api)
        assert (
            api.post("/api/corrections/not-news", json={"post": single.members[0].post.id}).status_code == 409
        )
        for c in store.corrections.active():
            assert api.post(f"/api/corrections/{c.id}/undo").status_code == 200
        assert set(listed(api)) == set(before)

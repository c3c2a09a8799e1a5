"""The stories browser and corrections in the web app, on every backend: a correction the stories as they
stand refuse answers alike in the story page's form and in the JSON API — 409 (as web/openapi.py documents)
with the one line the CLI prints, nothing stored; the navigation marks the stories browser, not trending,
as the page one is on (in Russian, with nothing left untranslated on the browser's and the log's pages)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from conftest import new_store_url
from svodka.ingest import import_file
from svodka.process import corrections, process
from svodka.settings import defaults
from svodka.store import Store, open_store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password, new_api_key
from svodka.web.server import running
from test_corrections_merges import OFFENSIVE, PROTEST, Keywords, story_of, write
from test_web_support import PASSWORDS, login


@pytest.fixture(scope="module")
def site(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str, str]]:
    """Two stories of two posts each (Tbilisi's protests, Aleppo), an analyst, and the app in Russian."""
    tmp = tmp_path_factory.mktemp("corr2-web")
    store = open_store(new_store_url(backend, tmp, "web"))
    posts = [(1, "08:00", PROTEST[0]), (2, "08:10", PROTEST[1]), (3, "08:05", OFFENSIVE[0])]
    import_file(store, write(tmp / "posts.jsonl", [*posts, (4, "08:15", OFFENSIVE[1])]), fmt="jsonl")
    process(store, dict(defaults(pipeline__sem_floor=0.0).items()), embedder=Keywords())
    store.users.add("analyst", hash_password(PASSWORDS["analyst"]), "analyst")
    key = new_api_key(store, store.users.get("analyst"), "tests")[0]
    with running(create_app(store, WebConfig(language="ru"))) as base:
        yield store, base, key
    store.close()


def test_the_form_and_the_api_refuse_a_correction_alike(site: tuple[Store, str, str]) -> None:
    store, base, key = site
    a1, b1, _a2, _b2 = (p.id for p in sorted(store.posts.iter(), key=lambda p: p.date))
    d_a, d_b = story_of(store, a1), story_of(store, b1)
    assert d_a != d_b
    form = login(base, "analyst")
    english = {"Accept-Language": "en"}
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}", **english}, timeout=60)
    try:
        # a post moved to the story it is in already
        page = form.post(
            f"/stories/{d_a}/corrections?lang=en",
            data={"csrf_token": form.csrf, "action": "move", "post": str(a1), "other": str(d_a)},  # type: ignore[attr-defined]
        )
        said = api.post("/api/corrections/move", json={"post": a1, "story": d_a})
        assert page.status_code == said.status_code == 409
        line = said.json()["error"]
        assert line == f"post {a1} is in story {d_a} already" and line in page.text
        # an undo undone
        done = corrections.merge_stories(store, d_a, d_b, "ann")
        corrections.undo(store, done.id, "ann")
        page = form.post(f"/corrections/{done.id}/undo?lang=en", data={"csrf_token": form.csrf})  # type: ignore[attr-defined]
        said = api.post(f"/api/corrections/{done.id}/undo")
        assert page.status_code == said.status_code == 409
        assert said.json()["error"] in page.text and "undone already" in said.json()["error"]
        assert [c.id for c in store.corrections.list()] == [done.id]  # nothing stored by the refusals
    finally:
        form.close()
        api.close()


def on(html: str) -> list[str]:
    """The navigation's links marked as the page one is on."""
    return re.findall(r'<a href="([^"]+)" class="on">', html)


def test_the_browser_and_the_log_in_russian(site: tuple[Store, str, str]) -> None:
    store, base, _key = site
    story = story_of(store, min(p.id for p in store.posts.iter()))
    analyst = login(base, "analyst")
    try:
        browser = analyst.get("/stories?hours=0&min_posts=1&not_news=show").text
        assert on(browser) == ["/stories"]  # not trending too
        assert on(analyst.get(f"/stories/{story}").text) == ["/stories"]
        assert on(analyst.get("/trending").text) == ["/trending"]
        assert "Сюжеты" in browser and "Независимых" in browser and "Stories" not in browser
        log = analyst.get("/corrections").text
        assert "Исправления" in log and "Corrections" not in log and "Undo" not in log
    finally:
        analyst.close()

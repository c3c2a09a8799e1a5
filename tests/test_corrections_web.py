"""Corrections in the web app, on a live server over real processed posts (every backend): the story page's
forms for analysts only, CSRF, the corrections log and undo."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import new_store_url, shared
from svodka.digest.compose import load_stories
from svodka.ingest import import_file
from svodka.process import process
from svodka.settings import defaults
from svodka.store import Store, open_store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password
from svodka.web.server import running
from test_web_support import PASSWORDS, ROLES, login

EPOCH, END = datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def site(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    tmp = tmp_path_factory.mktemp("corr-web")
    rows = [json.loads(x) for x in (shared("stories_dev") / "posts_2024-11-30.jsonl").open(encoding="utf-8")]
    path = tmp / "morning.jsonl"
    early = [r for r in rows if datetime.fromisoformat(r["date"]).astimezone(UTC).hour < 9]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in early), encoding="utf-8")
    store = open_store(new_store_url(backend, tmp, "web"))
    import_file(store, Path(path), fmt="jsonl")
    process(store, dict(defaults(pipeline__embedder="use").items()))
    for role in ROLES:
        store.users.add(role, hash_password(PASSWORDS[role]), role)
    with running(create_app(store, WebConfig(login_max_failures=50, login_window_s=900))) as base:
        yield store, base
    store.close()


def biggest(store: Store) -> list:  # type: ignore[type-arg]
    return sorted(load_stories(store, EPOCH, END), key=lambda s: -len(s.members))


def test_analysts_correct_a_story_from_its_page_and_undo_it(site) -> None:  # type: ignore[no-untyped-def]
    store, base = site
    a, b = biggest(store)[:2]
    analyst = login(base, "analyst")
    page = analyst.get(f"/stories/{a.id}")
    assert page.status_code == 200
    assert f'action="/stories/{a.id}/corrections"' in page.text and 'value="detach"' in page.text
    moved = a.members[-1].post.id
    r = analyst.post(
        f"/stories/{a.id}/corrections",
        data={"csrf_token": analyst.csrf, "action": "move", "post": str(moved), "other": str(b.id)},  # type: ignore[attr-defined]
    )
    assert r.status_code == 303 and r.headers["location"] == f"/stories/{b.id}"
    assert store.corrections.story_of_posts([moved])[moved] == b.id
    (c,) = store.corrections.list()
    assert c.user == "analyst" and c.kind == "move"
    # listed on both stories' pages and in the log, with an undo button
    target = analyst.get(f"/stories/{b.id}").text
    assert f'action="/corrections/{c.id}/undo"' in target and f"move post {moved} to story {b.id}" in target
    log = analyst.get("/corrections")
    assert log.status_code == 200 and f"/corrections/{c.id}/undo" in log.text
    as_json = analyst.get("/corrections?format=json").json()
    assert as_json["corrections"][0]["id"] == c.id and as_json["corrections"][0]["active"] is True
    # an impossible correction is one clear line, status 409 (as the JSON API), nothing stored
    bad = analyst.post(
        f"/stories/{b.id}/corrections",
        data={"csrf_token": analyst.csrf, "action": "move", "post": str(moved), "other": str(b.id)},  # type: ignore[attr-defined]
    )
    assert bad.status_code == 409 and "already" in bad.text
    assert len(store.corrections.list()) == 1
    undo = analyst.post(
        f"/corrections/{c.id}/undo", data={"csrf_token": analyst.csrf, "next": "/corrections"}
    )  # type: ignore[attr-defined]
    assert undo.status_code == 303 and undo.headers["location"] == "/corrections"
    assert store.corrections.story_of_posts([moved])[moved] == a.id
    assert not store.corrections.get(c.id).active
    again = analyst.post(f"/corrections/{c.id}/undo", data={"csrf_token": analyst.csrf})  # type: ignore[attr-defined]
    assert again.status_code == 409
    analyst.close()


def test_viewers_see_no_forms_and_are_refused_and_forms_need_csrf(site) -> None:  # type: ignore[no-untyped-def]
    store, base = site
    story = biggest(store)[0]
    viewer = login(base, "viewer")
    page = viewer.get(f"/stories/{story.id}")
    assert page.status_code == 200 and "/corrections" not in page.text
    r = viewer.post(
        f"/stories/{story.id}/corrections",
        data={"csrf_token": viewer.csrf, "action": "not-news-story"},  # type: ignore[attr-defined]
    )
    assert r.status_code == 403
    assert viewer.get("/corrections").status_code == 403
    viewer.close()
    admin = login(base, "admin")
    forged = admin.post(
        f"/stories/{story.id}/corrections", data={"csrf_token": "x", "action": "not-news-story"}
    )
    assert forged.status_code == 403 and "reload" in forged.text
    assert store.corrections.list(1000) == [] or all(
        c.kind != "not-news-story" for c in store.corrections.list()
    )
    ok = admin.post(
        f"/stories/{story.id}/corrections",
        data={"csrf_token": admin.csrf, "action": "not-news-story"},  # type: ignore[attr-defined]
    )
    assert ok.status_code == 303
    (c,) = [c for c in store.corrections.active() if c.kind == "not-news-story"]
    assert c.subject == story.id and c.user == "admin"
    assert story.id not in {s.id for s in load_stories(store, EPOCH, END)}  # out of the digests
    admin.post(f"/corrections/{c.id}/undo", data={"csrf_token": admin.csrf})  # type: ignore[attr-defined]
    assert story.id in {s.id for s in load_stories(store, EPOCH, END)}
    admin.close()

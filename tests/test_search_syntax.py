"""The search syntax over real posts (the bundled sample and the hand-labelled day): OR, NOT / -word, "phrase"
and prefix* find exactly the set they say; the result count, the sort by date, identical posts of several
channels shown as one hit, and a query that cannot be read — on /search, /api/search and `svodka search`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from svodka.errors import QueryError
from svodka.store.sqlite.fulltext import fts_query
from test_web_support import FORWARDER, WebEnv, login, web  # noqa: F401

ALL = 100_000


@pytest.fixture(scope="module")
def viewer(web: WebEnv):  # type: ignore[no-untyped-def]  # noqa: F811
    c = login(web.base, "viewer")
    yield c
    c.close()


def _found(web: WebEnv, query: str) -> set[int]:  # noqa: F811
    return {h.post.id for h in web.store.posts.search(query, limit=ALL)}


def test_or_not_phrase_and_prefix_find_the_sets_they_say(web: WebEnv) -> None:  # noqa: F811
    putin, biden = _found(web, "Путин"), _found(web, "Байден")
    assert putin and biden and putin - biden and biden - putin
    assert _found(web, "Путин OR Байден") == putin | biden == _found(web, "Путин | Байден")
    assert _found(web, "Путин Байден") == putin & biden == _found(web, "Путин AND Байден")
    assert _found(web, "Путин -Байден") == putin - biden == _found(web, "Путин NOT Байден")
    assert _found(web, "(Путин OR Байден) -Байден") == putin - biden
    # A phrase: the words as written, next to each other.
    phrase = _found(web, '"Владимир Путин"')
    assert phrase and phrase <= _found(web, "Владимир Путин")
    for h in web.store.posts.search('"Владимир Путин"', limit=ALL):
        assert re.search(r"владимир\W+путин", h.post.text.lower()), h.post.text[:200]
    # A prefix as typed (not stemmed): every word beginning so.
    prefix = web.store.posts.search("путин*", limit=ALL)
    assert prefix and all(re.search(r"\bпутин", h.post.text.lower()) for h in prefix)
    assert {h.post.id for h in prefix} >= putin


def test_the_count_and_the_sort_by_date(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    both = _found(web, "Путин OR Байден")
    data = viewer.get("/api/search", params={"q": "Путин OR Байден", "limit": 200}).json()
    assert data["total"] == len(both) == web.store.posts.count_matches("Путин OR Байден")
    shown = {h["post"]["id"] for h in data["hits"]} | {c["id"] for h in data["hits"] for c in h["same_text"]}
    assert shown == both  # fewer than a page: all of them, some as the same text of another
    by_date = viewer.get("/api/search", params={"q": "Путин OR Байден", "sort": "date", "limit": 200}).json()
    dates = [h["post"]["date"] for h in by_date["hits"]]
    assert dates == sorted(dates, reverse=True) and by_date["total"] == len(both)
    paged = [
        h["post"]["id"]
        for page in (1, 2, 3)
        for h in viewer.get(
            "/api/search", params={"q": "Путин", "sort": "date", "limit": 10, "page": page}
        ).json()["hits"]
    ]
    newest = web.store.posts.search_recent("Путин", limit=30)
    assert len(set(paged)) == len(paged) and set(paged) <= {h.post.id for h in newest}
    html = viewer.get("/search", params={"q": "Путин OR Байден", "sort": "date"}).text
    assert f"{len(both):,} match" in html and "newest first" in html


def test_identical_posts_of_several_channels_are_one_hit(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("the forwarded copies are made of the gold story (../shared/data/stories_dev)")
    fwd = web.store.channels.resolve(FORWARDER)
    copy = web.store.posts.by_key(fwd, 100)  # a forward: the same text as its origin, in another channel
    assert copy is not None
    words = re.findall(r"[А-Яа-яЁё]{6,}", copy.text)[:4]
    query = '"' + " ".join(words[:2]) + '"'
    hits = viewer.get("/api/search", params={"q": query, "limit": 200}).json()["hits"]
    group = next(h for h in hits if copy.id in {h["post"]["id"], *(c["id"] for c in h["same_text"])})
    channels = {group["post"]["channel"], *(c["channel"] for c in group["same_text"])}
    assert len(channels) >= 2 and copy.channel in channels
    posts = [group["post"]["id"], *(c["id"] for c in group["same_text"])]
    assert len(posts) == len(set(posts))
    assert all(h is group or copy.id not in {c["id"] for c in h["same_text"]} for h in hits)
    page = viewer.get("/search", params={"q": query}).text
    assert "The same text in" in page
    assert all(f'href="/posts/{i}"' in page for i in posts)


def test_a_query_that_cannot_be_read_is_one_clear_line(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    for query, why in [("-реклама", "not only words to leave out"), ("Путин OR", "OR needs something")]:
        with pytest.raises(QueryError):
            fts_query(query)
        api = viewer.get("/api/search", params={"q": query})
        assert api.status_code == 400 and why in api.json()["error"] and "\n" not in api.json()["error"]
        page = viewer.get("/search", params={"q": query})
        assert page.status_code == 200 and why in page.text  # with the form, to correct it there
    bad_sort = viewer.get("/api/search", params={"q": "Путин", "sort": "views"})
    assert bad_sort.status_code == 400 and "sort" in bad_sort.json()["error"]


def test_the_cli_searches_in_the_same_syntax(web: WebEnv) -> None:  # noqa: F811
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path("src").resolve()), os.environ.get("PYTHONPATH", "")]),
    }
    run = [sys.executable, "-m", "svodka", "--db", web.path, "search", "--json", "--limit", "1000"]
    out = subprocess.run(
        [*run, "--", "Путин", "-Байден"], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert {r["id"] for r in json.loads(out.stdout)} == _found(web, "Путин -Байден")
    bad = subprocess.run([*run, "NOT", "Путин"], capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == QueryError.exit_code and len(bad.stderr.strip().splitlines()) == 1

"""Search over real Russian and English posts: the language filter (the pipeline's language stage), the
bounded relevance ranking, both ways of applying filters, and the same through /search and /api/search."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from conftest import SHARED, new_store_url
from svodka.ingest import import_file
from svodka.model import ChannelRef, PostAnalysis, SearchHit
from svodka.pipeline.language import detect_language
from svodka.pipeline.normalize import normalize, text_hash
from svodka.store import Store, open_store
from svodka.web.app import create_app
from svodka.web.auth import hash_password
from svodka.web.server import running
from test_web_support import PASSWORDS, SAMPLE, login

ENGLISH = SHARED / "tg_en_bbcbreaking_2017" / "bbcbreaking_telegram_posts.jsonl"
# "russian" occurs in Russian posts (in links and Latin names) and in English ones: a query of both languages.
BOTH = "russian"


@dataclass
class Env:
    store: Store
    base: str
    languages: dict[int, str]  # post id -> the language stage's verdict


@pytest.fixture(scope="module")
def env(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    if not ENGLISH.exists():
        pytest.skip("needs ../shared/data/tg_en_bbcbreaking_2017")
    tmp = tmp_path_factory.mktemp("search")
    english = tmp / "bbcbreaking.jsonl"
    with ENGLISH.open(encoding="utf-8") as src:  # the first 600 real English posts
        english.write_text("".join(line for _, line in zip(range(600), src, strict=False)), encoding="utf-8")
    store = open_store(new_store_url(backend, tmp, "search"))
    import_file(store, SAMPLE)
    import_file(store, english)
    # The pipeline's language stage, as `svodka process` runs it: normalise, then tell the language.
    rows = []
    for p in store.posts.iter():
        norm = normalize(p.text)
        rows.append(PostAnalysis(p.id, detect_language(norm), False, None, norm, text_hash(norm)))
    store.analysis.save(rows)  # type: ignore[attr-defined]
    store.users.add("viewer", hash_password(PASSWORDS["viewer"]), "viewer")
    with running(create_app(store)) as base:
        yield Env(store, base, {r.post_id: r.language for r in rows})
    store.close()


def _ids(hits: list[SearchHit]) -> list[int]:
    return [h.post.id for h in hits]


def test_language_filter_keeps_only_posts_the_pipeline_told_apart(env: Env) -> None:
    everything = env.store.posts.search(BOTH, limit=500)
    by_lang: dict[str, set[int]] = {}
    for h in everything:
        by_lang.setdefault(env.languages[h.post.id], set()).add(h.post.id)
    assert len(by_lang.get("en", ())) >= 5 and len(by_lang.get("ru", ())) >= 5  # both languages match
    for lang in ("en", "ru"):
        only = env.store.posts.search(BOTH, limit=500, language=lang)
        assert {h.post.id for h in only} == by_lang[lang]
        assert all(env.languages[i] == lang for i in _ids(only))
        # Relevance order is kept within the language.
        assert _ids(only) == [i for i in _ids(everything) if i in by_lang[lang]]
    english = env.store.posts.search(BOTH, limit=500, language="en")
    assert all(re.search(r"[A-Za-z]", h.post.text) for h in english)
    assert env.store.posts.search(BOTH, language="kk") == []
    # With a channel and a date as well (both ways of applying filters agree).
    day = datetime(2017, 3, 1, tzinfo=UTC)
    bbc = env.store.channels.get(ChannelRef(handle="bbcbreaking")).id
    combined = env.store.posts.search(BOTH, limit=500, language="en", channel_ids=[bbc], since=day)
    assert {h.post.id for h in combined} == by_lang["en"]
    assert env.store.posts.search(BOTH, limit=500, language="ru", channel_ids=[bbc]) == []


def test_search_page_and_api_filter_by_language(env: Env) -> None:
    c = login(env.base, "viewer")
    try:
        en = c.get("/api/search", params={"q": BOTH, "language": "en", "limit": 200})
        assert en.status_code == 200
        data = en.json()
        assert data["hits"] and data["filters"]["language"] == "en"
        assert {env.languages[h["post"]["id"]] for h in data["hits"]} == {"en"}
        assert data["ranked_among_newest"] == 10_000
        ru = c.get("/api/search", params={"q": BOTH, "language": "ru", "limit": 200}).json()
        assert {env.languages[h["post"]["id"]] for h in ru["hits"]} == {"ru"}
        both = c.get("/api/search", params={"q": BOTH, "limit": 200}).json()
        assert len(both["hits"]) == len(data["hits"]) + len(ru["hits"])
        page = c.get("/search", params={"q": BOTH, "language": "en"})
        assert page.status_code == 200
        assert re.search(r"<option selected>en</option>", page.text)
        marks = re.findall(r"<mark>([^<]+)</mark>", page.text)
        assert marks and all(m.lower().startswith("russian") for m in marks)
        bad = c.get("/api/search", params={"q": BOTH, "language": "klingon"})
        assert bad.status_code == 400 and "language" in bad.json()["error"]
        spec = c.get("/api/openapi.json").json()
        params = {p["name"]: p for p in spec["paths"]["/api/search"]["get"]["parameters"]}
        assert "en" in params["language"]["schema"]["enum"]
    finally:
        c.close()

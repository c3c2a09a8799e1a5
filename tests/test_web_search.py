"""Search over real Russian and English posts: the language filter (the pipeline's language stage), the
bounded relevance ranking, both ways of applying filters, and the same through /search and /api/search."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from conftest import SHARED
from svodka.ingest import import_file
from svodka.model import ChannelRef, SearchHit
from svodka.pipeline.language import detect_language
from svodka.pipeline.normalize import normalize, text_hash
from svodka.store import Store, open_store
from svodka.store.sqlite import posts as sqlite_posts
from svodka.store.sqlite.fulltext import fts_query
from svodka.store.sqlite.stories import PostAnalysis
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
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    if not ENGLISH.exists():
        pytest.skip("needs ../shared/data/tg_en_bbcbreaking_2017")
    tmp = tmp_path_factory.mktemp("search")
    english = tmp / "bbcbreaking.jsonl"
    with ENGLISH.open(encoding="utf-8") as src:  # the first 600 real English posts
        english.write_text("".join(line for _, line in zip(range(600), src, strict=False)), encoding="utf-8")
    store = open_store(tmp / "search.db")
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


def test_filters_by_id_set_and_by_row_lookup_agree(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    since, until = datetime(2024, 12, 2, 6, tzinfo=UTC), datetime(2024, 12, 2, 18, tzinfo=UTC)
    channels = sorted({h.post.channel_id for h in env.store.posts.search("Путин", limit=500)})[:3]
    cases = [
        {"since": since, "until": until},
        {"channel_ids": channels},
        {"channel_ids": channels, "language": "ru"},
        {"since": since, "language": "ru"},
    ]
    for kwargs in cases:
        monkeypatch.setattr(sqlite_posts, "FEW_POSTS", 10**9)  # always as a set of ids
        as_set = _ids(env.store.posts.search("Путин", limit=500, **kwargs))  # type: ignore[arg-type]
        monkeypatch.setattr(sqlite_posts, "FEW_POSTS", 0)  # always row by row
        by_row = _ids(env.store.posts.search("Путин", limit=500, **kwargs))  # type: ignore[arg-type]
        assert as_set and as_set == by_row, kwargs
        for h in env.store.posts.search("Путин", limit=500, **kwargs):  # type: ignore[arg-type]
            assert "channel_ids" not in kwargs or h.post.channel_id in channels
            assert "since" not in kwargs or h.post.date >= since
            assert "until" not in kwargs or h.post.date < until


def test_ranking_is_bm25_over_all_matches_within_the_window(env: Env) -> None:
    """Below the window the order is exactly FTS5's bm25 over every match; above it, over the newest."""
    query = "Путин"
    with env.store.db.read() as conn:  # type: ignore[attr-defined]
        full = conn.execute(
            "SELECT rowid, bm25(posts_fts) FROM posts_fts WHERE posts_fts MATCH ? ORDER BY 2, 1 DESC",
            (fts_query(query),),
        ).fetchall()
    assert len(full) > 30
    hits = env.store.posts.search(query, limit=len(full))
    assert _ids(hits) == [r[0] for r in full]
    assert [round(h.rank, 6) for h in hits] == [round(-r[1], 6) for r in full]
    # Paging walks the same order without gaps or repeats.
    paged = [i for page in range(0, len(full), 7) for i in _ids(env.store.posts.search(query, 7, page))]
    assert paged == [r[0] for r in full]
    # A window of the 10 newest matches: the best of those, by the same score.
    newest = sorted(full, key=lambda r: -r[0])[:10]
    windowed = env.store.posts.search(query, limit=50, rank_window=10)  # type: ignore[call-arg]
    assert _ids(windowed) == [r[0] for r in sorted(newest, key=lambda r: (r[1], -r[0]))]
    # Snippets mark the match in every hit of the page.
    assert all(re.search(r"\[путин", h.snippet.lower()) for h in hits[:20])


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


def test_queries_are_parsed_alike_from_many_threads_at_once() -> None:
    """Web requests parse queries in parallel threads: the stemmers must not share a word between them."""
    import sys
    import threading

    words = SAMPLE.read_text(encoding="utf-8").split()[:3000]
    expected = [fts_query(w) if re.search(r"\w", w) else "" for w in words]
    failures: list[str] = []
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible

    def parse() -> None:
        try:
            got = [fts_query(w) if re.search(r"\w", w) else "" for w in words]
            if got != expected:
                failures.append("different result")
        except Exception as e:  # a stemmer shared between threads raises IndexError
            failures.append(repr(e))

    try:
        threads = [threading.Thread(target=parse) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert failures == []

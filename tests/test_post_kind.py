"""A post's kind — a report, or a channel's plug for its own podcast or video episode
(``pipeline.ads.post_kind``) — is judged once, by the ads stage, and stored with the post's analysis
(``PostAnalysis.kind``, migration 0037); ranking, summaries and the digest read it from there and never read
a post's text for it again. A store analysed before the migration is judged by its next ``svodka process``,
from the normalised texts it stores, to what a fresh run stores.

On the real posts of tg_ru_news_2024, 2024-11-27 11:00–17:00 UTC, with BBC Russian's three plugs of its
podcast «Что это было?» (13:00 and 15:01), both backends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import new_store_url, shared
from svodka.digest import DigestQuery, build_digest
from svodka.ingest import import_file
from svodka.model import PROGRAMME, REPORT
from svodka.pipeline import ads
from svodka.process import process
from svodka.settings import defaults
from svodka.sources.files import ReadOptions
from svodka.store import Store, open_store

SINCE, UNTIL = datetime(2024, 11, 27, 11, tzinfo=UTC), datetime(2024, 11, 27, 17, tzinfo=UTC)
MAP = ReadOptions(mapping={"channel_id": "sender_id"})  # the channel's own id: one channel per sender
SETTINGS = dict(defaults(pipeline__embedder="use", pipeline__batch_posts=200).items())
# A store as migration 0036 left it: no kind column, no index of the rows without one, 0037 not recorded.
BEFORE_0037 = {
    "sqlite": (
        "DROP INDEX post_analysis_unjudged",
        "ALTER TABLE post_analysis DROP COLUMN kind",
        "DELETE FROM schema_migrations WHERE name = '0037_post_kind'",
    ),
    "postgresql": (
        "ALTER TABLE post_analysis DROP COLUMN kind",  # its index with it
        "DELETE FROM schema_migrations WHERE name = '0037_post_kind'",
    ),
}


class _Counting:
    """The detector's pattern, counting the texts it reads."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern, self.calls = pattern, 0

    def search(self, text: str) -> Any:
        self.calls += 1
        return self.pattern.search(text)


@pytest.fixture(scope="module")
def posts_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The window's posts of more than 80 characters (a few hundred), BBC's three plugs among them."""
    rows = []
    with shared("tg_ru_news_2024", "posts.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if '"2024-11-27T' in line:
                r = json.loads(line)
                if SINCE <= datetime.fromisoformat(r["date"]) < UNTIL and len(r["text"]) > 80:
                    rows.append(r)
    path = tmp_path_factory.mktemp("kind") / "posts.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def processed(backend: str, tmp_path: Path, posts_file: Path) -> Iterator[tuple[Store, str]]:
    url = new_store_url(backend, tmp_path, "kind")
    store = open_store(url)
    import_file(store, posts_file, fmt="jsonl", options=MAP)
    process(store, SETTINGS)
    yield store, url
    store.close()


def _kinds(store: Store) -> dict[int, str]:
    return {pid: r.kind for pid, r in store.analysis.get_many([p.id for p in store.posts.iter()]).items()}


def _by_text(store: Store) -> dict[int, str]:
    """Each post's kind as the detector reads it from the post's own text."""
    return {p.id: PROGRAMME if ads.is_programme(p.text) else REPORT for p in store.posts.iter()}


def test_the_stage_stores_each_posts_kind(processed: tuple[Store, str]) -> None:
    store, _ = processed
    kinds = _kinds(store)
    assert len(kinds) > 200
    assert kinds == _by_text(store)
    assert sum(k == PROGRAMME for k in kinds.values()) == 3  # BBC's three plugs of the episode


def test_a_digest_reads_the_stored_kind_not_the_text(
    processed: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = processed
    plugs = {pid for pid, k in _kinds(store).items() if k == PROGRAMME}
    counting = _Counting(ads._PROGRAMME_CALL)
    monkeypatch.setattr(ads, "_PROGRAMME_CALL", counting)
    getattr(ads.is_programme, "cache_clear", lambda: None)()  # a cache of earlier answers would hide calls
    digest = build_digest(store, DigestQuery(SINCE, UNTIL, top=15))
    assert counting.calls == 0
    assert len(digest.items) == 15
    cited = {c.post_id for i in digest.items for c in (i.summary.headline, *i.summary.sentences)}
    assert not cited & plugs
    assert ads.is_programme("Слушайте подкаст «Что это было?» на YouTube.") and counting.calls == 1


def test_process_judges_a_store_analysed_before_the_kind_was_stored(
    backend: str, processed: tuple[Store, str]
) -> None:
    store, url = processed
    fresh = _kinds(store)
    with store.db.write() as conn:  # type: ignore[attr-defined]
        for statement in BEFORE_0037[backend]:
            conn.execute(statement)
    store.close()
    upgraded = open_store(url)  # applies 0037 to the old rows: their kind unknown yet
    try:
        assert "0037_post_kind" in upgraded.db.applied_migrations()  # type: ignore[attr-defined]
        assert len(upgraded.analysis.unjudged(10_000)) == len(fresh)
        report = process(upgraded, SETTINGS)  # no new posts: only the old rows' kinds
        assert (report.judged, report.posts) == (len(fresh), 0)
        assert _kinds(upgraded) == fresh
        assert upgraded.analysis.unjudged(10) == []
        assert process(upgraded, SETTINGS).judged == 0  # the next run finds nothing to judge
    finally:
        upgraded.close()

"""Channel networks on the real corpus: found from the posts as a reader finds them, and on the bundled day
the Топор family's story counts the family once.

One store for the module: tg_ru_news_2024 up to 1 December 2024 (the history a running svodka would have),
its network evidence rebuilt from the posts; then the bundled day (2 December) imported and put through the
real pipeline (`process`, USE), which adds that day's evidence and updates the networks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest

from conftest import ROOT, open_test_store, shared
from svodka import settings as settings_mod
from svodka.digest.compose import DigestOptions, build_digest
from svodka.digest.model import Digest, DigestQuery
from svodka.evaluate.networks import check_store, read_gold
from svodka.ingest import import_file
from svodka.model import Network
from svodka.process import WATERMARK, process
from svodka.process.networks import rebuild_networks
from svodka.store.base import Store

pytestmark = pytest.mark.slow

DAY = datetime(2024, 12, 2, tzinfo=UTC)
GOLD = ROOT / "tests" / "data" / "networks_tg_ru_news_2024.json"
SAMPLE = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"


@pytest.fixture(scope="module")
def history(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, list[Network]]]:
    tmp = tmp_path_factory.mktemp("networks")
    before = tmp / "history.jsonl"
    with shared("tg_ru_news_2024", "posts.jsonl").open("rb") as src, before.open("wb") as out:
        for line in src:
            if orjson.loads(line)["date"] < "2024-12-02":
                out.write(line)
    settings = settings_mod.load(None, {"pipeline.embedder": "use"})
    store = open_test_store(backend, tmp, "corpus")
    with store:
        import_file(store, before)
        found = rebuild_networks(store, settings)
        with store.transaction():  # the history is context, as if processed before; the day is new
            store.analysis.set_state(WATERMARK, max(p.id for p in store.posts.iter()))
        import_file(store, SAMPLE)
        process(store, settings)
        yield store, found


def test_networks_found_in_the_history_are_the_ones_read_from_the_posts(
    history: tuple[Store, list[Network]],
) -> None:
    store, found = history
    check = check_store(store, read_gold(GOLD), found)
    assert check.precision >= 0.9 and check.recall >= 0.9, check.row()
    topor = next(n for n in found if "Топор Live" in _names(store, n))
    assert {"Топор+", "ТОПОР - Горячие новости", "Топор Live", "КиберТопор"} <= set(_names(store, topor))
    # the evidence says why: many shared texts minutes apart, and the family's invite links
    top = max(topor.evidence, key=lambda e: e.texts)
    assert top.texts >= 20 and top.median_delay_s is not None and top.median_delay_s < 3600 and top.links


def _names(store: Store, n: Network) -> list[str]:
    return [store.channels.by_id(c).title or "" for c in n.channels]


def test_the_topor_familys_story_counts_the_family_once(history: tuple[Store, list[Network]]) -> None:
    store, _ = history
    query = DigestQuery(DAY, DAY.replace(day=3), top=1000)  # every story of the day
    with_networks = build_digest(store, query, DigestOptions())
    story_channels = _story_channels(store, "Милфы — новый тренд")
    family = {"Топор+", "ТОПОР - Горячие новости", "Топор Live", "КиберТопор"}
    assert len(story_channels & family) >= 3, story_channels  # the family's tabloid item of the morning
    independent = _independent_of(with_networks, store, "Милфы — новый тренд")
    # the family is one source: every other channel of the story, plus one for the family
    assert independent == len(story_channels - family) + 1
    for n in store.networks.list():
        store.networks.set_state(n.id, "dismissed")
    without = _independent_of(build_digest(store, query, DigestOptions()), store, "Милфы — новый тренд")
    # before, each of the family's channels with a post of its own (not a copy) was one more source
    assert without == len(_original_channels(store, "Милфы — новый тренд")) > independent


def _story_channels(store: Store, text: str) -> set[str]:
    """The titles of the channels of the story with a post containing ``text``."""
    for sid in set(store.stories.assignments().values()):
        story = store.stories.get(sid)
        if any(text in m.post.text for m in story.members):
            return {store.channels.by_id(m.post.channel_id).title or "" for m in story.members}
    raise AssertionError(f"no story with {text!r}")


def _original_channels(store: Store, text: str) -> set[int]:
    for sid in set(store.stories.assignments().values()):
        story = store.stories.get(sid)
        if any(text in m.post.text for m in story.members):
            return {m.post.channel_id for m in story.originals}
    raise AssertionError(f"no story with {text!r}")


def _independent_of(digest: Digest, store: Store, text: str) -> int:
    for it in digest.items:
        story = store.stories.get(it.card.story_id)
        if any(text in m.post.text for m in story.members):
            return it.card.independent
    raise AssertionError(f"no card with {text!r} in the top {len(digest.items)}")

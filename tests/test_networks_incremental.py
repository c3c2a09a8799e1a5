"""The network update counts again only the channel pairs the batches since the last update touched (a
shared text of theirs, or a promo link one of them keeps), and its result is the full count's: the same
evidence per pair as :func:`pair_evidence` over every stored row, and the same networks — after new posts,
posts judged again, a link that becomes an advertiser's, a channel merged and one removed with its posts;
on the 22k corpus, batch by batch."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import open_test_store, shared
from svodka import settings as settings_mod
from svodka.ingest import import_file
from svodka.model import ChannelRef, NetworkCounts, PairEvidence, Post, SharedText
from svodka.pipeline.networks import (
    NetworkOptions,
    find_networks,
    pair_evidence,
    pair_update,
    update_networks,
)
from svodka.process.networks import evidence_batches
from svodka.store import Store

T0 = datetime(2024, 12, 2, 8, 0, tzinfo=UTC)


def _full(store: Store, opt: NetworkOptions) -> dict[tuple[int, int], PairEvidence]:
    """The full count: every stored row read again (what the update did before it was incremental)."""
    return pair_evidence(
        store.networks.shared_texts(int(opt.window_minutes * 60)),
        store.networks.channel_links(opt.min_link_posts),
        opt,
    )


def _check(store: Store, opt: NetworkOptions) -> dict[tuple[int, int], PairEvidence]:
    got = pair_update(store.networks, opt)
    want = _full(store, opt)
    assert got == want
    assert store.networks.touched() == set()  # counted: nothing is left touched
    return got


def test_an_update_counts_the_touched_pairs_again_and_equals_the_full_count(store: Store) -> None:
    opt = NetworkOptions(max_link_channels=3)
    refs = [ChannelRef(handle=f"inc{i}", title=f"Канал {i}") for i in range(6)]
    refs[3] = ChannelRef(title="Канал 2 (импорт)")  # channel 2's imported copy: merged into it below
    ids = [store.channels.resolve(r) for r in refs]
    posts = [
        Post(ref, m, T0 + timedelta(minutes=m, seconds=10 * i), f"пост {m} {i}")
        for i, ref in enumerate(refs)
        for m in range(1, 13)
    ]
    store.posts.save(posts)
    p = {(c.channel_id, c.message_id): c.id for c in store.posts.iter()}
    a, b, c, d, e, f = ids

    def copies(ch: int, of: int, ms: range, delay: int = 30) -> tuple[SharedText, ...]:
        return tuple(SharedText(p[(ch, m)], ch, p[(of, m)], of, delay, False) for m in ms)

    def links(ch: int, link: str, ms: range) -> tuple[tuple[int, int, str], ...]:
        return tuple((p[(ch, m)], ch, link) for m in ms)

    first = copies(b, a, range(1, 5)) + copies(c, a, range(1, 3))
    store.networks.add(
        NetworkCounts(tuple(t.post_id for t in first), first, links(a, "t.me/+ab", range(1, 3)))
    )
    assert store.networks.pairs_key() is None
    counted = _check(store, opt)  # the first update counts everything
    assert set(counted) == {(min(a, b), max(a, b)), (min(a, c), max(a, c))}
    assert store.networks.pairs_key() == opt.pairs_key

    # a batch: b keeps a's invite too (a pair by links), d copies c; e, f nothing
    batch = NetworkCounts((), copies(d, c, range(3, 7)), links(b, "t.me/+ab", range(5, 7)))
    store.networks.add(batch)
    assert store.networks.touched() == {(min(c, d), max(c, d)), (min(a, b), max(a, b))}
    counted = _check(store, opt)
    assert counted[(min(a, b), max(a, b))].links == ("t.me/+ab",)
    # posts judged again: two of b's copies of a were not copies after all (their evidence replaced)
    store.networks.add(NetworkCounts((p[(b, 1)], p[(b, 2)]), (), ()))
    assert _check(store, opt)[(min(a, b), max(a, b))].texts == 2
    # the invite turns up in two more channels: four keepers, more than max_link_channels — an advertiser's;
    # a and b lose it though neither posted anything in the batch
    store.networks.add(
        NetworkCounts((), (), links(e, "t.me/+ab", range(1, 3)) + links(f, "t.me/+ab", range(1, 3)))
    )
    assert (min(a, b), max(a, b)) in store.networks.touched()
    assert _check(store, opt)[(min(a, b), max(a, b))].links == ()
    # a channel merged into another, and a channel removed with its posts
    store.channels.merge(c, d)
    _check(store, opt)
    store.channels.remove(b)
    counted = _check(store, opt)
    assert all(b not in key for key in counted)
    # other options: everything is counted again
    narrow = replace(opt, window_minutes=0.1)  # 6 s: no copy is that quick
    assert all(not e.texts for e in _check(store, narrow).values())
    assert store.networks.pairs_key() == narrow.pairs_key


def test_update_networks_finds_what_the_full_count_finds(store: Store) -> None:
    ids = [store.channels.resolve(ChannelRef(handle=f"upd{i}", title=f"Канал {i}")) for i in range(3)]
    store.posts.save(
        [
            Post(ChannelRef(handle=f"upd{i}"), m, T0 + timedelta(minutes=m), f"т {m}")
            for i in range(3)
            for m in range(12)
        ]
    )
    p = {(c.channel_id, c.message_id): c.id for c in store.posts.iter()}
    a, b, _c = ids
    names = {i: f"Канал {n}" for n, i in enumerate(ids)}
    for part in (range(0, 4), range(4, 8), range(8, 12)):
        texts = tuple(SharedText(p[(b, m)], b, p[(a, m)], a, 20, False) for m in part)
        store.networks.add(NetworkCounts(tuple(t.post_id for t in texts), texts))
        found = update_networks(store.networks, names)
        full = find_networks(
            _full(store, NetworkOptions()), store.networks.channel_posts(), store.networks.apart()
        )
        assert {frozenset(n.channels) for n in found} == {cs for cs, _ev in full}
    assert [n.evidence[0].texts for n in found] == [12]


@pytest.mark.slow
@pytest.mark.backends("sqlite", reason="the whole corpus once; the backends' SQL is checked above on both")
def test_incremental_equals_rebuild_on_the_corpus(tmp_path: Path) -> None:
    """tg_ru_news_2024 (22k posts), its evidence added batch by batch with an update after each (as
    `svodka process` runs), against the full count over every stored row at the end."""
    settings = settings_mod.load(None, {"pipeline.batch_posts": 2000})
    opt = NetworkOptions.from_settings(settings)
    store = open_test_store("sqlite", tmp_path, "corpus")
    with store:
        import_file(store, shared("tg_ru_news_2024", "posts.jsonl"))
        names = {c.id: c.name for c in store.channels.list()}
        touched = []
        for counts in evidence_batches(store, settings):
            with store.transaction():
                store.networks.add(counts)
            touched.append(len(store.networks.touched()))
            found = update_networks(store.networks, names, opt)
        full = _full(store, opt)
        assert store.networks.pairs() == full and len(full) > 50
        want = find_networks(full, store.networks.channel_posts(), store.networks.apart(), opt)
        assert {frozenset(n.channels) for n in found if n.counts} == {cs for cs, _ev in want}
        assert len(want) >= 3  # the Топор family, Москва с огоньком, Proglib
        assert min(touched[1:]) < len(full)  # later batches touch a part of the pairs only

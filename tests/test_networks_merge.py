"""`svodka channels merge` (and the merge ``set-handle`` makes) carries the networks' evidence over to the
channel that stays: shared texts, promo links, network members, split pairs and the stored evidence name
no channel that is gone (the bug: they kept the dropped channel's id, so the merged channel lost its
network and a later update counted a channel that no longer exists)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from svodka.model import ChannelRef, Network, NetworkCounts, PairEvidence, Post, SharedText
from svodka.pipeline.networks import update_networks
from svodka.store import Store

T0 = datetime(2024, 12, 2, 8, 0, tzinfo=UTC)


def _ids(store: Store) -> set[int]:
    """Every channel id the networks' tables name."""
    found = {c for t in store.networks.shared_texts(10**6) for c in (t.channel_id, t.origin_channel_id)}
    found |= set(store.networks.channel_links(1))
    found |= {c for pair in store.networks.apart() for c in pair}
    for n in store.networks.list():
        found |= set(n.channels) | {c for e in n.evidence for c in (e.a, e.b)}
    return found


def test_merge_leaves_no_stale_channel_in_the_network_evidence(store: Store) -> None:
    hub, twin, other, far = (
        store.channels.resolve(ChannelRef(handle=h, title=h.title())) for h in ("hub", "twin", "other", "far")
    )
    dup = store.channels.resolve(ChannelRef(title="Twin (imported)"))  # the imported copy of @twin
    handles = {hub: "hub", twin: "twin", other: "other", far: "far"}
    posts = [
        Post(ChannelRef(handle=handles[c]), m, T0 + timedelta(minutes=m + i), f"пост {m} {c}")
        for i, c in enumerate((hub, twin, other, far))
        for m in range(1, 9)
    ] + [
        Post(
            ChannelRef(title="Twin (imported)"), 100 + m, T0 + timedelta(minutes=m, seconds=20), f"копия {m}"
        )
        for m in range(1, 9)
    ]
    store.posts.save(posts)
    stored = {(p.channel_id, p.message_id): p.id for p in store.posts.iter()}
    # the imported twin repeats hub's posts within the minute, and keeps hub's invite in its footer
    texts = tuple(
        SharedText(stored[(dup, 100 + m)], dup, stored[(hub, m)], hub, 20, False) for m in range(1, 9)
    )
    texts += (SharedText(stored[(twin, 1)], twin, stored[(dup, 101)], dup, 30, False),)  # twin ↔ its import
    links = tuple((stored[(dup, 100 + m)], dup, "t.me/+hubinvite") for m in range(1, 4))
    links += tuple((stored[(hub, m)], hub, "t.me/+hubinvite") for m in range(1, 4))
    store.networks.add(NetworkCounts(tuple(stored.values()), texts, links))
    names = {hub: "Hub", twin: "Twin", other: "Other", far: "Far", dup: "Twin (imported)"}
    (found,) = update_networks(store.networks, names)
    assert set(found.channels) == {hub, dup}
    store.networks.set_state(found.id, "confirmed")
    pair = PairEvidence(min(dup, other), max(dup, other), 3, 0, 50.0)
    store.networks.save_found(
        [
            *store.networks.list(),
            Network(0, "Pair", "proposed", tuple(sorted((dup, other))), (pair,)),
            Network(0, "Dup and far", "proposed", tuple(sorted((dup, far)))),
        ]
    )
    third = next(n for n in store.networks.list() if n.name == "Dup and far")
    store.networks.split(third.id, [far])  # dup and far: never linked again
    assert (min(dup, far), max(dup, far)) in store.networks.apart()
    assert dup in _ids(store)

    store.channels.merge(twin, dup)

    assert dup not in _ids(store), _ids(store)
    texts_now = store.networks.shared_texts(10**6)
    assert {(t.channel_id, t.origin_channel_id) for t in texts_now} == {
        (twin, hub)
    }  # twin ↔ dup: one channel
    assert len(texts_now) == 8
    assert store.networks.channel_links(1) == {hub: {"t.me/+hubinvite": 3}, twin: {"t.me/+hubinvite": 3}}
    assert (min(twin, far), max(twin, far)) in store.networks.apart()
    kept = store.networks.get(found.id)
    assert kept.state == "confirmed" and kept.channels == tuple(sorted((hub, twin)))
    assert {(e.a, e.b) for e in kept.evidence} == {(min(hub, twin), max(hub, twin))}
    # the next update finds the same network from the carried evidence, the user's decision kept
    again = [n for n in update_networks(store.networks, names) if n.counts]
    assert [(n.id, n.state, set(n.channels)) for n in again] == [(found.id, "confirmed", {hub, twin})]

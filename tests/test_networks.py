"""Channel networks: evidence from shared texts, promo links and same-minute posting; a network found or
declared counts as one independent source; the user's decisions survive every update; the CLI shows them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from svodka.errors import NotFoundError
from svodka.model import (
    ChannelRef,
    Network,
    NetworkCounts,
    PairEvidence,
    Post,
    PostAnalysis,
    SharedText,
    StoredPost,
    Story,
    StoryMember,
    WindowPost,
)
from svodka.pipeline.credibility import independent_sources, independent_units, learn_records
from svodka.pipeline.networks import (
    NetworkOptions,
    batch_counts,
    find_networks,
    linked,
    membership,
    pair_evidence,
    promo_links,
    reconcile,
    update_networks,
)
from svodka.pipeline.rank import score_story
from svodka.store.base import Store

T0 = datetime(2024, 11, 20, 8, 0, tzinfo=UTC)


def sp(pid: int, channel: int, minutes: float, text: str = "", links: tuple[str, ...] = ()) -> StoredPost:
    return StoredPost(
        pid, channel, f"ch{channel}", pid, T0 + timedelta(minutes=minutes), text, None, links=links
    )


def shared(post: int, channel: int, origin_channel: int, delay_s: int, forward: bool = False) -> SharedText:
    return SharedText(post, channel, 10_000 + post, origin_channel, delay_s, forward)


# --- evidence ---------------------------------------------------------------------------------------------
def test_promo_links_are_invites_handles_and_mentions_not_posts() -> None:
    text = (
        "Новость. [👉 Топор Live. Подписаться](https://t.me/+HWFlcuXhzKdhYWY6) · @ecotopor · "
        "https://t.me/rian_ru/271399 · t.me/moscowtop02_bot · mail@example.org"
    )
    assert promo_links(text, ("https://t.me/s/ignored/5", "https://t.me/joinchat/AbCdEf12")) == {
        "t.me/+hwflcuxhzkdhywy6",
        "t.me/ecotopor",
        "t.me/moscowtop02_bot",
        "t.me/joinchat/abcdef12",
    }


def test_a_batch_adds_cross_channel_copies_with_their_delay_and_own_posts_links() -> None:
    posts = [
        sp(1, 1, 0, "Оригинал [Подписаться](https://t.me/+AAAAAAAA1)"),
        sp(2, 2, 12, "Оригинал [Подписаться](https://t.me/+AAAAAAAA1)"),  # a copy: its footer is post 1's
        sp(3, 2, 20, "Своё. [Наш друг](https://t.me/+BBBBBBBB2)"),
        sp(4, 1, 30, "Копия своего же"),
        sp(5, 3, 40, "Реклама erid: abc https://t.me/+CCCCCCCC3"),
    ]
    rows = {
        1: PostAnalysis(1, "ru", False, None, "оригинал", 1),
        2: PostAnalysis(2, "ru", False, None, "оригинал", 1, origin_post_id=1),
        3: PostAnalysis(3, "ru", False, None, "своё", 3, origin_post_id=7),  # forwards channel 3's post 7
        4: PostAnalysis(4, "ru", False, None, "копия", 4, origin_post_id=1),  # same channel: nothing
        5: PostAnalysis(5, "ru", True, "erid", "реклама", 5),
    }
    window = [WindowPost(7, 3, int((T0 - timedelta(minutes=5)).timestamp()), "x", 7, None, None)]
    counts = batch_counts(posts, rows, window, {3: 7})
    assert counts.posts == (1, 2, 3, 4, 5)
    assert counts.texts == (
        SharedText(2, 2, 1, 1, 12 * 60, False),
        SharedText(3, 2, 7, 3, 25 * 60, True),
    )
    # the copy's footer (post 2) and the ad (post 5) add no links; nor does post 3, a forward
    assert counts.links == ((1, 1, "t.me/+aaaaaaaa1"),)


def test_repeated_texts_with_shared_footers_link_a_pair_and_a_wire_copier_does_not() -> None:
    posts = {1: 500, 2: 400, 3: 900, 4: 900}
    texts = [shared(i, 2, 1, 900) for i in range(6)]  # 2 repeats 1 within 15 minutes, 6 times
    texts += [
        shared(100 + i, 4, 3, 400) for i in range(40)
    ]  # 4 copies 3's wire news, 40 times, minutes later
    links = {1: {"t.me/+net": 300}, 2: {"t.me/+net": 250}, 3: {"t.me/rian": 2}, 4: {}}
    ev = pair_evidence(texts, links)
    assert ev[(1, 2)].texts == 6 and ev[(1, 2)].links == ("t.me/+net",) and ev[(1, 2)].median_delay_s == 900
    assert linked(ev[(1, 2)], posts)
    assert not linked(ev[(3, 4)], posts)  # 40 of 900 posts, no footer: an aggregator, not the same outlet


def test_same_minute_posting_links_a_pair_without_any_link() -> None:
    posts = {1: 700, 2: 750}
    ev = pair_evidence([shared(i, 2, 1, 3 + i % 4) for i in range(8)], {})
    assert ev[(1, 2)].median_delay_s is not None and ev[(1, 2)].median_delay_s <= 60
    assert linked(ev[(1, 2)], posts)
    assert not linked(pair_evidence([shared(i, 2, 1, 3) for i in range(5)], {})[(1, 2)], posts)  # too few


def test_once_is_not_a_network_and_late_repeats_do_not_count() -> None:
    posts = {1: 50, 2: 50}
    links = {1: {"t.me/+net": 30}, 2: {"t.me/+net": 30}}
    once = pair_evidence([shared(1, 2, 1, 60)], links)
    assert not linked(once[(1, 2)], posts)
    late = pair_evidence([shared(i, 2, 1, 5 * 3600) for i in range(10)], links)  # hours later: outside
    assert late[(1, 2)].texts == 0 and not linked(late[(1, 2)], posts)


def test_a_link_many_channels_carry_is_an_advertisers_not_a_network() -> None:
    links = {c: {"t.me/+promo": 5} for c in range(1, 9)}
    texts = [shared(i, 2, 1, 60) for i in range(4)]
    ev = pair_evidence(texts, links, NetworkOptions(max_link_channels=5))
    assert ev[(1, 2)].links == () and not linked(ev[(1, 2)], {c: 500 for c in range(1, 9)})


def test_networks_are_connected_groups_and_a_split_pair_stays_apart() -> None:
    links = {1: {"t.me/+a": 9}, 2: {"t.me/+a": 9, "t.me/+b": 9}, 3: {"t.me/+b": 9}, 5: {}, 6: {}}
    texts = [shared(i, 2, 1, 60) for i in range(5)] + [shared(50 + i, 3, 2, 60) for i in range(5)]
    texts += [shared(90 + i, 6, 5, 10) for i in range(10)]
    posts = {c: 200 for c in (1, 2, 3, 5, 6)}
    found = find_networks(pair_evidence(texts, links), posts)
    assert [sorted(cs) for cs, _ in found] == [[1, 2, 3], [5, 6]]
    assert {(e.a, e.b) for e in found[0][1]} == {(1, 2), (2, 3)}
    apart = find_networks(pair_evidence(texts, links), posts, apart=[(3, 2)])
    assert [sorted(cs) for cs, _ in apart] == [[1, 2], [5, 6]]


# --- decisions --------------------------------------------------------------------------------------------
def ev(a: int, b: int) -> PairEvidence:
    return PairEvidence(a, b, 5, 0, 60.0)


def test_reconcile_keeps_the_users_decisions() -> None:
    stored = [
        Network(1, "Топор", "confirmed", (1, 2)),
        Network(2, "not one", "dismissed", (5, 6)),
        Network(3, "gone", "proposed", (8, 9)),
        Network(5, "new [30, 31]", "proposed", (30, 31)),
        Network(4, "mine", "declared", (10, 11)),
    ]
    found = [
        (frozenset({1, 2, 3}), (ev(1, 2), ev(2, 3))),  # a confirmed network's members stay as confirmed
        (frozenset({5, 6}), (ev(5, 6),)),  # dismissed stays dismissed
        (frozenset({10, 12}), (ev(10, 12),)),  # 10 is declared elsewhere: 12 alone is no network
        (frozenset({20, 21}), (ev(20, 21),)),  # new
        (frozenset({30, 31, 32}), (ev(30, 31), ev(31, 32))),  # a proposal grown: named after its members
    ]
    out = {n.id: n for n in reconcile(found, stored, lambda cs: f"new {sorted(cs)}")}
    assert out[1].channels == (1, 2) and out[1].state == "confirmed" and out[1].evidence == (ev(1, 2),)
    assert out[2].state == "dismissed"
    assert 3 not in out  # a proposal no longer found is dropped
    assert out[4].channels == (10, 11) and out[4].state == "declared"
    assert out[0] == Network(0, "new [20, 21]", "proposed", (20, 21), (ev(20, 21),))
    assert out[5].name == "new [30, 31, 32]" and out[5].channels == (30, 31, 32)
    assert membership(out.values()) == {1: 1, 2: 1, 10: 4, 11: 4, 20: 0, 21: 0, 30: 5, 31: 5, 32: 5}


# --- one source -------------------------------------------------------------------------------------------
def member(pid: int, channel: int, minutes: float, origin: int | None = None) -> StoryMember:
    return StoryMember(sp(pid, channel, minutes, f"text {pid}"), "ru", origin)


def story(*members: StoryMember) -> Story:
    ms = tuple(sorted(members, key=lambda m: m.post.date))
    return Story(1, ms, ms[0].post.date, ms[-1].post.date)


def test_a_network_is_one_independent_source_in_rank_and_credibility() -> None:
    # channels 1, 2, 3 are one network posting rewritten texts (not copies) 20-40 minutes apart; 4 is not
    s = story(member(1, 1, 0), member(2, 2, 20), member(3, 3, 40), member(4, 4, 60))
    nets = {1: 7, 2: 7, 3: 7}
    assert len(independent_units(s)) == 4
    assert len(independent_units(s, nets)) == 2
    assert sorted(map(sorted, independent_sources(s, nets))) == [[1, 2, 3], [4]]
    plain = learn_records([s])
    records = learn_records([s], networks=nets)
    assert records[1].network == 7 and records[4].network is None
    assert score_story(s, T0, plain).independent == 4
    assert score_story(s, T0, records).independent == 2
    # the network corroborating itself is no corroboration: only channel 4, after it, confirms channel 3
    s2 = story(member(11, 1, 0), member(12, 2, 20))
    assert learn_records([s2])[1].corroborated == 1
    assert learn_records([s2], networks=nets)[1].corroborated == 0


# --- store, process and CLI -------------------------------------------------------------------------------
def _add_channels(store: Store, n: int) -> list[int]:
    return [store.channels.resolve(ChannelRef(handle=f"net{i}", title=f"Канал {i}")) for i in range(n)]


def test_store_keeps_evidence_once_and_the_decisions(store: Store) -> None:
    a, b, c = _add_channels(store, 3)
    posts = [
        Post(ChannelRef(handle=f"net{i}"), m, T0 + timedelta(minutes=m), f"t {m}")
        for i in range(3)
        for m in (1, 2)
    ]
    store.posts.save(posts)
    stored = {(p.channel_id, p.message_id): p.id for p in store.posts.iter()}
    t = SharedText(stored[(b, 1)], b, stored[(a, 1)], a, 60, False)
    pa, pb = stored[(a, 1)], stored[(b, 1)]
    counts = NetworkCounts((pa, pb), (t,), ((pa, a, "t.me/+x"), (pb, b, "t.me/+x")))
    store.networks.add(counts)
    store.networks.add(counts)  # processed again: counted once
    assert store.networks.shared_texts(3600) == [t]
    assert store.networks.shared_texts(30) == []
    assert store.networks.channel_links(1) == {a: {"t.me/+x": 1}, b: {"t.me/+x": 1}}
    assert store.networks.channel_posts() == {a: 2, b: 2, c: 2}
    # judged again (a rebuild with a longer history finds post pb copies an older post of channel a's):
    # what it said before goes, so a copied footer is not left as b's own link
    store.networks.add(NetworkCounts((pb,), (SharedText(pb, b, pa, a, 60, True),), ()))
    assert store.networks.channel_links(1) == {a: {"t.me/+x": 1}}
    assert store.networks.shared_texts(3600) == [SharedText(pb, b, pa, a, 60, True)]
    store.networks.add(counts)

    store.networks.save_found(
        [Network(0, "Канал 0 +2", "proposed", (a, b, c), (PairEvidence(a, b, 1, 0, 60.0),))]
    )
    (n,) = store.networks.list()
    assert n.channels == (a, b, c) and n.evidence == (PairEvidence(a, b, 1, 0, 60.0),)
    assert store.networks.rename(n.id, "Сеть").name == "Сеть"
    kept = store.networks.split(n.id, [c])
    assert kept.channels == (a, b) and kept.state == "confirmed"
    assert store.networks.apart() == {(min(a, c), max(a, c)), (min(b, c), max(b, c))}
    assert store.networks.set_state(n.id, "dismissed").counts is False
    declared = store.networks.declare("Мои", [b, c])
    assert declared.state == "declared" and declared.channels == (b, c)
    assert store.networks.of_channel(c) == declared
    assert store.networks.get(n.id).state == "dismissed" and store.networks.get(n.id).channels == (a,)


def test_update_networks_finds_them_in_the_store_and_keeps_a_rename(store: Store) -> None:
    ids = _add_channels(store, 3)
    posts = [
        Post(ChannelRef(handle=f"net{i}"), m, T0 + timedelta(minutes=m + i * 0.2), f"пост {m}")
        for i in range(3)
        for m in range(1, 11)
    ]
    store.posts.save(posts)
    stored = {(p.channel_id, p.message_id): p.id for p in store.posts.iter()}
    a, b, c = ids
    texts = tuple(SharedText(stored[(b, m)], b, stored[(a, m)], a, 12, False) for m in range(1, 11))
    store.networks.add(NetworkCounts(texts=texts))
    names = {a: "Канал 0", b: "Канал 1", c: "Канал 2"}
    (n,) = update_networks(store.networks, names)
    assert n.channels == (min(a, b), max(a, b)) and n.state == "proposed" and n.evidence[0].texts == 10
    assert store.networks.rename(n.id, "Близнецы").state == "confirmed"  # naming it accepts it
    (again,) = update_networks(store.networks, names)
    assert again.id == n.id and again.name == "Близнецы" and again.state == "confirmed"


def test_cli_lists_networks_with_evidence_and_records_decisions(cli_run) -> None:  # type: ignore[no-untyped-def]
    from svodka.store import open_store

    assert cli_run("channels", "add", "@alpha", "@beta", "@gamma").exit_code == 0
    with open_store(cli_run.db) as store:
        ids = {c.handle: c.id for c in store.channels.list()}
        store.networks.save_found(
            [
                Network(
                    0, "alpha +1", "proposed", (ids["alpha"], ids["beta"]), (ev(ids["alpha"], ids["beta"]),)
                )
            ]
        )
    out = cli_run("channels", "networks").output
    assert "alpha +1  [proposed]  2 channels: alpha, beta" in out
    assert "alpha ↔ beta: 5 shared texts, median delay 60 s" in out
    assert "[confirmed]" in cli_run("channels", "networks", "confirm", "1").output
    assert "Сеть" in cli_run("channels", "networks", "rename", "1", "Сеть").output
    assert "[declared]" in cli_run("channels", "networks", "declare", "Двое", "@beta", "@gamma").output
    doc = json.loads(cli_run("channels", "networks", "--json").output)
    assert [(n["name"], n["state"], [c["name"] for c in n["channels"]]) for n in doc] == [
        ("Сеть", "dismissed", ["alpha"]),
        ("Двое", "declared", ["beta", "gamma"]),
    ]
    with pytest.raises(NotFoundError, match="no network 99"):
        cli_run("channels", "networks", "dismiss", "99")

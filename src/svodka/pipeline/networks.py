"""Channel networks: channels run as one outlet, found from what they do, never from their names.

Three kinds of evidence, kept per channel pair and updated with every batch of posts (:func:`batch_counts`):

* **shared texts** — a post of one channel repeating a post of the other (the copies stage's near-identical
  text or forward) within :attr:`NetworkOptions.window_minutes`; counted over many posts, not once, with
  the median delay;
* **shared promo links** — an invite link, ``t.me/handle``, ``@handle`` or bot that both channels keep
  posting (their footers and cross-promotion), in at least :attr:`NetworkOptions.min_link_posts` non-ad
  posts each of their own (a copy's links are its origin's footer), and carried by few channels (an
  advertiser seeding many channels is no network);
* **forwards** — the share of one channel's posts that forward the other.

Two channels are linked when they share texts again and again *and* either promo links, or post them within
the same minute (automated cross-posting; a copier needs minutes), or share a large part of their posts
(:func:`linked`); a network is a connected group of linked channels (:func:`find_networks`). The
user's decisions (confirm, split, rename, dismiss, declare) survive every update (:func:`reconcile`), and a
network counts as one independent source (:mod:`svodka.pipeline.credibility`).
"""

from __future__ import annotations

import builtins
import logging
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from svodka.model import (
    Network,
    NetworkCounts,
    PairEvidence,
    PostAnalysis,
    SharedText,
    StoredPost,
    WindowPost,
)

log = logging.getLogger(__name__)

# An invite link, t.me/handle (not a post: t.me/handle/123), or an @handle; lower-cased, without scheme.
_TME = re.compile(
    r"(?:https?://)?(?:t\.me|telegram\.me)/(\+[\w-]{6,}|joinchat/[\w-]{6,}|[a-z][\w]{3,})(?![\w/+-])",
    re.IGNORECASE,
)
_MENTION = re.compile(r"(?<![\w@/.])@([a-z][\w]{3,})", re.IGNORECASE)
_NOT_HANDLES = frozenset({"share", "addstickers", "proxy", "socks", "iv", "boost", "addlist"})


@dataclass(frozen=True, slots=True)
class NetworkOptions:
    window_minutes: float = 60.0  # a shared text counts when posted this soon after its origin
    min_texts: int = 3  # shared texts a pair needs at all: many stories, not once
    min_link_posts: int = 2  # posts of each channel a shared promo link must be in
    max_link_channels: int = 5  # a link kept by more channels than this is an advertiser's, not a network's
    same_minute_s: float = 60.0  # … or texts shared with a median delay this short, twice min_texts times
    strong_share: float = 0.1  # … or, without shared links, texts shared as this share of the smaller's posts
    strong_texts: int = 20  # … and at least this many
    forward_share: float = 0.2  # … or forwards of the other as this share of one's posts
    examples: int = 5  # shared texts kept per pair as examples

    @property
    def pairs_key(self) -> str:
        """What the evidence per pair depends on: counted with other options, it is counted again."""
        return f"window {self.window_minutes:g} min, links in {self.min_link_posts}+ posts of at most " + (
            f"{self.max_link_channels} channels, {self.examples} examples"
        )

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> NetworkOptions:
        return cls(
            window_minutes=settings["networks.window_minutes"],
            min_texts=settings["networks.min_texts"],
            max_link_channels=settings["networks.max_link_channels"],
        )


class NetworkStore(Protocol):
    """What :func:`update_networks` reads and writes (``store.networks``)."""

    def shared_texts(self, max_delay_s: int) -> builtins.list[SharedText]: ...

    def channel_posts(self) -> dict[int, int]: ...

    def channel_links(self, min_posts: int) -> dict[int, dict[str, int]]: ...

    def apart(self) -> set[tuple[int, int]]: ...

    def list(self) -> builtins.list[Network]: ...

    def save_found(self, networks: Sequence[Network]) -> None: ...

    def pairs_key(self) -> str | None: ...

    def touched(self) -> set[tuple[int, int]]: ...

    def pair_inputs(
        self, channels: Iterable[int], max_delay_s: int, min_posts: int
    ) -> tuple[builtins.list[SharedText], dict[int, dict[str, int]]]: ...

    def pairs(self) -> dict[tuple[int, int], PairEvidence]: ...

    def save_pairs(
        self, touched: Iterable[tuple[int, int]] | None, evidence: Iterable[PairEvidence], key: str
    ) -> None: ...


def promo_links(text: str, links: Iterable[str] = ()) -> set[str]:
    """The promo links of a post: ``t.me/+invite``, ``t.me/handle`` and ``@handle`` as ``t.me/…``."""
    found: set[str] = set()
    for source in (text, *links):
        for m in _TME.finditer(source):
            name = m.group(1).lower()
            if name not in _NOT_HANDLES:
                found.add(f"t.me/{name}")
    for m in _MENTION.finditer(text):
        found.add(f"t.me/{m.group(1).lower()}")
    return found


def batch_counts(
    posts: Sequence[StoredPost],
    rows: Mapping[int, PostAnalysis],
    window: Sequence[WindowPost],
    forwards: Mapping[int, int],
) -> NetworkCounts:
    """The evidence a batch adds, from the copies stage's result: each post that copies another channel's
    post (origin in the window or the batch), and each non-ad post's promo links."""
    origin_of: dict[int, tuple[int, int]] = {w.post_id: (w.channel_id, w.date) for w in window}
    origin_of.update({p.id: (p.channel_id, int(p.date.timestamp())) for p in posts})
    texts: list[SharedText] = []
    links: list[tuple[int, int, str]] = []
    for p in posts:
        row = rows.get(p.id)
        if row is None:
            continue
        if not row.is_ad and row.origin_post_id is None:  # a copy's links are its origin's footer
            links.extend((p.id, p.channel_id, link) for link in sorted(promo_links(p.text, p.links)))
        origin = row.origin_post_id
        if origin is None or origin not in origin_of:
            continue
        channel, date = origin_of[origin]
        if channel == p.channel_id:
            continue
        delay = max(0, int(p.date.timestamp()) - date)
        texts.append(SharedText(p.id, p.channel_id, origin, channel, delay, forwards.get(p.id) == origin))
    return NetworkCounts(tuple(p.id for p in posts if p.id in rows), tuple(texts), tuple(links))


def pair_evidence(
    texts: Iterable[SharedText],
    links: Mapping[int, Mapping[str, int]],
    options: NetworkOptions | None = None,
) -> dict[tuple[int, int], PairEvidence]:
    """Every pair of channels that shares a text within the window or a promo link, with what it shares."""
    opt = options or NetworkOptions()
    limit = opt.window_minutes * 60
    delays: dict[tuple[int, int], list[int]] = defaultdict(list)
    fwd: Counter[tuple[int, int]] = Counter()
    examples: dict[tuple[int, int], list[int]] = defaultdict(list)
    for t in texts:
        if t.delay_s > limit:
            continue
        key = (min(t.channel_id, t.origin_channel_id), max(t.channel_id, t.origin_channel_id))
        delays[key].append(t.delay_s)
        fwd[key] += t.forward
        examples[key].append(t.post_id)
    keepers: dict[str, list[int]] = defaultdict(list)
    for channel, counts in links.items():
        for link, n in counts.items():
            if n >= opt.min_link_posts:
                keepers[link].append(channel)
    shared: dict[tuple[int, int], list[str]] = defaultdict(list)
    for link, channels in keepers.items():
        if 2 <= len(channels) <= opt.max_link_channels:
            cs = sorted(channels)
            for i, a in enumerate(cs):
                for b in cs[i + 1 :]:
                    shared[(a, b)].append(link)
    out: dict[tuple[int, int], PairEvidence] = {}
    for key in set(delays) | set(shared):
        d = delays.get(key, [])
        out[key] = PairEvidence(
            a=key[0],
            b=key[1],
            texts=len(d),
            forwards=fwd.get(key, 0),
            median_delay_s=float(statistics.median(d)) if d else None,
            links=tuple(sorted(shared.get(key, []))),
            examples=tuple(sorted(examples.get(key, []))[-opt.examples :]),
        )
    return out


def linked(ev: PairEvidence, posts: Mapping[int, int], options: NetworkOptions | None = None) -> bool:
    """Whether the evidence makes the pair one network: shared texts again and again, and shared promo
    links, or a large share of the smaller channel's posts, or forwards far above the rest."""
    opt = options or NetworkOptions()
    if ev.texts < opt.min_texts:
        return False
    if ev.links:
        return True
    if (
        ev.median_delay_s is not None
        and ev.median_delay_s <= opt.same_minute_s
        and ev.texts >= 2 * opt.min_texts
    ):
        return True  # posted together, again and again: automated cross-posting, not a quick copier
    smaller = min(posts.get(ev.a, 0), posts.get(ev.b, 0))
    if not smaller:
        return False
    return (ev.texts >= opt.strong_texts and ev.texts / smaller >= opt.strong_share) or (
        ev.forwards / smaller >= opt.forward_share
    )


def find_networks(
    evidence: Mapping[tuple[int, int], PairEvidence],
    posts: Mapping[int, int],
    apart: Iterable[tuple[int, int]] = (),
    options: NetworkOptions | None = None,
) -> list[tuple[frozenset[int], tuple[PairEvidence, ...]]]:
    """The networks the evidence shows: connected groups of linked pairs (``apart``: pairs the user split,
    never linked again), each with the evidence of its linked pairs; largest first."""
    never = {(min(a, b), max(a, b)) for a, b in apart}
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    edges = [ev for key, ev in evidence.items() if key not in never and linked(ev, posts, options)]
    for ev in edges:
        parent[find(ev.a)] = find(ev.b)
    groups: dict[int, list[PairEvidence]] = defaultdict(list)
    for ev in edges:
        groups[find(ev.a)].append(ev)
    found = [
        (
            frozenset(c for ev in evs for c in (ev.a, ev.b)),
            tuple(sorted(evs, key=lambda e: (-e.texts, e.a, e.b))),
        )
        for evs in groups.values()
    ]
    return sorted(found, key=lambda f: (-len(f[0]), min(f[0])))


def network_name(channels: Iterable[int], names: Mapping[int, str], posts: Mapping[int, int]) -> str:
    """A proposed network's name: its channel with the most posts, and how many more."""
    cs = sorted(channels, key=lambda c: (-posts.get(c, 0), c))
    lead = names.get(cs[0], f"#{cs[0]}") if cs else "?"
    return f"{lead} +{len(cs) - 1}"


def reconcile(
    found: Sequence[tuple[frozenset[int], tuple[PairEvidence, ...]]],
    stored: Sequence[Network],
    name: Callable[[frozenset[int]], str],
) -> list[Network]:
    """The networks after an update: what was found, matched to the stored networks by shared channels.

    A proposed network takes the members found; a confirmed or declared one keeps the members the user
    gave (its evidence is refreshed), and its channels join no other network; a dismissed one stays
    dismissed. A proposal no longer found is dropped. New networks have id 0."""
    fixed = {c for n in stored if n.state in ("confirmed", "declared") for c in n.channels}
    out: dict[int, Network] = {n.id: n for n in stored if n.state != "proposed"}
    taken: set[int] = set()
    new: list[Network] = []
    for channels, evidence in found:
        best = max(
            (n for n in stored if n.id not in taken and set(n.channels) & channels),
            key=lambda n: (len(set(n.channels) & channels), -n.id),
            default=None,
        )
        if best is not None and best.state in ("confirmed", "declared"):
            own = set(best.channels)
            out[best.id] = replace(best, evidence=tuple(e for e in evidence if {e.a, e.b} <= own))
            taken.add(best.id)
            continue
        members = channels - fixed
        if len(members) < 2:
            continue
        kept = tuple(e for e in evidence if {e.a, e.b} <= members)
        if best is None:
            new.append(Network(0, name(frozenset(members)), "proposed", tuple(sorted(members)), kept))
        else:  # a proposal is named after its members as they are now (a name the user gave confirmed it)
            rename = best.name if best.state == "dismissed" else name(frozenset(members))
            out[best.id] = replace(best, name=rename, channels=tuple(sorted(members)), evidence=kept)
            taken.add(best.id)
    return [*sorted(out.values(), key=lambda n: n.id), *new]


def network_dict(
    n: Network, names: Mapping[int, str], titles: Mapping[int, str] | None = None
) -> dict[str, object]:
    """A network and its evidence as JSON (`svodka channels networks --json`, the channel page): each
    channel by its ``name`` (its key) and its ``title`` (``titles``, e.g. Channel.display_name; else its
    name), each evidence pair by both."""

    def name(c: int) -> str:
        return names.get(c, f"#{c}")

    def title(c: int) -> str:
        return (titles or {}).get(c) or name(c)

    return {
        "id": n.id,
        "name": n.name,
        "state": n.state,
        "counts_as_one_source": n.counts,
        "channels": [{"id": c, "name": name(c), "title": title(c)} for c in n.channels],
        "evidence": [
            {
                "channels": [name(e.a), name(e.b)],
                "titles": [title(e.a), title(e.b)],
                "shared_texts": e.texts,
                "forwards": e.forwards,
                "median_delay_s": e.median_delay_s,
                "shared_links": list(e.links),
                "example_posts": list(e.examples),
            }
            for e in n.evidence
        ],
    }


def channel_network(
    repo: NetworkStore, channel_id: int, names: Mapping[int, str], titles: Mapping[int, str] | None = None
) -> dict[str, object] | None:
    """The network of a channel (one that counts before a dismissed one) as :func:`network_dict`, or None."""
    found = [n for n in repo.list() if channel_id in n.channels]
    best = min(found, key=lambda n: (not n.counts, n.id), default=None)
    return network_dict(best, names, titles) if best else None


def membership(networks: Iterable[Network]) -> dict[int, int]:
    """Channel id → network id, for the networks that count as one source."""
    return {c: n.id for n in networks if n.counts for c in n.channels}


def pair_update(
    repo: NetworkStore, options: NetworkOptions | None = None
) -> dict[tuple[int, int], PairEvidence]:
    """The evidence of every pair, counted again only for the pairs the batches since the last update
    touched (a shared text of theirs, or a promo link one of them keeps, changed); everything, the first
    time and after the options changed. The same as :func:`pair_evidence` over all the evidence."""
    opt = options or NetworkOptions()
    limit = int(opt.window_minutes * 60)
    if repo.pairs_key() != opt.pairs_key:
        found = pair_evidence(repo.shared_texts(limit), repo.channel_links(opt.min_link_posts), opt)
        repo.save_pairs(None, found.values(), opt.pairs_key)
        log.info("network evidence: all %d pairs counted", len(found))
        return found
    touched = repo.touched()
    if touched:
        texts, links = repo.pair_inputs({c for pair in touched for c in pair}, limit, opt.min_link_posts)
        mine = [
            t
            for t in texts
            if (min(t.channel_id, t.origin_channel_id), max(t.channel_id, t.origin_channel_id)) in touched
        ]
        fresh = [e for key, e in pair_evidence(mine, links, opt).items() if key in touched]
        repo.save_pairs(touched, fresh, opt.pairs_key)
        log.info("network evidence: %d touched pairs counted again", len(touched))
    return repo.pairs()


def update_networks(
    repo: NetworkStore, names: Mapping[int, str], options: NetworkOptions | None = None
) -> list[Network]:
    """Find the networks in the evidence stored so far and save them with the user's decisions kept."""
    opt = options or NetworkOptions()
    posts = repo.channel_posts()
    found = find_networks(pair_update(repo, opt), posts, repo.apart(), opt)
    networks = reconcile(found, repo.list(), lambda cs: network_name(cs, names, posts))
    repo.save_found(networks)
    log.info("networks: %d found, %d stored", len(found), len(networks))
    return repo.list()

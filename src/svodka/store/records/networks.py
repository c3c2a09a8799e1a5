"""Channel networks as both backends store them (migrations 0015_networks, 0026_network_pairs): the
evidence ↔ JSON, the per-pair rows, which pairs a batch touched, what a channel merge does to the evidence,
the user's decisions as the networks to write, and the SQL both dialects write alike (``?`` placeholders;
``{ids}``: the dialect's test against a list, :mod:`svodka.store.records.lists`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from svodka.errors import NotFoundError, StoreError
from svodka.model import Network, NetworkCounts, PairEvidence, SharedText
from svodka.store.records import when

TEXT_COLUMNS = "post_id, channel_id, origin_post_id, origin_channel_id, delay_s, forward"
SHARED_TEXTS = f"SELECT {TEXT_COLUMNS} FROM network_texts WHERE delay_s <= ? ORDER BY post_id"
CHANNEL_POSTS = "SELECT channel_id, COUNT(*) FROM posts WHERE deleted_at IS NULL GROUP BY channel_id"
CHANNEL_LINKS = (
    "SELECT channel_id, link, COUNT(*) FROM network_links GROUP BY channel_id, link HAVING COUNT(*) >= ?"
)
APART = "SELECT channel_a, channel_b FROM network_apart"
# The evidence per pair, counted again only where a batch touched it (0026_network_pairs).
PAIRS_KEY = "SELECT options FROM network_pair_options WHERE id = 1"
TOUCHED = "SELECT channel_a, channel_b FROM network_touched_pairs"
# The channels keeping a touched promo link, or one that kept it: ``(link, channel)`` for touched_pairs.
TOUCHED_KEEPERS = (
    "SELECT link, channel_id FROM network_touched_links UNION "
    "SELECT DISTINCT l.link, l.channel_id FROM network_links l "
    "WHERE l.link IN (SELECT link FROM network_touched_links)"
)
# What the pairs of the channels ``{ids}`` are counted from: their shared texts within a delay …
PAIR_TEXTS = (
    f"SELECT {TEXT_COLUMNS} FROM network_texts WHERE delay_s <= ? AND channel_id {{ids}} "
    "AND origin_channel_id {ids} ORDER BY post_id"
)
# … and the promo links they keep, with every channel keeping them.
PAIR_LINKS = (
    "SELECT channel_id, link, COUNT(*) FROM network_links WHERE link IN "
    "(SELECT link FROM network_links WHERE channel_id {ids}) GROUP BY channel_id, link HAVING COUNT(*) >= ?"
)
PAIR_COLUMNS = "channel_a, channel_b, texts, forwards, median_delay_s, links, examples"
PAIRS = f"SELECT {PAIR_COLUMNS} FROM network_pairs"
INSERT_PAIR = "INSERT INTO network_pairs VALUES (?, ?, ?, ?, ?, ?, ?)"
DELETE_PAIR = "DELETE FROM network_pairs WHERE channel_a = ? AND channel_b = ?"
# Networks and their members.
MEMBERS = "SELECT network_id, channel_id FROM network_members ORDER BY network_id, channel_id"
SET_MEMBERS = (
    "DELETE FROM network_members WHERE network_id = ?",
    "INSERT INTO network_members (network_id, channel_id) VALUES (?, ?)",
)
# A channel merge (keep, drop), in the transaction of ``channels.merge``: the per-post evidence moves
# (``MOVE_TEXTS`` take (keep, drop) each; a text the two shared is no pair any more), drop's networks
# (``NETWORKS_OF``) take keep in its place unless keep is in one already (``IN_A_NETWORK``), drop's split
# pairs are read (``APART_OF``) and written again as keep's, and a network left with one channel is none.
MOVE_TEXTS = (
    "UPDATE network_texts SET channel_id = ? WHERE channel_id = ?",
    "UPDATE network_texts SET origin_channel_id = ? WHERE origin_channel_id = ?",
    "UPDATE network_links SET channel_id = ? WHERE channel_id = ?",
)
DROP_SELF_TEXTS = "DELETE FROM network_texts WHERE channel_id = origin_channel_id"
NETWORKS_OF = "SELECT network_id FROM network_members WHERE channel_id = ?"
IN_A_NETWORK = "SELECT 1 FROM network_members WHERE channel_id = ?"
MOVE_MEMBERS = "UPDATE network_members SET channel_id = ? WHERE channel_id = ?"
DROP_MEMBER = "DELETE FROM network_members WHERE channel_id = ?"
APART_OF = "SELECT channel_a, channel_b FROM network_apart WHERE ? IN (channel_a, channel_b)"
DROP_APART = "DELETE FROM network_apart WHERE ? IN (channel_a, channel_b)"
COUNT_MEMBERS = "SELECT COUNT(*) FROM network_members WHERE network_id = ?"
DELETE_NETWORK = "DELETE FROM networks WHERE id = ?"


def evidence(raw: str | bytes) -> tuple[PairEvidence, ...]:
    """A network's stored evidence (a JSON array) as its records."""
    return tuple(
        PairEvidence(
            a=e["a"],
            b=e["b"],
            texts=e["texts"],
            forwards=e["forwards"],
            median_delay_s=e["median_delay_s"],
            links=tuple(e["links"]),
            examples=tuple(e["examples"]),
        )
        for e in orjson.loads(raw)
    )


def evidence_json(items: Iterable[PairEvidence]) -> str:
    """A network's evidence as it is stored."""
    rows = [
        {
            "a": e.a,
            "b": e.b,
            "texts": e.texts,
            "forwards": e.forwards,
            "median_delay_s": e.median_delay_s,
            "links": list(e.links),
            "examples": list(e.examples),
        }
        for e in items
    ]
    return orjson.dumps(rows).decode()


def shared_text(r: Sequence[Any]) -> SharedText:
    """A row of :data:`TEXT_COLUMNS` as its record."""
    return SharedText(int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), bool(r[5]))


def link_counts(rows: Iterable[Sequence[Any]]) -> dict[int, dict[str, int]]:
    """Rows ``(channel, link, posts)`` as ``{channel: {link: posts}}``."""
    out: dict[int, dict[str, int]] = {}
    for channel, link, n in rows:
        out.setdefault(int(channel), {})[str(link)] = int(n)
    return out


def pair_row(e: PairEvidence) -> tuple[object, ...]:
    """The parameters of :data:`INSERT_PAIR`."""
    return (
        e.a, e.b, e.texts, e.forwards, e.median_delay_s,
        orjson.dumps(list(e.links)).decode(), orjson.dumps(list(e.examples)).decode(),
    )  # fmt: skip


def pair(r: Sequence[Any]) -> PairEvidence:
    """A row of :data:`PAIRS` as its record."""
    return PairEvidence(
        int(r[0]), int(r[1]), int(r[2]), int(r[3]), None if r[4] is None else float(r[4]),
        tuple(orjson.loads(r[5])), tuple(orjson.loads(r[6])),
    )  # fmt: skip


def ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)


def touched_by(counts: NetworkCounts) -> tuple[list[tuple[int, int]], list[tuple[int, str]]]:
    """The channel pairs and ``(channel, link)`` promo links a batch's evidence says now (touched)."""
    pairs = sorted({ordered(t.channel_id, t.origin_channel_id) for t in counts.texts})
    return pairs, sorted({(c, link) for _p, c, link in counts.links})


def text_rows(counts: NetworkCounts) -> list[tuple[object, ...]]:
    """The rows of ``network_texts`` (:data:`TEXT_COLUMNS`) of a batch."""
    return [
        (t.post_id, t.channel_id, t.origin_post_id, t.origin_channel_id, t.delay_s, t.forward)
        for t in counts.texts
    ]


def touched_pairs(pairs: Iterable[Sequence[Any]], keepers: Iterable[Sequence[Any]]) -> set[tuple[int, int]]:
    """The pairs an update counts again: ``pairs`` (their shared texts changed) and every pair of channels
    that keep, or kept, a touched promo link (``keepers``: (link, channel))."""
    out = {ordered(int(a), int(b)) for a, b in pairs if a != b}
    by_link: dict[str, set[int]] = {}
    for link, channel in keepers:
        by_link.setdefault(str(link), set()).add(int(channel))
    for channels in by_link.values():
        cs = sorted(channels)
        out.update((a, b) for i, a in enumerate(cs) for b in cs[i + 1 :])
    return out


def merged_evidence(items: Iterable[PairEvidence], keep: int, drop: int) -> list[PairEvidence]:
    """``items`` with channel ``drop`` read as ``keep`` (two channels made one): a pair of the two is no
    pair any more, and of two pairs that became one the one with more shared texts stays (the next update
    counts them again from the per-post evidence)."""
    out: dict[tuple[int, int], PairEvidence] = {}
    for e in items:
        a, b = (keep if c == drop else c for c in (e.a, e.b))
        if a == b:
            continue
        moved = PairEvidence(min(a, b), max(a, b), e.texts, e.forwards, e.median_delay_s, e.links, e.examples)
        old = out.get((moved.a, moved.b))
        if old is None or moved.texts > old.texts:
            out[(moved.a, moved.b)] = moved
    return sorted(out.values(), key=lambda e: (-e.texts, e.a, e.b))


def moved_pairs(pairs: Iterable[Sequence[Any]], keep: int, drop: int) -> list[tuple[int, int]]:
    """Channel pairs with ``drop`` read as ``keep``, ``a < b``; a pair of the two is gone."""
    out = set()
    for p in pairs:
        a, b = (keep if c == drop else c for c in (int(p[0]), int(p[1])))
        if a != b:
            out.add(ordered(a, b))
    return sorted(out)


def networks(rows: Iterable[Sequence[Any]], members: Iterable[Sequence[Any]]) -> list[Network]:
    """Rows ``(id, name, state, evidence, updated_at)`` and :data:`MEMBERS` as the networks."""
    of: dict[int, list[int]] = {}
    for nid, cid in members:
        of.setdefault(int(nid), []).append(int(cid))
    return [Network(r[0], r[1], r[2], tuple(of.get(r[0], [])), evidence(r[3]), when(r[4])) for r in rows]


def find(stored: Iterable[Network], network_id: int) -> Network:
    for n in stored:
        if n.id == network_id:
            return n
    raise NotFoundError(f"no network {network_id} (see `svodka channels networks`)")


def of_channel(stored: Iterable[Network], channel_id: int) -> Network | None:
    """The network the channel belongs to (one that counts, else a dismissed one), or None."""
    found = [n for n in stored if channel_id in n.channels]
    return min(found, key=lambda n: (not n.counts, n.id), default=None)


# --- the user's decisions: what to write ------------------------------------------------------------
def with_state(n: Network, state: str) -> Network:
    return Network(n.id, n.name, state, n.channels, n.evidence)


def renamed(n: Network, name: str) -> Network:
    """``n`` named ``name``; a proposed one is confirmed by it (its members stay as they are)."""
    if not name.strip():
        raise StoreError("a network's name cannot be empty")
    state = "confirmed" if n.state == "proposed" else n.state
    return Network(n.id, name.strip(), state, n.channels, n.evidence)


@dataclass(frozen=True, slots=True)
class Split:
    """A network split: the channel pairs never to link again, and the networks to write (the one that
    stays first; id 0: a new one)."""

    apart: tuple[tuple[int, int], ...]
    networks: tuple[Network, ...]


def split(n: Network, channels: Iterable[int]) -> Split:
    """Take ``channels`` out of ``n`` into a network of their own (none when one is left); the one that
    stays is confirmed (dismissed when one is left)."""
    out = set(channels)
    if not out or not out < set(n.channels):
        raise StoreError(f"split takes some, not all, of network {n.id}'s channels: {n.channels}")
    stay = [c for c in n.channels if c not in out]
    keep = tuple(e for e in n.evidence if {e.a, e.b} <= set(stay))
    written = [Network(n.id, n.name, "confirmed" if len(stay) > 1 else "dismissed", tuple(stay), keep)]
    if len(out) > 1:
        part = tuple(e for e in n.evidence if {e.a, e.b} <= out)
        written.append(Network(0, f"{n.name} (split)", "confirmed", tuple(sorted(out)), part))
    return Split(tuple(ordered(a, b) for a in out for b in stay), tuple(written))


def declared(name: str, channels: Iterable[int], stored: Iterable[Network]) -> list[Network]:
    """The networks to write for a network the user knows of: every other network its channels leave,
    then the new one (id 0, last)."""
    members = tuple(sorted(set(channels)))
    if len(members) < 2:
        raise StoreError("a network has at least two channels")
    if not name.strip():
        raise StoreError("a network's name cannot be empty")
    out = []
    for other in stored:
        rest = tuple(c for c in other.channels if c not in members)
        if rest != other.channels:
            state = other.state if len(rest) > 1 else "dismissed"
            out.append(Network(other.id, other.name, state, rest, other.evidence))
    return [*out, Network(0, name.strip(), "declared", members)]

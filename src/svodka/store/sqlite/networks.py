"""Channel networks in SQLite: the evidence per post, the networks found and the user's decisions."""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Iterable, Sequence

import orjson

from svodka.errors import NotFoundError, StoreError
from svodka.model import Network, NetworkCounts, PairEvidence, SharedText
from svodka.store.sqlite.db import Database, now_ts
from svodka.store.sqlite.users import when


def _evidence(raw: str) -> tuple[PairEvidence, ...]:
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


def _evidence_json(evidence: Iterable[PairEvidence]) -> str:
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
        for e in evidence
    ]
    return orjson.dumps(rows).decode()


def touched_pairs(
    pairs: Iterable[tuple[int, int]], keepers: Iterable[tuple[str, int]]
) -> set[tuple[int, int]]:
    """The pairs an update counts again: ``pairs`` (their shared texts changed) and every pair of channels
    that keep, or kept, a touched promo link (``keepers``: (link, channel))."""
    out = {(min(a, b), max(a, b)) for a, b in pairs if a != b}
    by_link: dict[str, set[int]] = {}
    for link, channel in keepers:
        by_link.setdefault(link, set()).add(channel)
    for channels in by_link.values():
        cs = sorted(channels)
        out.update((a, b) for i, a in enumerate(cs) for b in cs[i + 1 :])
    return out


def _pair_row(e: PairEvidence) -> tuple[object, ...]:
    return (
        e.a, e.b, e.texts, e.forwards, e.median_delay_s,
        orjson.dumps(list(e.links)).decode(), orjson.dumps(list(e.examples)).decode(),
    )  # fmt: skip


def _pair(r: Sequence[object]) -> PairEvidence:
    return PairEvidence(
        int(r[0]), int(r[1]), int(r[2]), int(r[3]),  # type: ignore[call-overload]
        None if r[4] is None else float(r[4]),  # type: ignore[arg-type]
        tuple(orjson.loads(r[5])), tuple(orjson.loads(r[6])),  # type: ignore[arg-type]
    )  # fmt: skip


def merged_evidence(evidence: Iterable[PairEvidence], keep: int, drop: int) -> builtins.list[PairEvidence]:
    """``evidence`` with channel ``drop`` read as ``keep`` (two channels made one): a pair of the two is no
    pair any more, and of two pairs that became one the one with more shared texts stays (the next update
    counts them again from the per-post evidence)."""
    out: dict[tuple[int, int], PairEvidence] = {}
    for e in evidence:
        a, b = (keep if c == drop else c for c in (e.a, e.b))
        if a == b:
            continue
        moved = PairEvidence(min(a, b), max(a, b), e.texts, e.forwards, e.median_delay_s, e.links, e.examples)
        old = out.get((moved.a, moved.b))
        if old is None or moved.texts > old.texts:
            out[(moved.a, moved.b)] = moved
    return sorted(out.values(), key=lambda e: (-e.texts, e.a, e.b))


def _moved_pairs(pairs: Iterable[tuple[int, int]], keep: int, drop: int) -> builtins.list[tuple[int, int]]:
    """Channel pairs with ``drop`` read as ``keep``, ``a < b``; a pair of the two is gone."""
    out = set()
    for pair in pairs:
        a, b = (keep if c == drop else c for c in pair)
        if a != b:
            out.add((min(a, b), max(a, b)))
    return sorted(out)


def touch_channel(conn: sqlite3.Connection, channel: int) -> None:
    """Mark every pair and promo link of ``channel`` touched (network_pairs)."""
    conn.execute(
        "INSERT OR IGNORE INTO network_touched_pairs SELECT MIN(channel_id, origin_channel_id), "
        "MAX(channel_id, origin_channel_id) FROM network_texts WHERE ? IN (channel_id, origin_channel_id)",
        (channel,),
    )
    conn.execute(
        "INSERT OR IGNORE INTO network_touched_links SELECT channel_id, link FROM network_links "
        "WHERE channel_id = ?",
        (channel,),
    )


def merge_channel(conn: sqlite3.Connection, keep: int, drop: int) -> None:
    """Channel ``drop`` becomes ``keep`` in the networks' evidence, members and split pairs (in the
    transaction of ``channels.merge``, before ``drop`` is deleted): nothing is left naming ``drop``."""
    touch_channel(conn, drop)  # the pairs counted again at the next update: drop's as they were …
    for column in ("channel_id", "origin_channel_id"):
        conn.execute(f"UPDATE network_texts SET {column} = ? WHERE {column} = ?", (keep, drop))
    conn.execute("DELETE FROM network_texts WHERE channel_id = origin_channel_id")  # one channel now
    conn.execute("UPDATE network_links SET channel_id = ? WHERE channel_id = ?", (keep, drop))
    touch_channel(conn, keep)  # … and keep's as they are now
    touched = [
        r[0] for r in conn.execute("SELECT network_id FROM network_members WHERE channel_id = ?", (drop,))
    ]
    # drop's networks take keep in its place, unless keep is in a network already
    if not conn.execute("SELECT 1 FROM network_members WHERE channel_id = ?", (keep,)).fetchone():
        conn.execute("UPDATE network_members SET channel_id = ? WHERE channel_id = ?", (keep, drop))
    conn.execute("DELETE FROM network_members WHERE channel_id = ?", (drop,))
    pairs = conn.execute(
        "SELECT channel_a, channel_b FROM network_apart WHERE ? IN (channel_a, channel_b)", (drop,)
    ).fetchall()
    conn.execute("DELETE FROM network_apart WHERE ? IN (channel_a, channel_b)", (drop,))
    conn.executemany(
        "INSERT OR IGNORE INTO network_apart (channel_a, channel_b) VALUES (?, ?)",
        _moved_pairs(pairs, keep, drop),
    )
    for nid, raw in conn.execute("SELECT id, evidence FROM networks").fetchall():
        evidence = _evidence(raw)
        if any(drop in (e.a, e.b) for e in evidence):
            new = _evidence_json(merged_evidence(evidence, keep, drop))
            conn.execute(
                "UPDATE networks SET evidence = ?, updated_at = ? WHERE id = ?", (new, now_ts(), nid)
            )
    for nid in touched:  # a network the merge left with one channel is none
        (n,) = conn.execute("SELECT COUNT(*) FROM network_members WHERE network_id = ?", (nid,)).fetchone()
        if n < 2:
            conn.execute("DELETE FROM networks WHERE id = ?", (nid,))


class SqliteNetworks:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- evidence, written with each pipeline batch -------------------------------------------------
    def add(self, counts: NetworkCounts) -> None:
        with self.db.write() as conn:
            posts = [(p,) for p in counts.posts]
            # what the posts said before is touched (network_pairs), and what they say now
            conn.executemany(
                "INSERT OR IGNORE INTO network_touched_pairs SELECT MIN(channel_id, origin_channel_id), "
                "MAX(channel_id, origin_channel_id) FROM network_texts WHERE post_id = ?",
                posts,
            )
            conn.executemany(
                "INSERT OR IGNORE INTO network_touched_links SELECT channel_id, link FROM network_links "
                "WHERE post_id = ?",
                posts,
            )
            conn.executemany(
                "INSERT OR IGNORE INTO network_touched_pairs VALUES (?, ?)",
                sorted(
                    {
                        (min(t.channel_id, t.origin_channel_id), max(t.channel_id, t.origin_channel_id))
                        for t in counts.texts
                    }
                ),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO network_touched_links VALUES (?, ?)",
                sorted({(c, link) for _p, c, link in counts.links}),
            )
            for table in ("network_texts", "network_links"):  # a post judged again: its new evidence only
                conn.executemany(f"DELETE FROM {table} WHERE post_id = ?", posts)
            conn.executemany(
                "INSERT OR REPLACE INTO network_texts "
                "(post_id, channel_id, origin_post_id, origin_channel_id, delay_s, forward) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        t.post_id,
                        t.channel_id,
                        t.origin_post_id,
                        t.origin_channel_id,
                        t.delay_s,
                        int(t.forward),
                    )
                    for t in counts.texts
                ],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO network_links (post_id, channel_id, link) VALUES (?, ?, ?)",
                counts.links,
            )

    def shared_texts(self, max_delay_s: int) -> builtins.list[SharedText]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT post_id, channel_id, origin_post_id, origin_channel_id, delay_s, forward "
                "FROM network_texts WHERE delay_s <= ? ORDER BY post_id",
                (max_delay_s,),
            ).fetchall()
        return [SharedText(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]

    def channel_posts(self) -> dict[int, int]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT channel_id, COUNT(*) FROM posts WHERE deleted_at IS NULL GROUP BY channel_id"
            ).fetchall()
        return {r[0]: r[1] for r in rows}

    def channel_links(self, min_posts: int) -> dict[int, dict[str, int]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT channel_id, link, COUNT(*) FROM network_links GROUP BY channel_id, link "
                "HAVING COUNT(*) >= ?",
                (min_posts,),
            ).fetchall()
        out: dict[int, dict[str, int]] = {}
        for channel, link, n in rows:
            out.setdefault(channel, {})[link] = n
        return out

    def apart(self) -> set[tuple[int, int]]:
        with self.db.read() as conn:
            return {(r[0], r[1]) for r in conn.execute("SELECT channel_a, channel_b FROM network_apart")}

    # --- the evidence per pair (0026_network_pairs), counted again only where a batch touched it ---------
    def pairs_key(self) -> str | None:
        """The options the stored pairs were counted with (None: never counted)."""
        with self.db.read() as conn:
            row = conn.execute("SELECT options FROM network_pair_options WHERE id = 1").fetchone()
        return None if row is None else str(row[0])

    def touched(self) -> set[tuple[int, int]]:
        """The pairs the batches since the last count touched (:func:`touched_pairs`)."""
        with self.db.read() as conn:
            pairs = conn.execute("SELECT channel_a, channel_b FROM network_touched_pairs").fetchall()
            keepers = conn.execute(
                "SELECT link, channel_id FROM network_touched_links UNION "
                "SELECT DISTINCT l.link, l.channel_id FROM network_links l "
                "WHERE l.link IN (SELECT link FROM network_touched_links)"
            ).fetchall()
        return touched_pairs(pairs, keepers)

    def pair_inputs(
        self, channels: Iterable[int], max_delay_s: int, min_posts: int
    ) -> tuple[builtins.list[SharedText], dict[int, dict[str, int]]]:
        """The shared texts among ``channels`` within ``max_delay_s``, and the promo links they keep
        (``min_posts`` posts) with every other channel keeping them: what their pairs are counted from."""
        ids = sorted(set(channels))
        marks = ", ".join("?" * len(ids))
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT post_id, channel_id, origin_post_id, origin_channel_id, delay_s, forward "
                f"FROM network_texts WHERE delay_s <= ? AND channel_id IN ({marks}) "
                f"AND origin_channel_id IN ({marks}) ORDER BY post_id",
                (max_delay_s, *ids, *ids),
            ).fetchall()
            kept = conn.execute(
                "SELECT channel_id, link, COUNT(*) FROM network_links WHERE link IN "
                f"(SELECT link FROM network_links WHERE channel_id IN ({marks})) "
                "GROUP BY channel_id, link HAVING COUNT(*) >= ?",
                (*ids, min_posts),
            ).fetchall()
        links: dict[int, dict[str, int]] = {}
        for channel, link, n in kept:
            links.setdefault(channel, {})[link] = n
        return [SharedText(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows], links

    def pairs(self) -> dict[tuple[int, int], PairEvidence]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT channel_a, channel_b, texts, forwards, median_delay_s, links, examples "
                "FROM network_pairs"
            ).fetchall()
        return {(e.a, e.b): e for e in map(_pair, rows)}

    def save_pairs(
        self, touched: Iterable[tuple[int, int]] | None, evidence: Iterable[PairEvidence], key: str
    ) -> None:
        """Replace the ``touched`` pairs' evidence (None: every pair's) by ``evidence``; nothing is
        touched any more, and the pairs are counted with ``key``'s options."""
        with self.db.write() as conn:
            if touched is None:
                conn.execute("DELETE FROM network_pairs")
            else:
                conn.executemany(
                    "DELETE FROM network_pairs WHERE channel_a = ? AND channel_b = ?", sorted(touched)
                )
            conn.executemany(
                "INSERT INTO network_pairs VALUES (?, ?, ?, ?, ?, ?, ?)", map(_pair_row, evidence)
            )
            conn.execute("DELETE FROM network_touched_pairs")
            conn.execute("DELETE FROM network_touched_links")
            conn.execute("INSERT OR REPLACE INTO network_pair_options (id, options) VALUES (1, ?)", (key,))

    # --- networks -------------------------------------------------------------------------------------
    def list(self) -> builtins.list[Network]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT id, name, state, evidence, updated_at FROM networks ORDER BY id"
            ).fetchall()
            members: dict[int, builtins.list[int]] = {}
            for nid, cid in conn.execute(
                "SELECT network_id, channel_id FROM network_members ORDER BY network_id, channel_id"
            ):
                members.setdefault(nid, []).append(cid)
        return [
            Network(r[0], r[1], r[2], tuple(members.get(r[0], [])), _evidence(r[3]), when(r[4])) for r in rows
        ]

    def get(self, network_id: int) -> Network:
        for n in self.list():
            if n.id == network_id:
                return n
        raise NotFoundError(f"no network {network_id} (see `svodka channels networks`)")

    def of_channel(self, channel_id: int) -> Network | None:
        """The network the channel belongs to (one that counts, else a dismissed one), or None."""
        found = [n for n in self.list() if channel_id in n.channels]
        return min(found, key=lambda n: (not n.counts, n.id), default=None)

    def save_found(self, networks: Sequence[Network]) -> None:
        """Store ``networks`` as the whole list (id 0: a new one); stored proposals not in it go."""
        with self.db.write() as conn:
            keep = {n.id for n in networks if n.id}
            for (nid,) in conn.execute("SELECT id FROM networks").fetchall():
                if nid not in keep:
                    conn.execute("DELETE FROM networks WHERE id = ?", (nid,))
            for n in networks:
                self._put(conn, n)

    def _put(self, conn: sqlite3.Connection, n: Network) -> int:
        if n.id:
            conn.execute(
                "UPDATE networks SET name = ?, state = ?, evidence = ?, updated_at = ? WHERE id = ?",
                (n.name, n.state, _evidence_json(n.evidence), now_ts(), n.id),
            )
            nid = n.id
        else:
            cur = conn.execute(
                "INSERT INTO networks (name, state, evidence, updated_at) VALUES (?, ?, ?, ?)",
                (n.name, n.state, _evidence_json(n.evidence), now_ts()),
            )
            nid = int(cur.lastrowid or 0)
        conn.execute("DELETE FROM network_members WHERE network_id = ?", (nid,))
        conn.executemany(
            "INSERT INTO network_members (network_id, channel_id) VALUES (?, ?)",
            [(nid, c) for c in n.channels],
        )
        return nid

    # --- the user's decisions -------------------------------------------------------------------------
    def set_state(self, network_id: int, state: str) -> Network:
        """Confirm (``confirmed``) or dismiss (``dismissed``) a network."""
        n = self.get(network_id)
        with self.db.write() as conn:
            self._put(conn, Network(n.id, n.name, state, n.channels, n.evidence))
        return self.get(network_id)

    def rename(self, network_id: int, name: str) -> Network:
        """Name a network; a proposed one is confirmed by it (its members stay as they are)."""
        n = self.get(network_id)
        if not name.strip():
            raise StoreError("a network's name cannot be empty")
        state = "confirmed" if n.state == "proposed" else n.state
        with self.db.write() as conn:
            self._put(conn, Network(n.id, name.strip(), state, n.channels, n.evidence))
        return self.get(network_id)

    def split(self, network_id: int, channels: Iterable[int]) -> Network:
        """Take ``channels`` out of the network into a network of their own (none when one is left), and
        never link a channel taken out with one that stays. Returns the network that stays (confirmed)."""
        n = self.get(network_id)
        out = set(channels)
        if not out or not out < set(n.channels):
            raise StoreError(f"split takes some, not all, of network {network_id}'s channels: {n.channels}")
        stay = [c for c in n.channels if c not in out]
        with self.db.write() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO network_apart (channel_a, channel_b) VALUES (?, ?)",
                [(min(a, b), max(a, b)) for a in out for b in stay],
            )
            keep = tuple(e for e in n.evidence if {e.a, e.b} <= set(stay))
            self._put(
                conn, Network(n.id, n.name, "confirmed" if len(stay) > 1 else "dismissed", tuple(stay), keep)
            )
            if len(out) > 1:
                part = tuple(e for e in n.evidence if {e.a, e.b} <= out)
                self._put(conn, Network(0, f"{n.name} (split)", "confirmed", tuple(sorted(out)), part))
        return self.get(network_id)

    def declare(self, name: str, channels: Iterable[int]) -> Network:
        """A network the user knows of: its channels leave any other network."""
        members = tuple(sorted(set(channels)))
        if len(members) < 2:
            raise StoreError("a network has at least two channels")
        if not name.strip():
            raise StoreError("a network's name cannot be empty")
        with self.db.write() as conn:
            for other in self.list():
                rest = tuple(c for c in other.channels if c not in members)
                if rest != other.channels:
                    state = other.state if len(rest) > 1 else "dismissed"
                    self._put(conn, Network(other.id, other.name, state, rest, other.evidence))
            nid = self._put(conn, Network(0, name.strip(), "declared", members))
        return self.get(nid)

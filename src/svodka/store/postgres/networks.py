"""Channel networks in PostgreSQL: the evidence per post, the networks found and the user's decisions
(migration 0015_networks; the evidence is JSONB, read and written as the SQLite backend's JSON)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

import psycopg

from svodka.errors import NotFoundError, StoreError
from svodka.model import Network, NetworkCounts, PairEvidence, SharedText
from svodka.store.postgres.db import Database, now_ts
from svodka.store.sqlite.networks import (
    _evidence,
    _evidence_json,
    _moved_pairs,
    _pair,
    _pair_row,
    merged_evidence,
    touched_pairs,
)
from svodka.store.sqlite.users import when


class PgNetworks:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- evidence, written with each pipeline batch -------------------------------------------------
    def add(self, counts: NetworkCounts) -> None:
        posts = list(counts.posts)
        with self.db.write() as conn, conn.cursor() as cur:
            # what the posts said before is touched (network_pairs), and what they say now
            cur.execute(
                "INSERT INTO network_touched_pairs SELECT DISTINCT LEAST(channel_id, origin_channel_id), "
                "GREATEST(channel_id, origin_channel_id) FROM network_texts WHERE post_id = ANY(%s) "
                "ON CONFLICT DO NOTHING",
                (posts,),
            )
            cur.execute(
                "INSERT INTO network_touched_links SELECT DISTINCT channel_id, link FROM network_links "
                "WHERE post_id = ANY(%s) ON CONFLICT DO NOTHING",
                (posts,),
            )
            cur.executemany(
                "INSERT INTO network_touched_pairs VALUES (%s, %s) ON CONFLICT DO NOTHING",
                sorted(
                    {
                        (min(t.channel_id, t.origin_channel_id), max(t.channel_id, t.origin_channel_id))
                        for t in counts.texts
                    }
                ),
            )
            cur.executemany(
                "INSERT INTO network_touched_links VALUES (%s, %s) ON CONFLICT DO NOTHING",
                sorted({(c, link) for _p, c, link in counts.links}),
            )
            for table in ("network_texts", "network_links"):  # a post judged again: its new evidence only
                cur.execute(f"DELETE FROM {table} WHERE post_id = ANY(%s)", (posts,))
            cur.executemany(
                "INSERT INTO network_texts "
                "(post_id, channel_id, origin_post_id, origin_channel_id, delay_s, forward) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (post_id) DO UPDATE SET "
                "channel_id = excluded.channel_id, origin_post_id = excluded.origin_post_id, "
                "origin_channel_id = excluded.origin_channel_id, delay_s = excluded.delay_s, "
                "forward = excluded.forward",
                [
                    (t.post_id, t.channel_id, t.origin_post_id, t.origin_channel_id, t.delay_s, t.forward)
                    for t in counts.texts
                ],
            )
            cur.executemany(
                "INSERT INTO network_links (post_id, channel_id, link) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                [tuple(x) for x in counts.links],
            )

    def shared_texts(self, max_delay_s: int) -> builtins.list[SharedText]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT post_id, channel_id, origin_post_id, origin_channel_id, delay_s, forward "
                "FROM network_texts WHERE delay_s <= %s ORDER BY post_id",
                (max_delay_s,),
            ).fetchall()
        return [SharedText(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]

    def channel_posts(self) -> dict[int, int]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT channel_id, COUNT(*) FROM posts WHERE deleted_at IS NULL GROUP BY channel_id"
            ).fetchall()
        return {int(r[0]): int(r[1]) for r in rows}

    def channel_links(self, min_posts: int) -> dict[int, dict[str, int]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT channel_id, link, COUNT(*) FROM network_links GROUP BY channel_id, link "
                "HAVING COUNT(*) >= %s",
                (min_posts,),
            ).fetchall()
        out: dict[int, dict[str, int]] = {}
        for channel, link, n in rows:
            out.setdefault(int(channel), {})[link] = int(n)
        return out

    def apart(self) -> set[tuple[int, int]]:
        with self.db.read() as conn:
            rows = conn.execute("SELECT channel_a, channel_b FROM network_apart").fetchall()
        return {(int(r[0]), int(r[1])) for r in rows}

    # --- the evidence per pair (0026_network_pairs), counted again only where a batch touched it ---------
    def pairs_key(self) -> str | None:
        """The options the stored pairs were counted with (None: never counted)."""
        with self.db.read() as conn:
            row = conn.execute("SELECT options FROM network_pair_options WHERE id = 1").fetchone()
        return None if row is None else str(row[0])

    def touched(self) -> set[tuple[int, int]]:
        """The pairs the batches since the last count touched (``touched_pairs``)."""
        with self.db.read() as conn:
            pairs = conn.execute("SELECT channel_a, channel_b FROM network_touched_pairs").fetchall()
            keepers = conn.execute(
                "SELECT link, channel_id FROM network_touched_links UNION "
                "SELECT DISTINCT l.link, l.channel_id FROM network_links l "
                "WHERE l.link IN (SELECT link FROM network_touched_links)"
            ).fetchall()
        return touched_pairs(
            ((int(a), int(b)) for a, b in pairs), ((str(link), int(c)) for link, c in keepers)
        )

    def pair_inputs(
        self, channels: Iterable[int], max_delay_s: int, min_posts: int
    ) -> tuple[builtins.list[SharedText], dict[int, dict[str, int]]]:
        """The shared texts among ``channels`` within ``max_delay_s``, and the promo links they keep
        (``min_posts`` posts) with every other channel keeping them: what their pairs are counted from."""
        ids = sorted(set(channels))
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT post_id, channel_id, origin_post_id, origin_channel_id, delay_s, forward "
                "FROM network_texts WHERE delay_s <= %s AND channel_id = ANY(%s) "
                "AND origin_channel_id = ANY(%s) ORDER BY post_id",
                (max_delay_s, ids, ids),
            ).fetchall()
            kept = conn.execute(
                "SELECT channel_id, link, COUNT(*) FROM network_links WHERE link IN "
                "(SELECT link FROM network_links WHERE channel_id = ANY(%s)) "
                "GROUP BY channel_id, link HAVING COUNT(*) >= %s",
                (ids, min_posts),
            ).fetchall()
        links: dict[int, dict[str, int]] = {}
        for channel, link, n in kept:
            links.setdefault(int(channel), {})[link] = int(n)
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
        with self.db.write() as conn, conn.cursor() as cur:
            if touched is None:
                cur.execute("DELETE FROM network_pairs")
            else:
                cur.executemany(
                    "DELETE FROM network_pairs WHERE channel_a = %s AND channel_b = %s", sorted(touched)
                )
            cur.executemany(
                "INSERT INTO network_pairs VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [_pair_row(e) for e in evidence],
            )
            cur.execute("DELETE FROM network_touched_pairs")
            cur.execute("DELETE FROM network_touched_links")
            cur.execute(
                "INSERT INTO network_pair_options (id, options) VALUES (1, %s) "
                "ON CONFLICT (id) DO UPDATE SET options = excluded.options",
                (key,),
            )

    # --- networks -------------------------------------------------------------------------------------
    def list(self) -> builtins.list[Network]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT id, name, state, evidence::text, updated_at FROM networks ORDER BY id"
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
            conn.execute("DELETE FROM networks WHERE NOT (id = ANY(%s))", ([n.id for n in networks if n.id],))
            for n in networks:
                _put(conn, n)

    # --- the user's decisions -------------------------------------------------------------------------
    def set_state(self, network_id: int, state: str) -> Network:
        """Confirm (``confirmed``) or dismiss (``dismissed``) a network."""
        n = self.get(network_id)
        with self.db.write() as conn:
            _put(conn, Network(n.id, n.name, state, n.channels, n.evidence))
        return self.get(network_id)

    def rename(self, network_id: int, name: str) -> Network:
        """Name a network; a proposed one is confirmed by it (its members stay as they are)."""
        n = self.get(network_id)
        if not name.strip():
            raise StoreError("a network's name cannot be empty")
        state = "confirmed" if n.state == "proposed" else n.state
        with self.db.write() as conn:
            _put(conn, Network(n.id, name.strip(), state, n.channels, n.evidence))
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
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO network_apart (channel_a, channel_b) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    [(min(a, b), max(a, b)) for a in out for b in stay],
                )
            keep = tuple(e for e in n.evidence if {e.a, e.b} <= set(stay))
            _put(
                conn, Network(n.id, n.name, "confirmed" if len(stay) > 1 else "dismissed", tuple(stay), keep)
            )
            if len(out) > 1:
                part = tuple(e for e in n.evidence if {e.a, e.b} <= out)
                _put(conn, Network(0, f"{n.name} (split)", "confirmed", tuple(sorted(out)), part))
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
                    _put(conn, Network(other.id, other.name, state, rest, other.evidence))
            nid = _put(conn, Network(0, name.strip(), "declared", members))
        return self.get(nid)


def _put(conn: psycopg.Connection, n: Network) -> int:
    """Write one network and its members (id 0: a new one); its id."""
    evidence = _evidence_json(n.evidence)
    if n.id:
        conn.execute(
            "UPDATE networks SET name = %s, state = %s, evidence = %s::jsonb, updated_at = %s WHERE id = %s",
            (n.name, n.state, evidence, now_ts(), n.id),
        )
        nid = n.id
    else:
        row = conn.execute(
            "INSERT INTO networks (name, state, evidence, updated_at) VALUES (%s, %s, %s::jsonb, %s) "
            "RETURNING id",
            (n.name, n.state, evidence, now_ts()),
        ).fetchone()
        nid = int(row[0]) if row else 0
    conn.execute("DELETE FROM network_members WHERE network_id = %s", (nid,))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO network_members (network_id, channel_id) VALUES (%s, %s)",
            [(nid, c) for c in n.channels],
        )
    return nid


def touch_channel(conn: psycopg.Connection, channel: int) -> None:
    """Mark every pair and promo link of ``channel`` touched (network_pairs)."""
    conn.execute(
        "INSERT INTO network_touched_pairs SELECT DISTINCT LEAST(channel_id, origin_channel_id), "
        "GREATEST(channel_id, origin_channel_id) FROM network_texts "
        "WHERE %s IN (channel_id, origin_channel_id) ON CONFLICT DO NOTHING",
        (channel,),
    )
    conn.execute(
        "INSERT INTO network_touched_links SELECT DISTINCT channel_id, link FROM network_links "
        "WHERE channel_id = %s ON CONFLICT DO NOTHING",
        (channel,),
    )


def merge_channel(conn: psycopg.Connection, keep: int, drop: int) -> None:
    """Channel ``drop`` becomes ``keep`` in the networks' evidence, members and split pairs (in the
    transaction of ``channels.merge``, before ``drop`` is deleted): nothing is left naming ``drop``."""
    touch_channel(conn, drop)  # the pairs counted again at the next update: drop's as they were …
    for column in ("channel_id", "origin_channel_id"):
        conn.execute(f"UPDATE network_texts SET {column} = %s WHERE {column} = %s", (keep, drop))
    conn.execute("DELETE FROM network_texts WHERE channel_id = origin_channel_id")  # one channel now
    conn.execute("UPDATE network_links SET channel_id = %s WHERE channel_id = %s", (keep, drop))
    touch_channel(conn, keep)  # … and keep's as they are now
    touched = [
        int(r[0])
        for r in conn.execute(
            "SELECT network_id FROM network_members WHERE channel_id = %s", (drop,)
        ).fetchall()
    ]
    # drop's networks take keep in its place, unless keep is in a network already
    if not conn.execute("SELECT 1 FROM network_members WHERE channel_id = %s", (keep,)).fetchone():
        conn.execute("UPDATE network_members SET channel_id = %s WHERE channel_id = %s", (keep, drop))
    conn.execute("DELETE FROM network_members WHERE channel_id = %s", (drop,))
    pairs = conn.execute(
        "SELECT channel_a, channel_b FROM network_apart WHERE %s IN (channel_a, channel_b)", (drop,)
    ).fetchall()
    conn.execute("DELETE FROM network_apart WHERE %s IN (channel_a, channel_b)", (drop,))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO network_apart (channel_a, channel_b) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            _moved_pairs(((int(a), int(b)) for a, b in pairs), keep, drop),
        )
    for nid, raw in conn.execute("SELECT id, evidence::text FROM networks").fetchall():
        evidence = _evidence(raw)
        if any(drop in (e.a, e.b) for e in evidence):
            conn.execute(
                "UPDATE networks SET evidence = %s::jsonb, updated_at = %s WHERE id = %s",
                (_evidence_json(merged_evidence(evidence, keep, drop)), now_ts(), nid),
            )
    for nid in touched:  # a network the merge left with one channel is none
        row = conn.execute("SELECT COUNT(*) FROM network_members WHERE network_id = %s", (nid,)).fetchone()
        if row is None or int(row[0]) < 2:
            conn.execute("DELETE FROM networks WHERE id = %s", (nid,))

"""Channel networks in PostgreSQL: the evidence per post, the networks found and the user's decisions
(migration 0015_networks; the evidence is JSONB, read and written as the SQLite backend's JSON); rows,
decisions and the shared SQL: :mod:`svodka.store.records.networks`."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

import psycopg

from svodka.model import Network, NetworkCounts, PairEvidence, SharedText
from svodka.store.postgres.db import Database, now_ts, pyformat
from svodka.store.records import networks as rec
from svodka.store.records.lists import ANY

INSERT_APART = "INSERT INTO network_apart (channel_a, channel_b) VALUES (%s, %s) ON CONFLICT DO NOTHING"


class PgNetworks:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- evidence, written with each pipeline batch -------------------------------------------------
    def add(self, counts: NetworkCounts) -> None:
        posts = list(counts.posts)
        pairs, links = rec.touched_by(counts)
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
            cur.executemany("INSERT INTO network_touched_pairs VALUES (%s, %s) ON CONFLICT DO NOTHING", pairs)
            cur.executemany("INSERT INTO network_touched_links VALUES (%s, %s) ON CONFLICT DO NOTHING", links)
            for table in ("network_texts", "network_links"):  # a post judged again: its new evidence only
                cur.execute(f"DELETE FROM {table} WHERE post_id = ANY(%s)", (posts,))
            cur.executemany(
                f"INSERT INTO network_texts ({rec.TEXT_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (post_id) DO UPDATE SET "
                "channel_id = excluded.channel_id, origin_post_id = excluded.origin_post_id, "
                "origin_channel_id = excluded.origin_channel_id, delay_s = excluded.delay_s, "
                "forward = excluded.forward",
                rec.text_rows(counts),
            )
            cur.executemany(
                "INSERT INTO network_links (post_id, channel_id, link) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                [tuple(x) for x in counts.links],
            )

    def shared_texts(self, max_delay_s: int) -> builtins.list[SharedText]:
        with self.db.read() as conn:
            rows = conn.execute(pyformat(rec.SHARED_TEXTS), (max_delay_s,)).fetchall()
        return [rec.shared_text(r) for r in rows]

    def channel_posts(self) -> dict[int, int]:
        with self.db.read() as conn:
            return {int(c): int(n) for c, n in conn.execute(rec.CHANNEL_POSTS).fetchall()}

    def channel_links(self, min_posts: int) -> dict[int, dict[str, int]]:
        with self.db.read() as conn:
            return rec.link_counts(conn.execute(pyformat(rec.CHANNEL_LINKS), (min_posts,)).fetchall())

    def apart(self) -> set[tuple[int, int]]:
        with self.db.read() as conn:
            return {(int(a), int(b)) for a, b in conn.execute(rec.APART).fetchall()}

    # --- the evidence per pair (0026_network_pairs), counted again only where a batch touched it ---------
    def pairs_key(self) -> str | None:
        """The options the stored pairs were counted with (None: never counted)."""
        with self.db.read() as conn:
            row = conn.execute(rec.PAIRS_KEY).fetchone()
        return None if row is None else str(row[0])

    def touched(self) -> set[tuple[int, int]]:
        """The pairs the batches since the last count touched (``records.networks.touched_pairs``)."""
        with self.db.read() as conn:
            pairs = conn.execute(rec.TOUCHED).fetchall()
            keepers = conn.execute(rec.TOUCHED_KEEPERS).fetchall()
        return rec.touched_pairs(pairs, keepers)

    def pair_inputs(
        self, channels: Iterable[int], max_delay_s: int, min_posts: int
    ) -> tuple[builtins.list[SharedText], dict[int, dict[str, int]]]:
        """The shared texts among ``channels`` within ``max_delay_s``, and the promo links they keep
        (``min_posts`` posts) with every other channel keeping them: what their pairs are counted from."""
        ids = sorted(set(channels))
        with self.db.read() as conn:
            rows = conn.execute(pyformat(rec.PAIR_TEXTS.format(ids=ANY)), (max_delay_s, ids, ids)).fetchall()
            kept = conn.execute(pyformat(rec.PAIR_LINKS.format(ids=ANY)), (ids, min_posts)).fetchall()
        return [rec.shared_text(r) for r in rows], rec.link_counts(kept)

    def pairs(self) -> dict[tuple[int, int], PairEvidence]:
        with self.db.read() as conn:
            return {(e.a, e.b): e for e in map(rec.pair, conn.execute(rec.PAIRS).fetchall())}

    def save_pairs(
        self, touched: Iterable[tuple[int, int]] | None, evidence: Iterable[PairEvidence], key: str
    ) -> None:
        """Replace the ``touched`` pairs' evidence (None: every pair's) by ``evidence``; nothing is
        touched any more, and the pairs are counted with ``key``'s options."""
        with self.db.write() as conn, conn.cursor() as cur:
            if touched is None:
                cur.execute("DELETE FROM network_pairs")
            else:
                cur.executemany(pyformat(rec.DELETE_PAIR), sorted(touched))
            cur.executemany(pyformat(rec.INSERT_PAIR), [rec.pair_row(e) for e in evidence])
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
            return rec.networks(rows, conn.execute(rec.MEMBERS).fetchall())

    def get(self, network_id: int) -> Network:
        return rec.find(self.list(), network_id)

    def of_channel(self, channel_id: int) -> Network | None:
        """The network the channel belongs to (one that counts, else a dismissed one), or None."""
        return rec.of_channel(self.list(), channel_id)

    def save_found(self, networks: Sequence[Network]) -> None:
        """Store ``networks`` as the whole list (id 0: a new one); stored proposals not in it go."""
        with self.db.write() as conn:
            conn.execute("DELETE FROM networks WHERE NOT (id = ANY(%s))", ([n.id for n in networks if n.id],))
            _put(conn, networks)

    # --- the user's decisions -------------------------------------------------------------------------
    def set_state(self, network_id: int, state: str) -> Network:
        """Confirm (``confirmed``) or dismiss (``dismissed``) a network."""
        n = self.get(network_id)
        with self.db.write() as conn:
            _put(conn, [rec.with_state(n, state)])
        return self.get(network_id)

    def rename(self, network_id: int, name: str) -> Network:
        """Name a network; a proposed one is confirmed by it (its members stay as they are)."""
        n = rec.renamed(self.get(network_id), name)
        with self.db.write() as conn:
            _put(conn, [n])
        return self.get(network_id)

    def split(self, network_id: int, channels: Iterable[int]) -> Network:
        """Take ``channels`` out of the network into a network of their own (none when one is left), and
        never link a channel taken out with one that stays. Returns the network that stays (confirmed)."""
        plan = rec.split(self.get(network_id), channels)
        with self.db.write() as conn:
            with conn.cursor() as cur:
                cur.executemany(INSERT_APART, plan.apart)
            _put(conn, plan.networks)
        return self.get(network_id)

    def declare(self, name: str, channels: Iterable[int]) -> Network:
        """A network the user knows of: its channels leave any other network."""
        with self.db.write() as conn:
            nid = _put(conn, rec.declared(name, channels, self.list()))
        return self.get(nid)


def _put(conn: psycopg.Connection, networks: Iterable[Network]) -> int:
    """Write networks and their members (id 0: a new one); the last one's id."""
    nid = 0
    for n in networks:
        evidence = rec.evidence_json(n.evidence)
        if n.id:
            conn.execute(
                "UPDATE networks SET name = %s, state = %s, evidence = %s::jsonb, updated_at = %s "
                "WHERE id = %s",
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
        delete, insert = rec.SET_MEMBERS
        conn.execute(pyformat(delete), (nid,))
        with conn.cursor() as cur:
            cur.executemany(pyformat(insert), [(nid, c) for c in n.channels])
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
    for sql in rec.MOVE_TEXTS:
        conn.execute(pyformat(sql), (keep, drop))
    conn.execute(rec.DROP_SELF_TEXTS)  # one channel now
    touch_channel(conn, keep)  # … and keep's as they are now
    touched = [int(r[0]) for r in conn.execute(pyformat(rec.NETWORKS_OF), (drop,)).fetchall()]
    if not conn.execute(pyformat(rec.IN_A_NETWORK), (keep,)).fetchone():
        conn.execute(pyformat(rec.MOVE_MEMBERS), (keep, drop))
    conn.execute(pyformat(rec.DROP_MEMBER), (drop,))
    pairs = conn.execute(pyformat(rec.APART_OF), (drop,)).fetchall()
    conn.execute(pyformat(rec.DROP_APART), (drop,))
    with conn.cursor() as cur:
        cur.executemany(INSERT_APART, rec.moved_pairs(pairs, keep, drop))
    for nid, raw in conn.execute("SELECT id, evidence::text FROM networks").fetchall():
        evidence = rec.evidence(raw)
        if any(drop in (e.a, e.b) for e in evidence):
            conn.execute(
                "UPDATE networks SET evidence = %s::jsonb, updated_at = %s WHERE id = %s",
                (rec.evidence_json(rec.merged_evidence(evidence, keep, drop)), now_ts(), nid),
            )
    for nid in touched:  # a network the merge left with one channel is none
        row = conn.execute(pyformat(rec.COUNT_MEMBERS), (nid,)).fetchone()
        if row is None or int(row[0]) < 2:
            conn.execute(pyformat(rec.DELETE_NETWORK), (nid,))

"""Networks check: the channel networks found against a list drawn up by reading the posts.

Precision and recall over channel pairs (a pair is positive when both channels are in one network), as in
``tests/data/networks_tg_ru_news_2024.json``: channels named by their ``sender_id`` (the ``-100…`` id of
the dataset), titles only for people.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import orjson

from svodka.errors import InputError
from svodka.ingest import import_file
from svodka.model import Network, bot_api_id
from svodka.pipeline.networks import membership
from svodka.process.networks import rebuild_networks
from svodka.store import Store, open_store

Pair = tuple[int, int]


@dataclass(frozen=True, slots=True)
class NetworksCheck:
    found: tuple[Pair, ...]  # pairs found (sender ids, sorted)
    gold: tuple[Pair, ...]
    networks: tuple[tuple[str, tuple[str, ...]], ...]  # name, member titles

    @property
    def true_positives(self) -> int:
        return len(set(self.found) & set(self.gold))

    @property
    def precision(self) -> float:
        return self.true_positives / len(self.found) if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / len(self.gold) if self.gold else 1.0

    def row(self) -> str:
        return (
            f"channel pairs: precision {self.precision:.2f} ({self.true_positives}/{len(self.found)}), "
            f"recall {self.recall:.2f} ({self.true_positives}/{len(self.gold)})"
        )


def pairs(groups: Iterable[Iterable[int]]) -> set[Pair]:
    """Every pair of channels in one group."""
    return {(min(a, b), max(a, b)) for g in groups for a, b in combinations(sorted(set(g)), 2)}


def read_gold(path: str | Path) -> list[list[int]]:
    """The networks of a list like ``tests/data/networks_tg_ru_news_2024.json``: sender ids per network."""
    try:
        data: Any = orjson.loads(Path(path).read_bytes())
        return [[int(c["sender_id"]) for c in n["channels"]] for n in data["networks"]]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise InputError(str(path), f"not a networks list: {e}") from None


def check_store(
    store: Store, gold: list[list[int]], networks: Iterable[Network] | None = None
) -> NetworksCheck:
    """The store's networks (those that count) against ``gold``."""
    channels = {c.id: c for c in store.channels.list()}
    sender: Mapping[int, int] = {
        cid: bot_api_id(c.tg_id) for cid, c in channels.items() if c.tg_id is not None
    }
    found = [n for n in (store.networks.list() if networks is None else networks) if n.counts]
    return NetworksCheck(
        found=tuple(sorted(pairs([sender[c] for c in n.channels if c in sender] for n in found))),
        gold=tuple(sorted(pairs(gold))),
        networks=tuple((n.name, tuple(channels[c].name for c in n.channels if c in channels)) for n in found),
    )


@dataclass(frozen=True, slots=True)
class NetworkHistory:
    """Posts before a day to learn the channel networks from (a store's history), for a check on one day."""

    posts: Path  # a JSONL file of the dataset's posts (``date`` an ISO time)
    settings: Mapping[str, Any]

    def networks(self, store: Store, day: datetime) -> dict[int, int]:
        """Import the posts dated before ``day`` into ``store``, find its networks: channel → network."""
        with tempfile.TemporaryDirectory(prefix="svodka-history-") as tmp:
            before = Path(tmp) / "before.jsonl"
            cut = day.isoformat()
            with self.posts.open("rb") as src, before.open("wb") as out:
                for line in src:
                    if line.strip() and str(orjson.loads(line).get("date", "")) < cut:
                        out.write(line)
            import_file(store, before)
        return membership(rebuild_networks(store, self.settings))


def evaluate_networks(posts: str | Path, gold_path: str | Path, settings: Mapping[str, Any]) -> NetworksCheck:
    """Import ``posts`` into a scratch store, find its networks from the posts alone, score them."""
    gold = read_gold(gold_path)
    with tempfile.TemporaryDirectory(prefix="svodka-networks-") as tmp:
        store = open_store(Path(tmp) / "n.db")
        with store:
            import_file(store, posts)
            rebuild_networks(store, settings)
            return check_store(store, gold)

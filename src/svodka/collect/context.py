"""What every source collector gets: the store, the HTTP fetcher, the settings, a clock and dice, and the
connections sources open on first use (:class:`Link`, by source kind)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from svodka.collect.config import CollectConfig
from svodka.collect.http import Fetcher
from svodka.store import Store


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Link:
    """A connection a source opens on first use and keeps for the run (MTProto: a signed-in client);
    sources may be added while `watch` runs, so it is not opened before a job needs it."""

    connect: Callable[[], Awaitable[object]] | None = None
    client: object | None = None  # once connected
    error: str | None = None  # why it is not connected, to tell the user on each job
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(slots=True)
class Context:
    store: Store
    fetcher: Fetcher
    cfg: CollectConfig
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], datetime] = utcnow
    links: dict[str, Link] = field(default_factory=dict)  # by source kind

    def link(self, kind: str) -> Link:
        """The connection of the sources of ``kind`` (created empty on first call)."""
        return self.links.setdefault(kind, Link())

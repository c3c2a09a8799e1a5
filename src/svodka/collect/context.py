"""What every source collector gets: the store, the HTTP fetcher, the settings, a clock and dice, and the
connections sources open on first use (:class:`Link`, by source kind)."""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from svodka.collect.config import CollectConfig
from svodka.collect.http import Fetcher
from svodka.errors import ClaimLost
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
    # the seconds the job's claim on its source surely stays held (one job's context: ``run_job``)
    claim_left: Callable[[], float] = field(default=lambda: math.inf)
    claim_key: str = ""

    def for_job(self, key: str, left: Callable[[], float]) -> Context:
        """This context for one job holding the claim on source ``key`` (``left``: the seconds it surely
        stays held): every HTTP request of the job, through ``fetcher``, checks the claim first
        (:meth:`check_claim`; MTProto's requests: :class:`svodka.collect.mtproto.ClaimedClient`)."""
        job = replace(self, claim_left=left, claim_key=key)
        job.fetcher = self.fetcher.checking(job.check_claim)
        return job

    def check_claim(self) -> None:
        """Before each request for a source: raise :class:`ClaimLost` when its claim may have expired
        (a renewal held up for longer than a third of ``collect.claim_ttl``, or refused: the source was
        taken over), so that no two collectors ever read one source at once."""
        if self.claim_left() < self.cfg.claim_ttl / 3:
            raise ClaimLost(
                f"{self.claim_key}: its claim was not renewed in time (a busy store?); another collector "
                "may take the source now, so this one stops here (what it stored is kept)"
            )

    def link(self, kind: str) -> Link:
        """The connection of the sources of ``kind`` (created empty on first call)."""
        return self.links.setdefault(kind, Link())

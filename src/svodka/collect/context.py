"""What every source collector gets: the store, the HTTP fetcher, the settings, a clock and dice."""

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
class Context:
    store: Store
    fetcher: Fetcher
    cfg: CollectConfig
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], datetime] = utcnow
    mtproto: object | None = None  # a connected MTProto source, when one is configured
    mtproto_error: str | None = None  # why it is not, to tell the user on each MTProto job
    # Connects on first use (channels read through MTProto may be added while `watch` runs).
    mtproto_connect: Callable[[], Awaitable[object]] | None = None
    mtproto_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

"""HTTP for the web and RSS sources: one httpx client per proxy, a per-host rate limit, quick retries,
and HTTP failures turned into :class:`~svodka.errors.SourceError` / :class:`RateLimited` messages."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from svodka.collect.config import CollectConfig
from svodka.errors import ConfigError, RateLimited, SourceError
from svodka.sources.telegram_web import NoWebPreview

log = logging.getLogger(__name__)
T = TypeVar("T")


class PermanentError(SourceError):
    """A failure that retrying now will not fix (404, 403, no web preview, a changed layout)."""


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # after redirects
    status: int
    text: str
    headers: Mapping[str, str]


class HostLimiter:
    """At most ``rate`` requests per second to each host; a host that said 429 is left alone."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next: dict[str, float] = {}

    async def acquire(self, host: str) -> None:
        now = time.monotonic()
        at = max(now, self._next.get(host, 0.0))
        self._next[host] = at + self.interval
        if at > now:
            await asyncio.sleep(at - now)

    def block(self, host: str, seconds: float) -> None:
        self._next[host] = max(self._next.get(host, 0.0), time.monotonic() + seconds)


def retry_after(value: str | None, default: float) -> float:
    """Seconds from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return default


class Fetcher:
    """GET with the collector's rules. Use as ``async with Fetcher(cfg) as f: await f.get(url)``."""

    def __init__(self, cfg: CollectConfig) -> None:
        self.cfg = cfg
        self.limiter = HostLimiter(cfg.host_rate)
        self._clients: dict[str | None, httpx.AsyncClient] = {}
        self.requests = 0

    def _client(self, proxy: str | None) -> httpx.AsyncClient:
        client = self._clients.get(proxy)
        if client is None:
            try:
                client = httpx.AsyncClient(
                    proxy=proxy,
                    timeout=self.cfg.timeout,
                    follow_redirects=True,
                    headers={"User-Agent": self.cfg.user_agent, "Accept-Language": "en"},
                    limits=httpx.Limits(max_connections=max(self.cfg.concurrency * 2, 10)),
                )
            except (ValueError, ImportError) as e:
                raise ConfigError(f"proxy {proxy!r} cannot be used: {e}") from None
            self._clients[proxy] = client
        return client

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    async def get(
        self, url: str, headers: Mapping[str, str] | None = None, proxy: str | None = None
    ) -> Response:
        """One GET (no retry): 2xx/304 come back, everything else raises."""
        host = urlsplit(url).netloc
        await self.limiter.acquire(host)
        self.requests += 1
        try:
            resp = await self._client(proxy).get(url, headers=dict(headers or {}))
        except httpx.TimeoutException:
            raise SourceError(f"{url}: no answer within {self.cfg.timeout:g} s") from None
        except httpx.ProxyError as e:
            raise SourceError(f"{url}: proxy {proxy} failed ({e})") from None
        except (httpx.TransportError, httpx.DecodingError) as e:
            raise SourceError(f"{url}: connection failed ({type(e).__name__}: {e})") from None
        if resp.status_code == 429:
            wait = retry_after(resp.headers.get("Retry-After"), self.cfg.backoff_base)
            self.limiter.block(host, wait)
            raise RateLimited(f"{host} asked us to slow down (429, retry after {wait:.0f} s)", wait)
        if resp.status_code >= 500:
            raise SourceError(f"{url}: server error HTTP {resp.status_code}")
        if resp.status_code in (401, 403, 404, 410, 451):
            raise PermanentError(f"{url}: HTTP {resp.status_code} (gone, private or blocked?)")
        if resp.status_code >= 400:
            raise SourceError(f"{url}: HTTP {resp.status_code}")
        return Response(str(resp.url), resp.status_code, resp.text, resp.headers)


async def with_retries(cfg: CollectConfig, attempt: Callable[[], Awaitable[T]], rng: random.Random) -> T:
    """Run ``attempt`` up to ``1 + cfg.retries`` times for transient failures.

    A Retry-After short enough (``collect.max_inline_wait``) is waited out in full, then retried; a
    longer one, or a permanent failure, goes up at once to the scheduler.
    """
    tries = cfg.retries + 1
    for n in range(tries):
        try:
            return await attempt()
        except (PermanentError, NoWebPreview):
            raise
        except RateLimited as e:
            if n == tries - 1 or e.retry_after > cfg.max_inline_wait:
                raise
            log.info("rate limited: waiting %.1f s as asked", e.retry_after)
            await asyncio.sleep(e.retry_after)
        except SourceError as e:
            if n == tries - 1:
                raise
            delay = cfg.retry_delay * (2.0**n) * rng.uniform(0.5, 1.0)
            log.info("%s; retrying in %.1f s", e, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")

"""HTTP for the web and RSS sources: one httpx client per proxy, a per-host rate limit, quick retries,
and HTTP failures turned into :class:`~svodka.errors.SourceError` / :class:`RateLimited` messages.

Every failure of a request becomes a :class:`~svodka.errors.SourceError` — timeouts, resets, redirect
loops, bad URLs, undecodable bodies, any other httpx error — so the scheduler's backoff, breaker and
``svodka status`` see it. Redirects are followed here, hop by hop, each hop through the per-host rate
limit; bodies are streamed and cut off at ``collect.max_page_bytes``.
"""

from __future__ import annotations

import asyncio
import copy
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


MAX_REDIRECTS = 5  # t.me/s/<name> → t.me/<name> is one; a loop is found after this many


class PermanentError(SourceError):
    """A failure that retrying now will not fix (404, 403, no web preview, a changed layout)."""


class BadResponse(SourceError):
    """An answer that a quick retry would only fetch again (a redirect loop, a body over the size
    limit): no retry within the collection, but the source's usual backoff and breaker."""


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


def host_of(url: str) -> str:
    """The ``host:port`` of a URL, or "" for one that cannot be split (``http://[::1``)."""
    try:
        return urlsplit(url).netloc
    except ValueError:
        return ""


def retry_after(value: str | None, default: float) -> float:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), as asked (uncapped)."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return default


def _go_ahead() -> None:
    """A fetcher's check before a request when no job's claim is to be checked: always go ahead."""


class Fetcher:
    """GET with the collector's rules. Use as ``async with Fetcher(cfg) as f: await f.get(url)``."""

    def __init__(self, cfg: CollectConfig) -> None:
        self.cfg = cfg
        self.limiter = HostLimiter(cfg.host_rate)
        self._clients: dict[str | None, httpx.AsyncClient] = {}
        self.requests = 0
        self._check: Callable[[], None] = _go_ahead

    def checking(self, check: Callable[[], None]) -> Fetcher:
        """This fetcher (its clients and host limits) with ``check`` called before every request it sends,
        each redirect hop too, once the host's rate limit lets it go: a job's claim on its source
        (:meth:`svodka.collect.context.Context.for_job`), so no collector can forget it. What ``check``
        raises goes up as it is (``with_retries`` retries none but a SourceError). Close the fetcher it
        came from, not this view."""
        view = copy.copy(self)
        view._check = check
        return view

    def _client(self, proxy: str | None) -> httpx.AsyncClient:
        client = self._clients.get(proxy)
        if client is None:
            try:
                client = httpx.AsyncClient(
                    proxy=proxy,
                    timeout=self.cfg.timeout,
                    follow_redirects=False,  # followed in get(), hop by hop through the limiter
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
        """One GET (no retry), following redirects: 2xx/304 come back, everything else raises
        :class:`~svodka.errors.SourceError` (or a subclass)."""
        try:
            client = self._client(proxy)
            request = client.build_request("GET", url, headers=dict(headers or {}))
        except httpx.InvalidURL as e:
            raise BadResponse(f"{url}: not a URL we can fetch ({e})") from None
        for _hop in range(MAX_REDIRECTS + 1):
            host = request.url.netloc.decode("ascii", "replace")
            await self.limiter.acquire(host)
            self._check()
            self.requests += 1
            resp, text = await self._one(client, request, url, proxy)
            if resp.next_request is None:
                return self._answer(url, host, resp, text)
            request = resp.next_request
        raise BadResponse(
            f"{url}: redirect loop (more than {MAX_REDIRECTS} redirects, the last to {request.url}); "
            "nothing was read"
        )

    async def _one(
        self, client: httpx.AsyncClient, request: httpx.Request, url: str, proxy: str | None
    ) -> tuple[httpx.Response, str]:
        """Send one request (no redirect followed) and read a 2xx body up to the limit; the response
        comes back closed, its ``next_request`` set when it is a redirect."""
        try:
            resp = await client.send(request, stream=True, follow_redirects=False)
            try:
                ok = resp.next_request is None and 200 <= resp.status_code < 300
                body = await self._read(resp, url) if ok else b""
            finally:
                await resp.aclose()
            return resp, _decode(body, resp)
        except httpx.TimeoutException:
            raise SourceError(f"{url}: no answer within {self.cfg.timeout:g} s") from None
        except httpx.ProxyError as e:
            raise SourceError(f"{url}: proxy {proxy} failed ({e})") from None
        except httpx.UnsupportedProtocol as e:
            raise BadResponse(f"{url}: cannot be fetched ({e})") from None
        except (httpx.TransportError, httpx.DecodingError) as e:
            raise SourceError(f"{url}: connection failed ({type(e).__name__}: {e})") from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, httpx.CookieConflict) as e:
            # anything else httpx can raise (a bad redirect target, a broken stream, …)
            raise SourceError(f"{url}: request failed ({type(e).__name__}: {e})") from None
        except OSError as e:  # what the socket layer lets through httpx (too many open files, …)
            raise SourceError(f"{url}: connection failed ({_first(e)})") from None
        except (ValueError, OverflowError, ExceptionGroup) as e:
            # a URL httpx accepts but the socket layer does not (port 99999: an anyio group)
            raise BadResponse(f"{url}: cannot be fetched ({_first(e)})") from None

    async def _read(self, resp: httpx.Response, url: str) -> bytes:
        """The body, streamed, refused beyond ``collect.max_page_bytes`` (counted after decompression)."""
        limit = self.cfg.max_page_bytes
        too_big = BadResponse(
            f"{url}: response larger than collect.max_page_bytes ({limit:,} bytes); "
            "stopped reading, nothing of it was stored"
        )
        declared = resp.headers.get("Content-Length", "")
        if limit > 0 and declared.isdigit() and int(declared) > limit:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
            if limit > 0 and size > limit:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)

    def _answer(self, url: str, host: str, resp: httpx.Response, text: str) -> Response:
        status, headers = resp.status_code, resp.headers
        if status == 429:
            asked = retry_after(headers.get("Retry-After"), self.cfg.backoff_base)
            wait = min(asked, self.cfg.retry_after_cap)
            self.limiter.block(host, wait)
            capped = f", capped at collect.retry_after_cap = {wait:.0f} s" if asked > wait else ""
            raise RateLimited(f"{host} asked us to slow down (429, retry after {asked:.0f} s{capped})", asked)
        if status >= 500:
            raise SourceError(f"{url}: server error HTTP {status}")
        if status in (401, 403, 404, 410, 451):
            raise PermanentError(f"{url}: HTTP {status} (gone, private or blocked?)")
        if status >= 400:
            raise SourceError(f"{url}: HTTP {status}")
        if status >= 300 and status != 304:  # a 3xx without a usable Location
            raise SourceError(f"{url}: HTTP {status} without a place to go")
        return Response(str(resp.url), status, text, headers)


def _first(err: BaseException) -> str:
    """``Type: message`` of an error, or of the first error inside an exception group."""
    while isinstance(err, BaseExceptionGroup) and err.exceptions:
        err = err.exceptions[0]
    return f"{type(err).__name__}: {err}"


def _decode(body: bytes, resp: httpx.Response) -> str:
    """The body as text, in the charset the server named (UTF-8 if none or unknown); bad bytes become
    U+FFFD rather than an exception."""
    charset = resp.charset_encoding or "utf-8"
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


async def with_retries(cfg: CollectConfig, attempt: Callable[[], Awaitable[T]], rng: random.Random) -> T:
    """Run ``attempt`` up to ``1 + cfg.retries`` times for transient failures.

    A Retry-After short enough (``collect.max_inline_wait``) is waited out in full, then retried; a
    longer one, or a permanent failure, goes up at once to the scheduler.
    """
    tries = cfg.retries + 1
    for n in range(tries):
        try:
            return await attempt()
        except (PermanentError, BadResponse, NoWebPreview):
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

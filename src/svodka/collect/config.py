"""The collector's knobs, read once from the settings table (section ``collect`` and ``network``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from svodka.errors import ConfigError


@dataclass(frozen=True, slots=True)
class CollectConfig:
    web_base_url: str = "https://t.me"
    interval: float = 600.0
    max_interval: float = 3600.0  # quiet sources slow down to this
    jitter: float = 0.2
    concurrency: int = 8
    host_rate: float = 2.0  # requests per second per host; 0 means no limit
    retries: int = 2
    retry_delay: float = 1.0
    backoff_base: float = 30.0
    backoff_cap: float = 3600.0
    max_inline_wait: float = 10.0
    retry_after_cap: float = 21600.0  # a Retry-After / FloodWait longer than this is cut to it
    max_page_bytes: int = 10 * 1024 * 1024  # one response body, after decompression; 0: no limit
    breaker_threshold: int = 5
    breaker_cooldown: float = 3600.0
    backfill_posts: int = 200
    backfill_days: int = 0
    edit_window_hours: float = 24.0
    edit_window_pages: int = 2
    telegram_via: str = "web"
    timeout: float = 20.0
    user_agent: str = "svodka"
    proxy: str = ""
    proxies: Mapping[str, str] = field(default_factory=dict)  # handle, @handle or host → proxy URL
    mtproto_proxy: str = ""
    mtproto_ready: bool = True  # telegram.api_id and api_hash are set (MTProto may be used)
    claim_ttl: float = 60.0  # a dead collector's claim on a source expires after this (s)

    def proxy_for(self, *names: str | None) -> str | None:
        """The proxy of the first of ``names`` (handle, host) that has one, else the global one."""
        for name in names:
            if name and (name in self.proxies or name.lower() in self.proxies):
                return self.proxies.get(name) or self.proxies[name.lower()]
        return self.proxy or None


def _proxies(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, url = item.partition("=")
        if not sep or not key.strip() or "://" not in url:
            raise ConfigError(f"collect.proxies: {item!r} is not HANDLE_OR_HOST=scheme://host:port")
        out[key.strip().lstrip("@").lower()] = url.strip()
    return out


def config_from(settings: Mapping[str, Any]) -> CollectConfig:
    """A :class:`CollectConfig` from resolved settings (``app.settings``)."""
    via = str(settings["collect.telegram_via"]).lower()
    if via not in ("web", "mtproto", "auto"):
        raise ConfigError(f"collect.telegram_via must be web, mtproto or auto, not {via!r}")
    for name in ("collect.concurrency", "collect.breaker_threshold"):
        if settings[name] < 1:
            raise ConfigError(f"{name} must be at least 1")
    return CollectConfig(
        web_base_url=settings["telegram.web_base_url"],
        interval=settings["collect.interval"],
        max_interval=settings["collect.max_interval"],
        jitter=min(max(settings["collect.jitter"], 0.0), 0.9),
        concurrency=settings["collect.concurrency"],
        host_rate=settings["collect.host_rate"],
        retries=max(settings["collect.retries"], 0),
        retry_delay=settings["collect.retry_delay"],
        backoff_base=settings["collect.backoff_base"],
        backoff_cap=settings["collect.backoff_cap"],
        max_inline_wait=settings["collect.max_inline_wait"],
        retry_after_cap=max(settings["collect.retry_after_cap"], 0.0),
        max_page_bytes=max(settings["collect.max_page_bytes"], 0),
        breaker_threshold=settings["collect.breaker_threshold"],
        breaker_cooldown=settings["collect.breaker_cooldown"],
        backfill_posts=settings["collect.backfill_posts"],
        backfill_days=settings["collect.backfill_days"],
        edit_window_hours=settings["collect.edit_window_hours"],
        edit_window_pages=settings["collect.edit_window_pages"],
        telegram_via=via,
        timeout=settings["network.timeout"],
        user_agent=settings["network.user_agent"],
        proxy=settings["network.proxy"],
        proxies=_proxies(settings["collect.proxies"]),
        mtproto_proxy=settings["collect.mtproto_proxy"],
        mtproto_ready=bool(settings["telegram.api_id"] and settings["telegram.api_hash"]),
        claim_ttl=max(settings["collect.claim_ttl"], 1.0),
    )

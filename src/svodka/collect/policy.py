"""When to try a source next: recrawl interval with jitter, exponential backoff with a cap, a circuit
breaker per source, and Retry-After / FloodWait that are never cut short — but never longer than
``collect.retry_after_cap`` either (a ``Retry-After`` of 2099 would park a source for good).

Pure functions over :class:`~svodka.model.SourceState`, so the schedule survives restarts (it lives in
the store) and is testable without a clock.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from svodka.collect.config import CollectConfig
from svodka.collect.http import PermanentError
from svodka.errors import RateLimited, SourceError
from svodka.model import SourceState
from svodka.sources.telegram_web import NoWebPreview


def jittered(seconds: float, jitter: float, rng: random.Random) -> float:
    """``seconds`` spread by ±``jitter`` (a fraction), so sources added together drift apart."""
    return max(0.0, seconds * (1.0 + rng.uniform(-jitter, jitter)))


def backoff_delay(failures: int, cfg: CollectConfig, rng: random.Random) -> float:
    """Seconds to wait after the ``failures``-th failure in a row: base·2^(n-1), capped, jittered."""
    raw = cfg.backoff_base * (2.0 ** max(failures - 1, 0))
    return jittered(min(raw, cfg.backoff_cap), cfg.jitter, rng)


def breaker_open(state: SourceState, cfg: CollectConfig) -> bool:
    return state.failures >= cfg.breaker_threshold


def next_interval(state: SourceState, cfg: CollectConfig, active: bool) -> float:
    """The source's own recrawl interval: ``collect.interval`` while it posts; ×1.5 after each run that
    found nothing, up to ``collect.max_interval`` — 1,000 channels, many of them quiet, cost less."""
    if active or cfg.max_interval <= cfg.interval:
        return cfg.interval
    previous = float(state.extra.get("interval", cfg.interval))
    return min(max(previous, cfg.interval) * 1.5, cfg.max_interval)


def on_success(
    state: SourceState, now: datetime, cfg: CollectConfig, rng: random.Random, active: bool = True
) -> SourceState:
    """The state after a good collection: failures cleared, next run one (jittered) interval later."""
    interval = next_interval(state, cfg, active)
    extra = {k: v for k, v in state.extra.items() if k != "wait"}
    extra["interval"] = interval
    return replace(
        state,
        last_success=now,
        failures=0,
        next_attempt=now + timedelta(seconds=jittered(interval, cfg.jitter, rng)),
        extra=extra,
    )


def on_failure(
    state: SourceState, err: BaseException, now: datetime, cfg: CollectConfig, rng: random.Random
) -> SourceState:
    """The state after a failed collection: backoff, the breaker, and the source's own Retry-After."""
    failures = state.failures + 1
    delay = backoff_delay(failures, cfg, rng)
    extra = {k: v for k, v in state.extra.items() if k != "asked_wait"}
    extra["wait"] = "backoff"
    if breaker_open(replace(state, failures=failures), cfg):
        # Open: leave the source alone for a cooldown, then one trial run (half-open).
        delay = max(delay, jittered(cfg.breaker_cooldown, cfg.jitter, rng))
        extra["wait"] = "breaker"
    if isinstance(err, (PermanentError, NoWebPreview)):
        # Gone, private, no preview, HTTP 404: retrying soon will not help; rest like an open breaker.
        delay = max(delay, jittered(cfg.breaker_cooldown, cfg.jitter, rng))
        extra["wait"] = "permanent"
    if isinstance(err, RateLimited):
        # Never earlier than the source asked, whatever backoff says; but no longer than the cap.
        asked = max(err.retry_after, 0.0)
        delay = max(delay, min(asked, cfg.retry_after_cap))
        extra["wait"] = "rate_limited"
        if asked > cfg.retry_after_cap:
            extra["asked_wait"] = min(asked, 1e12)  # what it asked, for `svodka status`
    message = str(err) if isinstance(err, SourceError) else f"{type(err).__name__}: {err}"
    return replace(
        state,
        failures=failures,
        last_error=message[:500],
        last_error_at=now,
        next_attempt=now + timedelta(seconds=delay),
        extra=extra,
    )


def must_wait(state: SourceState, now: datetime) -> bool:
    """True while the source itself asked us to wait (429, FloodWait): even `collect` respects it."""
    return (
        state.extra.get("wait") == "rate_limited"
        and state.next_attempt is not None
        and state.next_attempt > now
    )


def clear_wait(state: SourceState) -> SourceState:
    """The state with its wait lifted (`svodka collect --now`, the health page): the next run may
    start at once. The failure count and last error stay, so a failing source still shows as such."""
    extra = {k: v for k, v in state.extra.items() if k not in ("wait", "asked_wait")}
    return replace(state, next_attempt=None, extra=extra)


def waiting(state: SourceState, now: datetime) -> bool:
    """Whether the source is held back now (backoff, breaker, a Retry-After, resting) — what
    :func:`clear_wait` lifts."""
    return "wait" in state.extra and state.next_attempt is not None and state.next_attempt > now


def due(state: SourceState, now: datetime) -> bool:
    return state.next_attempt is None or state.next_attempt <= now

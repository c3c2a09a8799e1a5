"""Run collections: one cycle over some sources (`svodka collect`), or forever on a schedule
(`svodka watch`) with a concurrency limit, until asked to stop.

Each source's collector stores its own progress as it goes (see :mod:`svodka.collect.web`); the runner
adds health: after a run the source's state gets its next attempt from :mod:`svodka.collect.policy`
(interval with jitter on success; backoff, breaker or the source's Retry-After on failure).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from svodka.collect import policy
from svodka.collect.config import CollectConfig
from svodka.collect.context import Context
from svodka.collect.jobs import Job, NotCollected, Outcome, Plan, plan_for
from svodka.collect.registry import by_kind, parse_channel
from svodka.errors import ClaimLost, ConfigError, SourceError, StoreError
from svodka.model import Channel, SourceState
from svodka.sources.telegram_web import NoWebPreview
from svodka.store import Store

log = logging.getLogger(__name__)


def plan(store: Store, cfg: CollectConfig, channels: Sequence[Channel] | None = None) -> Plan:
    """The jobs for ``channels`` (default: every active channel), and the channels no source takes."""
    if channels is None:
        channels = [c for c in store.channels.list() if c.active]
    handed_over = {s.key for s in store.state.all() if s.extra.get("no_preview")}
    return plan_for(channels, cfg, handed_over)


def named_channels(store: Store, names: Sequence[str]) -> list[Channel]:
    """The channels ``names`` refer to (any reference a registered source reads), added if new."""
    return [store.channels.by_id(store.channels.resolve(parse_channel(n))) for n in names]


def jobs_for(store: Store, telegram_via: str, names: Sequence[str] = ()) -> list[Job]:
    """The sources to collect, MTProto taken as set up: the named channels (added if new), or every
    active channel (see :func:`plan` for the channels left out)."""
    channels = named_channels(store, names) if names else None
    return list(plan(store, CollectConfig(telegram_via=telegram_via), channels).jobs)


def watch_jobs(
    store: Store, cfg: CollectConfig, on_not_collected: Callable[[NotCollected], None]
) -> Callable[[], list[Job]]:
    """The job list for :func:`watch`, re-planned on each call; a channel no source takes is reported
    to ``on_not_collected`` once (again only after it was collectable for a while), never run."""
    told: set[int] = set()

    def current() -> list[Job]:
        p = plan(store, cfg)
        for left in p.not_collected:
            if left.channel.id not in told:
                told.add(left.channel.id)
                on_not_collected(left)
        told.intersection_update(left.channel.id for left in p.not_collected)
        return list(p.jobs)

    return current


def _one_line(err: BaseException) -> str:
    """``Type: message`` on one line, short enough for `svodka status`."""
    text = " ".join(str(err).split())
    return (f"{type(err).__name__}: {text}" if text else type(err).__name__)[:300]


async def run_job(
    job: Job,
    ctx: Context,
    on_done: Callable[[Outcome], None] | None = None,
    seen: SourceState | None = None,
) -> Outcome:
    """Collect one source and record its health; never raises for a source's own failure, whatever the
    collector raised (but a :class:`ConfigError` or :class:`StoreError`, which are not the source's).

    Several collectors may share the store: the source is claimed first (``store.claims``, renewed while
    it runs, expiring when a collector dies), and skipped while another collector holds it — or, given
    the state ``seen`` when it was found due, once another collector has run it since."""
    with ctx.store.claims.hold(job.key, ctx.cfg.claim_ttl) as claim:
        if not claim.held:
            out = Outcome(job.key, skipped=f"being collected by {claim.holder}")
        elif seen is not None and ctx.store.state.get(job.key) != seen:
            out = Outcome(job.key, skipped="collected meanwhile by another collector")
        else:
            return await _collect(job, ctx.for_job(job.key, claim.left), on_done)
    log.debug("%s: %s", job.key, out.skipped)
    if on_done is not None:
        on_done(out)
    return out


async def _collect(job: Job, ctx: Context, on_done: Callable[[Outcome], None] | None) -> Outcome:
    store = ctx.store
    state = store.state.get(job.key)
    try:
        state, outcome = await by_kind(job.kind).collect(job, state, ctx)
        active = bool(outcome.new or outcome.edited or outcome.deleted)
        state = policy.on_success(state, ctx.clock(), ctx.cfg, ctx.rng, active=active)
    except ClaimLost as e:  # not the source's fault either: its checkpoint stays, the next holder goes on
        log.warning("%s", e)
        out = Outcome(job.key, skipped=str(e))
        if on_done is not None:
            on_done(out)
        return out
    except (ConfigError, StoreError):
        raise  # not the source's fault: the setup or the database (watch stops, or tries again next tick)
    except Exception as e:
        # Any other exception fails the source through the same backoff and breaker, a collector's own bug
        # (a parser meeting a shape it did not expect) included: one line naming it, the traceback at debug.
        # The collector checkpointed its progress; start from that, add the failure.
        state = policy.on_failure(store.state.get(job.key), e, ctx.clock(), ctx.cfg, ctx.rng)
        if isinstance(e, NoWebPreview):  # with collect.telegram_via = "auto", MTProto takes over
            state = replace(state, extra={**state.extra, "no_preview": True})
        if isinstance(e, (SourceError, OSError)):
            outcome = Outcome(job.key, error=str(e))
        else:
            log.debug("%s: the collector raised", job.key, exc_info=True)
            outcome = Outcome(job.key, error=_one_line(e))
            state = replace(state, last_error=outcome.error)
        # INFO: the CLI prints the outcome line itself; -v shows the schedule too.
        log.info(
            "%s: %s (attempt %d; next at %s)", job.key, outcome.error, state.failures, state.next_attempt
        )
    store.state.put(state, channel_id=job.channel.id)
    if outcome.error is None:
        outcome.through = state.position
    if on_done is not None:
        on_done(outcome)
    return outcome


async def run_cycle(
    jobs: Sequence[Job], ctx: Context, on_done: Callable[[Outcome], None] | None = None
) -> list[Outcome]:
    """Collect each source once (concurrently, ``collect.concurrency`` at a time).

    The schedule is ignored, except that a source which asked us to wait (429, FloodWait) is skipped
    until then: never retried early.
    """
    sem = asyncio.Semaphore(ctx.cfg.concurrency)
    now = ctx.clock()

    async def one(job: Job) -> Outcome:
        state = ctx.store.state.get(job.key)
        if policy.must_wait(state, now):
            out = Outcome(job.key, skipped=f"rate limited until {state.next_attempt:%Y-%m-%d %H:%M:%S} UTC")
            if on_done is not None:
                on_done(out)
            return out
        async with sem:
            return await run_job(job, ctx, on_done)

    return list(await asyncio.gather(*(one(j) for j in jobs)))


class Followup(Protocol):
    """Work the watch loop does once every source is freshly collected, e.g. the scheduled digests
    (:class:`svodka.scheduled.ScheduledDigests`). ``run`` must not block the event loop."""

    def due_at(self) -> datetime | None:
        """When it next has work (None: nothing planned)."""

    async def run(self, now: datetime) -> Any:
        """Do the work due at ``now``; its own failures are its own to record."""


def _fresh_ok(state: SourceState, now: datetime) -> bool:
    """Whether a catch-up round may collect this source early: healthy, and not asked to wait."""
    return state.failures == 0 and not policy.must_wait(state, now)


async def watch(
    ctx: Context,
    stop: asyncio.Event,
    jobs: Callable[[], Sequence[Job]],
    on_done: Callable[[Outcome], None] | None = None,
    tick: float = 1.0,
    grace: float = 5.0,
    followup: Followup | None = None,
    catch_up: float = 120.0,
) -> int:
    """Collect every source when it is due, until ``stop`` is set; returns the number of runs.

    The job list is re-read each tick, so channels added while it runs are picked up. On stop, runs in
    flight get ``grace`` seconds to finish and are then cancelled — safely, since every page is its own
    transaction.

    When ``followup`` has work due, a catch-up round first collects every healthy source at once (those
    backing off or asked to wait keep their schedule); once the round is over, or after ``catch_up``
    seconds, ``followup.run`` starts and collection goes on beside it.
    """
    sem = asyncio.Semaphore(ctx.cfg.concurrency)
    running: dict[str, asyncio.Task[Outcome]] = {}
    runs = 0
    waiting: set[str] | None = None  # the catch-up round: sources the followup waits for
    round_at = round_end = ctx.clock()
    follow: asyncio.Task[Any] | None = None

    async def guarded(job: Job, seen: SourceState) -> Outcome:
        async with sem:
            return await run_job(job, ctx, on_done, seen)

    def followup_due() -> datetime | None:
        try:
            return followup.due_at() if followup is not None else None
        except StoreError as e:
            log.warning("cannot read the digest schedule: %s", e)
            return None

    while not stop.is_set():
        now = ctx.clock()
        try:
            current = jobs()
            states = {s.key: s for s in ctx.store.state.all()}
        except StoreError as e:
            log.warning("cannot read the channel list: %s", e)
            current, states = [], {}
        starting = False
        if followup is not None and follow is None and waiting is None:
            due = followup_due()
            if due is not None and due <= now:
                waiting, starting = set(), True
                round_at, round_end = now, now + timedelta(seconds=catch_up)
        soonest = tick
        for job in current:
            if job.key in running:
                if starting and waiting is not None:
                    waiting.add(job.key)
                continue
            state = states.get(job.key, SourceState(job.key))
            if policy.due(state, now) or (starting and catch_up > 0 and _fresh_ok(state, now)):
                running[job.key] = asyncio.create_task(guarded(job, state))
                runs += 1
                if starting and waiting is not None:
                    waiting.add(job.key)
            elif state.next_attempt is not None:
                soonest = min(soonest, (state.next_attempt - now).total_seconds())
        if waiting is not None and (not waiting or catch_up <= 0 or now >= round_end):
            assert followup is not None
            follow, waiting = asyncio.ensure_future(followup.run(round_at)), None
        if follow is None and waiting is None and (due := followup_due()) is not None:
            soonest = min(soonest, (due - now).total_seconds())
        stopper = asyncio.ensure_future(stop.wait())
        waiters: set[asyncio.Future[Any]] = {stopper, *running.values()}
        if follow is not None:
            waiters.add(follow)
        await asyncio.wait(waiters, timeout=max(soonest, 0.05), return_when=asyncio.FIRST_COMPLETED)
        for key, task in list(running.items()):
            if task.done():
                del running[key]
                if waiting is not None:
                    waiting.discard(key)
                err = None if task.cancelled() else task.exception()
                if isinstance(err, ConfigError):
                    raise err
                if err is not None:  # e.g. the database locked for too long: try again next time
                    log.error("%s: run failed: %s", key, err)
        if follow is not None and follow.done():
            err = None if follow.cancelled() else follow.exception()
            if err is not None:
                log.error("after collection: %s", err)
            follow = None
        if not stopper.done():
            stopper.cancel()
    pending = [*running.values(), *([follow] if follow is not None else [])]
    if pending:
        _, late = await asyncio.wait(pending, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
    return runs

"""`svodka collect`, `svodka watch`, `svodka status`, `svodka login`: live collection."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from svodka.cli.app import App, command, echo_json
from svodka.collect.config import config_from
from svodka.errors import SvodkaError

if TYPE_CHECKING:
    from svodka.collect import Context, NotCollected, Outcome
    from svodka.collect.config import CollectConfig

# The runner and the HTTP client are imported by the commands that collect (the CLI's start).


def _say(outcome: Outcome, quiet_when_idle: bool = False) -> None:
    if quiet_when_idle and not (outcome.new or outcome.edited or outcome.deleted or outcome.error):
        return
    click.echo(outcome.line())
    sys.stdout.flush()  # a line on stdout means "stored": it must not sit in a buffer when we are killed


async def _with_context(app: App, cfg: CollectConfig, body: Any) -> Any:
    """Run ``body(ctx)`` with an HTTP fetcher, and an MTProto connection opened on first use."""
    from svodka.collect import Context
    from svodka.collect.http import Fetcher

    async with Fetcher(cfg) as fetcher, AsyncExitStack() as stack:
        ctx = Context(app.store, fetcher, cfg)

        async def connect_mtproto() -> object:
            from svodka.sources.telegram_mtproto import connect

            return await stack.enter_async_context(connect(app.settings, cfg.mtproto_proxy))

        ctx.link("mtproto").connect = connect_mtproto
        return await body(ctx)


def _say_not_collected(left: NotCollected) -> None:
    click.echo(left.line(), err=True)


def _say_digest(report: Any) -> None:
    """A delivered digest, as a line on stdout (failures are logged as warnings by the library)."""
    if report.error is None:
        click.echo(report.line())
        sys.stdout.flush()


def _when(dt: datetime | None) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if dt else "-"


def _has_digests(app: App) -> bool:
    """[[digest.jobs]], or digest.schedule set: the check without importing the digest stack."""
    s = app.settings
    return bool(s["digest.jobs"]) or s.origin("digest.schedule") != "default"


def _digest_states(app: App) -> list[tuple[Any, Any]]:
    """The configured digest jobs with their stored state (a job never run: its first slot)."""
    if not _has_digests(app):
        return []
    from svodka.digest.jobs import jobs_from, sync

    now = datetime.now(UTC)
    return [(job, sync(job, app.store.digest_jobs.get(job.name), now)) for job in jobs_from(app.settings)]


def _digest_row(job: Any, st: Any) -> dict[str, Any]:
    p = st.pending
    return {
        "source": f"digest:{job.name}",
        "schedule": job.schedule.text,
        "targets": list(job.targets),
        "last_success": st.last_run,
        "last_error": st.last_error,
        "last_error_at": st.last_error_at,
        "next_attempt": st.due_at(),
        "failures": st.failures,
        "last_digest_id": st.last_digest_id,
        "pending": None
        if p is None
        else {"slot": p.slot, "digest_id": p.digest_id, "done": list(p.done), "retry_at": p.retry_at},
    }


def _lift_waits(app: App, keys: Sequence[str]) -> None:
    """`collect --now`: clear the wait of each source that has one, saying so on stderr."""
    from svodka.collect import policy

    moment = datetime.now(UTC)
    for key in keys:
        state = app.store.state.get(key)
        if policy.waiting(state, moment):
            app.store.state.put(policy.clear_wait(state))
            click.echo(f"{key}: wait until {_when(state.next_attempt)} UTC lifted (--now)", err=True)


def _health(s: Any, cfg: CollectConfig) -> str:
    """The state column of `svodka status`."""
    if not s.failures:
        return "ok"
    health = f"{s.failures} failure(s)" + (" - breaker open" if s.failures >= cfg.breaker_threshold else "")
    if s.extra.get("wait") == "rate_limited":
        health += " - rate limited"
        if s.extra.get("asked_wait"):
            health += (
                f" (asked {float(s.extra['asked_wait']):.0f} s, cut to collect.retry_after_cap "
                f"{cfg.retry_after_cap:.0f} s)"
            )
    elif s.extra.get("wait") == "permanent":
        health += " - resting (gone, private or no preview)"
    return health


def register(cli: click.Group) -> None:
    # ignore_unknown_options: a -100… channel id is an argument, not an option
    @command(cli, "collect", context_settings={"ignore_unknown_options": True})
    @click.argument("channels", nargs=-1)
    @click.option("--backfill", type=click.IntRange(min=0), help="Go back this many posts on new channels.")
    @click.option("--days", type=click.IntRange(min=0), help="… but no further back than this many days.")
    @click.option("--json", "as_json", is_flag=True, help="Print the per-source results as JSON.")
    @click.option(
        "--now",
        is_flag=True,
        help="Lift the sources' waits (Retry-After, backoff, breaker) and collect them at once.",
    )
    def collect(
        app: App,
        channels: tuple[str, ...],
        backfill: int | None,
        days: int | None,
        as_json: bool,
        now: bool,
    ) -> None:
        """Collect once from the named channels (added if new), or from every active one, and exit.

        New channels are backfilled (collect.backfill_posts / --backfill posts, collect.backfill_days /
        --days); known ones get what is new since their saved position, and posts of the last
        collect.edit_window_hours are re-read for edits and deletions. A source that asked us to wait
        (HTTP 429, FloodWait; at most collect.retry_after_cap) is skipped until then, unless --now: that
        lifts the wait of the sources named (or of all) and collects them, `svodka watch` included.
        """
        from svodka.collect import named_channels, plan, run_cycle

        cfg = config_from(app.settings)
        if backfill is not None:
            cfg = replace(cfg, backfill_posts=backfill)
        if days is not None:
            cfg = replace(cfg, backfill_days=days)
        todo = plan(app.store, cfg, named_channels(app.store, channels) if channels else None)
        for left in todo.not_collected:
            _say_not_collected(left)
        jobs = list(todo.jobs)
        if not jobs:
            if todo.not_collected:
                raise SvodkaError(
                    f"none of the {len(todo.not_collected)} channel(s) can be collected (see above)"
                )
            raise SvodkaError("no channels to collect: `svodka channels add @name` first, or name them here")
        if now:
            _lift_waits(app, [job.key for job in jobs])

        async def body(ctx: Context) -> list[Outcome]:
            return await run_cycle(jobs, ctx, on_done=None if as_json else _say)

        outcomes: list[Outcome] = asyncio.run(_with_context(app, cfg, body))
        if as_json:
            echo_json(
                [
                    {
                        k: getattr(o, k)
                        for k in (
                            "key",
                            "new",
                            "edited",
                            "deleted",
                            "restored",
                            "pages",
                            "through",
                            "error",
                            "skipped",
                        )
                    }
                    for o in outcomes
                ]
            )
        failed = [o for o in outcomes if o.error]
        if failed and len(failed) == len(outcomes):
            raise SvodkaError(f"all {len(failed)} source(s) failed (see above; `svodka status` for details)")

    @command(cli, "watch")
    def watch_(app: App) -> None:
        """Keep collecting every active channel on its schedule until stopped (SIGTERM or Ctrl-C), and
        build and deliver the digests of [[digest.jobs]] when they are due.

        Each source is re-read every collect.interval seconds (± collect.jitter), at most
        collect.concurrency at a time and collect.host_rate requests/s per host; failures back off
        exponentially (collect.backoff_base … backoff_cap) and after collect.breaker_threshold in a row
        the source rests for collect.breaker_cooldown. Every page is stored in its own transaction and
        the position saved with it: killed at any moment, nothing reported as stored is lost, and a
        restart resumes where it stopped. Prints one line per run that stored or failed something.

        When a digest is due, every healthy source is collected first (up to digest.fresh_wait seconds),
        new posts are placed into stories (`svodka process`), then the digest is built, saved and
        delivered (files, e-mail, Telegram bot), one line per digest. A failed delivery is logged, shown
        by `svodka status` and retried with backoff; collection goes on. Restarts neither repeat nor skip
        a digest: slots missed while stopped give one digest.
        """
        from svodka.collect import watch, watch_jobs

        cfg = config_from(app.settings)
        store = app.store
        digest_jobs: list[Any] = []
        if _has_digests(app):
            from svodka.digest.jobs import jobs_from

            digest_jobs = jobs_from(app.settings)  # a bad job stops here, before anything runs

        jobs = watch_jobs(store, cfg, _say_not_collected)
        from svodka.monitor.hook import AlertsInWatch

        alerts = AlertsInWatch(store, app.settings)  # after each collection run (svodka.monitor)

        def done(o: Outcome) -> None:
            _say(o, quiet_when_idle=True)
            alerts(o)

        async def body(ctx: Context) -> int:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            followup = None
            also = ""
            if digest_jobs:
                from svodka.scheduled import ScheduledDigests

                followup = ScheduledDigests(
                    store, app.settings, digest_jobs, clock=ctx.clock, on_report=_say_digest
                )
                states = followup.start()
                also = f" and {len(digest_jobs)} digest(s)"
            click.echo(f"watching {len(jobs())} source(s){also}; stop with SIGTERM or Ctrl-C", err=True)
            for job in digest_jobs:
                due = _when(states[job.name].due_at())
                click.echo(f"digest {job.name} ({job.schedule.text}): next at {due} UTC", err=True)
            return await watch(
                ctx,
                stop,
                jobs,
                on_done=done,
                followup=followup,
                catch_up=app.settings["digest.fresh_wait"],
            )

        runs = asyncio.run(_with_context(app, cfg, body))
        click.echo(f"stopped after {runs} run(s); everything reported is stored", err=True)

    @command(cli, "status")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def status(app: App, as_json: bool) -> None:
        """Per source: last success, last error, next attempt, failures in a row, posts collected.
        Per scheduled digest ([[digest.jobs]]): last delivered, last error, next due."""
        cfg = config_from(app.settings)
        states = app.store.state.all()
        digests = _digest_states(app)
        if as_json:
            echo_json(
                [
                    {
                        "source": s.key,
                        "last_success": s.last_success,
                        "last_error": s.last_error,
                        "last_error_at": s.last_error_at,
                        "next_attempt": s.next_attempt,
                        "failures": s.failures,
                        "breaker_open": s.failures >= cfg.breaker_threshold,
                        "wait": s.extra.get("wait") if s.failures else None,
                        "asked_wait_s": s.extra.get("asked_wait"),
                        "retry_after_cap_s": cfg.retry_after_cap,
                        "position": s.position,
                        "posts_collected": s.posts_collected,
                    }
                    for s in states
                ]
                + [_digest_row(job, st) for job, st in digests]
            )
            return
        from svodka.cli.alerts import outbox_lines

        alert_lines = outbox_lines(app.store)  # the alert outbox and its dead letters (svodka.monitor)
        if not states and not digests and not alert_lines:
            click.echo("nothing collected yet: `svodka collect` or `svodka watch`", err=True)
            return
        if states:
            click.echo(f"{'source':<32} {'last success':<19}  {'next attempt':<19}  {'posts':>7}  state")
        for s in states:
            click.echo(
                f"{s.key:<32} {_when(s.last_success):<19}  {_when(s.next_attempt):<19}  "
                f"{s.posts_collected:>7}  {_health(s, cfg)}"
            )
            if s.last_error:
                click.echo(f"{'':<32} last error {_when(s.last_error_at)}: {s.last_error}")
        if states:
            click.echo(
                f"(a source's own wait, Retry-After or FloodWait, is at most {cfg.retry_after_cap:.0f} s: "
                "collect.retry_after_cap; `svodka collect --now NAME` lifts a wait)"
            )
        if digests:
            from svodka.digest.jobs import describe

            if states:
                click.echo()
            click.echo(f"{'digest':<32} {'last delivered':<19}  {'next due':<19}  {'#':>7}  state")
            for job, st in digests:
                number = str(st.last_digest_id) if st.last_digest_id else "-"
                click.echo(
                    f"{'digest:' + job.name:<32} {_when(st.last_run):<19}  {_when(st.due_at()):<19}  "
                    f"{number:>7}  {describe(st, job.targets)}"
                )
                click.echo(f"{'':<32} {job.schedule.text}, period {job.period}, to {', '.join(job.targets)}")
                if st.last_error:
                    click.echo(f"{'':<32} last error {_when(st.last_error_at)}: {st.last_error}")
        for line in alert_lines:
            click.echo(line)

    @command(cli, "login")
    def login(app: App) -> None:
        """Sign in to Telegram once for the MTProto source (asks for phone and code; needs
        telegram.api_id and telegram.api_hash from my.telegram.org)."""
        from svodka.sources.telegram_mtproto import login as do_login

        name = asyncio.run(do_login(app.settings, config_from(app.settings).mtproto_proxy))
        click.echo(f"signed in as {name}; session saved to {app.settings['telegram.session']}")

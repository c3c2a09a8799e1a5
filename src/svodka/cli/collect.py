"""`svodka collect`, `svodka watch`, `svodka status`, `svodka login`: live collection."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import click

from svodka.cli.app import App, command, echo_json
from svodka.collect import Context, Outcome, config_from, jobs_for, run_cycle, watch
from svodka.collect.config import CollectConfig
from svodka.collect.http import Fetcher
from svodka.errors import SvodkaError


def _say(outcome: Outcome, quiet_when_idle: bool = False) -> None:
    if quiet_when_idle and not (outcome.new or outcome.edited or outcome.deleted or outcome.error):
        return
    click.echo(outcome.line())
    sys.stdout.flush()  # a line on stdout means "stored": it must not sit in a buffer when we are killed


async def _with_context(app: App, cfg: CollectConfig, body: Any) -> Any:
    """Run ``body(ctx)`` with an HTTP fetcher, and an MTProto connection opened on first use."""
    async with Fetcher(cfg) as fetcher, AsyncExitStack() as stack:
        ctx = Context(app.store, fetcher, cfg)

        async def connect_mtproto() -> object:
            from svodka.sources.telegram_mtproto import connect

            return await stack.enter_async_context(connect(app.settings, cfg.mtproto_proxy))

        ctx.mtproto_connect = connect_mtproto
        return await body(ctx)


def _when(dt: datetime | None) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if dt else "-"


def register(cli: click.Group) -> None:
    # ignore_unknown_options: a -100… channel id is an argument, not an option
    @command(cli, "collect", context_settings={"ignore_unknown_options": True})
    @click.argument("channels", nargs=-1)
    @click.option("--backfill", type=click.IntRange(min=0), help="Go back this many posts on new channels.")
    @click.option("--days", type=click.IntRange(min=0), help="… but no further back than this many days.")
    @click.option("--json", "as_json", is_flag=True, help="Print the per-source results as JSON.")
    def collect(
        app: App, channels: tuple[str, ...], backfill: int | None, days: int | None, as_json: bool
    ) -> None:
        """Collect once from the named channels (added if new), or from every active one, and exit.

        New channels are backfilled (collect.backfill_posts / --backfill posts, collect.backfill_days /
        --days); known ones get what is new since their saved position, and posts of the last
        collect.edit_window_hours are re-read for edits and deletions. A source that asked us to wait
        (HTTP 429, FloodWait) is skipped until then.
        """
        cfg = config_from(app.settings)
        if backfill is not None:
            cfg = replace(cfg, backfill_posts=backfill)
        if days is not None:
            cfg = replace(cfg, backfill_days=days)
        jobs = jobs_for(app.store, cfg.telegram_via, channels)
        if not jobs:
            raise SvodkaError("no channels to collect: `svodka channels add @name` first, or name them here")

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
        """Keep collecting every active channel on its schedule until stopped (SIGTERM or Ctrl-C).

        Each source is re-read every collect.interval seconds (± collect.jitter), at most
        collect.concurrency at a time and collect.host_rate requests/s per host; failures back off
        exponentially (collect.backoff_base … backoff_cap) and after collect.breaker_threshold in a row
        the source rests for collect.breaker_cooldown. Every page is stored in its own transaction and
        the position saved with it: killed at any moment, nothing reported as stored is lost, and a
        restart resumes where it stopped. Prints one line per run that stored or failed something.
        """
        cfg = config_from(app.settings)
        store = app.store

        def jobs() -> Sequence[Any]:
            return jobs_for(store, cfg.telegram_via)

        async def body(ctx: Context) -> int:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            click.echo(f"watching {len(jobs())} source(s); stop with SIGTERM or Ctrl-C", err=True)
            return await watch(ctx, stop, jobs, on_done=lambda o: _say(o, quiet_when_idle=True))

        runs = asyncio.run(_with_context(app, cfg, body))
        click.echo(f"stopped after {runs} run(s); everything reported is stored", err=True)

    @command(cli, "status")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def status(app: App, as_json: bool) -> None:
        """Per source: last success, last error, next attempt, failures in a row, posts collected."""
        cfg = config_from(app.settings)
        states = app.store.state.all()
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
                        "position": s.position,
                        "posts_collected": s.posts_collected,
                    }
                    for s in states
                ]
            )
            return
        if not states:
            click.echo("nothing collected yet: `svodka collect` or `svodka watch`", err=True)
            return
        click.echo(f"{'source':<32} {'last success':<19}  {'next attempt':<19}  {'posts':>7}  state")
        for s in states:
            health = "ok"
            if s.failures:
                health = f"{s.failures} failure(s)" + (
                    " - breaker open" if s.failures >= cfg.breaker_threshold else ""
                )
                if s.extra.get("wait") == "rate_limited":
                    health += " - rate limited"
                elif s.extra.get("wait") == "permanent":
                    health += " - resting (gone, private or no preview)"
            click.echo(
                f"{s.key:<32} {_when(s.last_success):<19}  {_when(s.next_attempt):<19}  "
                f"{s.posts_collected:>7}  {health}"
            )
            if s.last_error:
                click.echo(f"{'':<32} last error {_when(s.last_error_at)}: {s.last_error}")

    @command(cli, "login")
    def login(app: App) -> None:
        """Sign in to Telegram once for the MTProto source (asks for phone and code; needs
        telegram.api_id and telegram.api_hash from my.telegram.org)."""
        from svodka.sources.telegram_mtproto import login as do_login

        name = asyncio.run(do_login(app.settings, config_from(app.settings).mtproto_proxy))
        click.echo(f"signed in as {name}; session saved to {app.settings['telegram.session']}")

"""`svodka process`, `svodka stories`, `svodka story ID`, `svodka eval stories|pairs`."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from svodka.cli.app import App, command, echo_json
from svodka.cli.browse import AS_OF_HELP
from svodka.cli.digest import as_of_line, display_zone
from svodka.cli.engine import engine_option, with_engine
from svodka.clock import parse_as_of, store_now
from svodka.errors import LeaseLost

if TYPE_CHECKING:
    from tqdm import tqdm

    from svodka.model import Story
    from svodka.store.base import Lease

# The digest's and the pipeline's modules are imported by the commands that use them, so that `process
# --follow` takes its signals early and every command starts without them (tests/test_cli_imports.py).


def _line(story: Story, tz: str = "UTC") -> str:
    from svodka.digest.schema import zone

    lead = " ".join(story.members[0].post.text.split())[:90]
    first, last = story.first_date.astimezone(zone(tz)), story.last_date.astimezone(zone(tz))
    return (
        f"{story.id:>6}  {first:%Y-%m-%d %H:%M}…{last:%H:%M}  "
        f"{len(story.members):>3} posts {len(story.channels):>3} ch {len(story.originals):>3} orig  {lead}"
    )


@contextmanager
def run_progress(log_every: float) -> Iterator[Callable[[int, int], None]]:
    """``on_progress(done, total)`` for the pipeline: a bar with the ETA on a terminal; otherwise a log
    line every ``log_every`` seconds (INFO of svodka.process.progress, shown unless ``--quiet``)."""
    if not sys.stderr.isatty():
        from svodka.process.progress import ProgressLog

        logger = logging.getLogger("svodka.process.progress")
        if logging.getLogger().getEffectiveLevel() <= logging.WARNING:
            logger.setLevel(logging.INFO)
        yield ProgressLog(every=log_every)
        return
    from tqdm import tqdm

    bars: list[tqdm[None]] = []  # made at the first report, when the run's size is known

    def on_progress(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, unit="post", file=sys.stderr, dynamic_ncols=True, leave=False))
        bar = bars[0]
        if bar.total != total:  # an interrupted run finished first, then what arrived since
            bar.total = total
            bar.refresh()
        bar.update(done - bar.n)

    try:
        yield on_progress
    finally:
        for bar in bars:
            bar.close()


def _say_report(report: Any, as_json: bool) -> None:
    if as_json:
        echo_json({k: getattr(report, k) for k in report.__slots__})
        return
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items())
    if not report.posts and report.claimed:  # a worker without the lease: embedding for the one with it
        click.echo(
            f"embedded {report.claimed} posts ({report.embedded} texts) for the worker placing stories "
            f"[{stages}]"
        )
        sys.stdout.flush()
        return
    click.echo(
        f"{report.posts} posts: {report.ads} ads, {report.non_news} non-news, {report.copies} copies, "
        f"{report.embedded} embedded; "
        f"stories: {report.stories_new} new, {report.stories_joined} grown, {report.merges} merged "
        f"[{stages}]"
    )
    sys.stdout.flush()  # a line per run, as it happens (--follow)


def _follow(app: App, engine: str | None, as_json: bool) -> None:
    """`svodka process --follow`: SIGTERM or Ctrl-C ends it after the batch in flight; a second one at
    once (the batch rolls back, and is done again by the next run). The signals are taken before anything
    heavy is imported, so a worker stopped while it starts exits 0 too."""
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    from svodka.process.follow import follow  # numpy, the pipeline: after the signals are ours

    settings = with_engine(app, engine)

    def on_wait(holder: str) -> None:
        click.echo(f"another svodka process is placing stories ({holder}); waiting to take over", err=True)

    click.echo("following new posts; stop with SIGTERM or Ctrl-C", err=True)
    logger = logging.getLogger("svodka.process.follow")
    if logging.getLogger().getEffectiveLevel() <= logging.WARNING:
        logger.setLevel(logging.INFO)
    total = follow(app.store, settings, stop, lambda r: _say_report(r, as_json), on_wait)
    click.echo(f"stopped after {total} post(s); every batch reported is stored", err=True)


def _placed(
    app: App, settings: Any, on_progress: Callable[[int, int], None], lease: Lease, as_json: bool
) -> Any:
    """The run's report; a lost lease (LeaseLost, exit 3) after reporting the batches it committed."""
    from svodka.process import process

    try:
        return process(app.store, settings, on_progress=on_progress, lease=lease)
    except LeaseLost as e:
        if e.done.posts:
            _say_report(e.done, as_json)
        raise


def _embed_claimed(app: App, settings: Any) -> Any:
    """A one-shot worker without the lease: help until the posts stored now are placed (by the holder, or
    by this one once the lease is free); returns the report."""
    from svodka.engine import open_engine
    from svodka.process.follow import help_then_place

    with open_engine(settings) as engine, run_progress(settings["pipeline.progress_every"]) as on_progress:
        return help_then_place(app.store, settings, engine, on_progress)


def register(cli: click.Group) -> None:
    @command(cli, "process")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @click.option(
        "--follow",
        is_flag=True,
        help="Keep processing posts as they arrive, until SIGTERM or Ctrl-C (the batch in flight is "
        "finished). Several workers may follow one store: one places stories, the others embed the "
        "posts it needs next (in claimed batches) and take over when it stops or dies.",
    )
    @engine_option
    def process_(app: App, as_json: bool, follow: bool, engine: str | None) -> None:
        """Run the pipeline on posts new since the last run: ads, copies, embeddings, stories.

        While another `svodka process` places stories, this one embeds the posts it needs next, in
        claimed batches (pipeline.claim_posts), and ends once the posts stored when it started are placed;
        if the other stops or dies first, this one takes over and places the rest itself."""
        if follow:
            _follow(app, engine, as_json)
            return
        settings = with_engine(app, engine)
        with app.store.lease.hold("process", settings["pipeline.lease_ttl"]) as lease:
            if lease.held:
                with run_progress(settings["pipeline.progress_every"]) as on_progress:
                    report = _placed(app, settings, on_progress, lease, as_json)
        if not lease.held:
            click.echo(
                f"another svodka process is placing stories ({lease.holder}); embedding what it needs next "
                "until the posts stored now are placed",
                err=True,
            )
            report = _embed_claimed(app, settings)
            if not report.claimed and not report.posts:
                return
        _say_report(report, as_json)

    @command(cli, "stories")
    @click.option("--since", default="24h", show_default=True, help="Active in the last 24h / 90m / 3d / 1w.")
    @click.option("--min-posts", default=2, show_default=True, help="Hide stories with fewer posts.")
    @click.option("--limit", default=50, show_default=True)
    @click.option("--as-of", "as_of", help=AS_OF_HELP)
    def stories_(app: App, since: str, min_posts: int, limit: int, as_of: str | None) -> None:
        """List stories, the most recently active first."""
        from svodka.digest.period import parse_span

        span = parse_span(since)
        now = store_now(app.store, span, parse_as_of(as_of, "--as-of"))
        tz = display_zone(app)  # display.tz, as the digests and the web app
        if not now.is_live:
            click.echo(as_of_line(now.at, now.basis, tz), err=True)
        from svodka.process.corrections import without_not_news

        listed = app.store.stories.list(since=now.at - span, limit=limit, min_posts=min_posts)
        for s in without_not_news(app.store, listed):  # not what analysts marked not news
            if s.first_date > now.at:
                continue
            click.echo(_line(s, tz))

    @command(cli, "story")
    @click.argument("story_id", type=int)
    def story_(app: App, story_id: int) -> None:
        """One story: its posts in time order, which are copies of which, channels and timeline; then its
        coverage by channel group, a coordinated-posting flag and how its sources differ."""
        from svodka.cli.evidence import evidence_lines
        from svodka.digest.schema import zone

        s = app.store.stories.get(story_id)
        tz = display_zone(app)
        click.echo(_line(s, tz))
        names = {m.post.id: m.post.channel for m in s.members}
        click.echo(f"channels: {', '.join(dict.fromkeys(m.post.channel for m in s.members))}")
        for m in s.members:
            mark = (
                f"copy of #{m.origin_post_id} ({names.get(m.origin_post_id or 0, '?')})"
                if m.is_copy
                else "original"
            )
            text = " ".join(m.post.text.split())[:110]
            click.echo(
                f"  {m.post.date.astimezone(zone(tz)):%m-%d %H:%M}  #{m.post.id:<7} "
                f"{m.post.channel[:20]:<20} "
                f"{m.language or '?':<3} {m.similarity:.2f} {mark}\n      {text}"
            )
        for line in evidence_lines(app.store, s, tz):  # groups, coordinated posting, how sources differ
            click.echo(line)

    @cli.group("eval")
    def eval_() -> None:
        """Measure quality against gold labels."""

    @command(eval_, "stories")
    @click.argument("gold_dir", type=click.Path(file_okay=False, exists=True))
    @click.option("--out", type=click.Path(dir_okay=False), help="Write {key, story} per post as JSONL.")
    @click.option("--embedder", help="Override pipeline.embedder (e5, use, st:MODEL).")
    @click.option(
        "--level",
        type=click.Choice(["development", "story"]),
        default="story",
        show_default=True,
        help="The level printed first and written by --out (both are printed).",
    )
    def eval_stories(app: App, gold_dir: str, out: str | None, embedder: str | None, level: str) -> None:
        """Run the whole pipeline on GOLD_DIR's posts in a fresh store; print B-cubed P/R/F1 at the story
        and the development level."""
        from svodka.evaluate.stories import evaluate_stories, write_predictions

        settings = dict(app.settings.items()) if hasattr(app.settings, "items") else app.settings
        if embedder:
            settings = {**settings, "pipeline.embedder": embedder}
        with run_progress(settings["pipeline.progress_every"]) as on_progress:
            result = evaluate_stories(Path(gold_dir), settings, on_progress=on_progress)
        for name in (level, "development" if level == "story" else "story"):
            scores = result.level(name)
            click.echo(f"all posts : B-cubed {scores.all_posts.row()}  {name} level")
            click.echo(f"news only : B-cubed {scores.news_only.row()}  {name} level")
        r = result.report
        click.echo(
            f"pipeline  : {r.posts} posts, {r.ads} ads, {r.non_news} non-news, {r.copies} copies, "
            f"{r.stories_new} stories, "
            f"{r.total_seconds:.1f} s"
        )
        if out:
            write_predictions(out, result.level(level).predicted)

    @command(eval_, "pairs")
    @click.argument("pairs_dir", type=click.Path(file_okay=False, exists=True))
    @click.option("--embedder", help="Override pipeline.embedder (e5, use, st:MODEL).")
    @click.option("--limit", type=int, default=0, help="Score only the first N pairs (0: all).")
    def eval_pairs(app: App, pairs_dir: str, embedder: str | None, limit: int) -> None:
        """Precision/recall of the clusterer's same-event decision on a labelled pair set, and the
        average precision of its pair score."""
        from svodka.evaluate.pairs_data import evaluate_pairs

        settings = dict(app.settings.items()) if hasattr(app.settings, "items") else app.settings
        if embedder:
            settings = {**settings, "pipeline.embedder": embedder}
        result = evaluate_pairs(Path(pairs_dir), settings, limit=limit)
        click.echo(f"{Path(pairs_dir).name}: {result.row()}")

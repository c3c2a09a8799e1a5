"""`svodka import`: files of posts into the store."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click

from svodka.cli.app import App, command, echo_json, progress
from svodka.errors import InputError, StoreError, SvodkaError
from svodka.sources.files import ReadOptions, formats

if TYPE_CHECKING:
    from svodka.ingest import PostImportReport


def _warn_problems(report: PostImportReport) -> None:
    """One line on stderr per skipped bad record (the first MAX_PROBLEMS), then how many more there were."""
    for b in report.problems:
        click.echo(f"warning: {report.path}, {b.where}: {b.reason} (skipped)", err=True)
    listed = len(report.problems)
    bad = sum(n for why, n in report.skipped.items() if why.startswith("bad "))
    if bad > listed:
        click.echo(f"warning: {report.path}: {bad - listed} more bad records skipped, not listed", err=True)


def _alert_new_posts(app: App) -> None:
    """Watchlists see imported posts as they are stored, as they do in `svodka watch` (svodka.monitor; a
    store without watchlists or targets loads none of it). A failing alert run is one warning line: the
    import is stored already."""
    settings = app.settings
    try:
        if not (settings["watchlists"] or settings["alerts.targets"] or app.store.watchlists.list()):
            return
        from svodka.monitor.run import run_alerts

        r = run_alerts(app.store, settings)
    except SvodkaError as e:
        click.echo(f"warning: alerts not run after the import: {e}", err=True)
        return
    click.echo(
        f"alerts: {r.posts} new post(s) matched against the watchlists; {r.recorded} alert(s) recorded, "
        f"{r.sent.sent} delivered, {r.sent.failed} to retry",
        err=True,
    )


def register(cli: click.Group) -> None:
    format_names = [f.name for f in formats()]

    @command(cli, "import")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
    @click.option(
        "--format", "fmt", type=click.Choice(format_names), help="Skip detection: read as this format."
    )
    @click.option(
        "--map",
        "mapping",
        multiple=True,
        metavar="FIELD=COLUMN",
        help="Column of a JSONL/CSV file that holds a post field (text, date, message_id, channel, "
        "channel_id, views, forwards, url); repeatable.",
    )
    @click.option("--channel", help="Channel to attribute the posts to when the file names none.")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    def import_(
        app: App,
        paths: tuple[str, ...],
        fmt: str | None,
        mapping: tuple[str, ...],
        channel: str | None,
        as_json: bool,
    ) -> None:
        """Import posts from files: Telegram Desktop exports (result.json or messages*.html), JSONL, CSV.

        The format is detected from each file's first bytes (--format forces one). Importing a file again
        stores nothing twice; a post whose text changed is recorded as an edit. A record that cannot be read
        (no date, a bad id, a row with a cell too many …) is skipped with a warning line saying where and
        why; the rest is imported and the skipped records are counted. Each batch is one
        transaction: an interrupted import can be re-run to completion. The new posts are then indexed
        for full-text search.
        """
        columns: dict[str, str] = {}
        for item in mapping:
            field, sep, column = item.partition("=")
            if not sep or not field or not column:
                raise click.BadParameter(f"{item!r} is not FIELD=COLUMN", param_hint="--map")
            columns[field.strip()] = column.strip()
        from svodka.ingest import import_file  # the store's writers: when a file is imported

        options = ReadOptions(mapping=columns, channel=channel)
        settings = app.settings
        reports, failed = [], 0
        for path in paths:
            try:
                with progress(desc=path.rsplit("/", 1)[-1]) as advance:
                    report = import_file(
                        app.store,
                        path,
                        fmt=fmt,
                        options=options,
                        batch_size=settings["store.batch_size"],
                        on_progress=advance,
                        max_bytes=settings["import.max_file_mb"] << 20,
                    )
            except InputError as e:
                if len(paths) == 1:
                    raise  # the entry point prints it as the one error line
                # One bad file does not stop the others; what earlier batches stored stays stored.
                click.echo(f"error: {e}", err=True)
                failed += 1
                continue
            # Make the new posts searchable now, in bulk (cheaper than indexing row by row while storing).
            started = time.perf_counter()
            try:
                with progress(desc="indexing for search") as advance:
                    app.store.posts.index_pending(on_progress=advance)
            except StoreError as e:
                raise type(e)(
                    f"{e} (after importing {path}: its {report.records} posts are stored)"
                ) from None
            index_seconds = time.perf_counter() - started
            reports.append((report, index_seconds))
            _warn_problems(report)
            if not as_json:
                skipped = ", ".join(f"{n} {why}" for why, n in sorted(report.skipped.items())) or "none"
                rate = report.records / report.seconds if report.seconds else 0.0
                click.echo(
                    f"{report.path} ({report.format}): {report.records} posts — {report.saved.new} new, "
                    f"{report.saved.edited} edited, {report.saved.unchanged} unchanged; skipped: {skipped} "
                    f"[{report.seconds:.1f} s, {rate:,.0f} posts/s; search index {index_seconds:.1f} s]"
                )
        if reports:
            _alert_new_posts(app)
        if as_json:
            echo_json(
                [
                    {
                        "path": r.path,
                        "format": r.format,
                        "new": r.saved.new,
                        "edited": r.saved.edited,
                        "unchanged": r.saved.unchanged,
                        "skipped": r.skipped,
                        "problems": [{"where": b.where, "reason": b.reason} for b in r.problems],
                        "seconds": round(r.seconds, 3),
                        "index_seconds": round(index_seconds, 3),
                    }
                    for r, index_seconds in reports
                ]
            )
        if failed:
            raise SvodkaError(f"{failed} of {len(paths)} file(s) could not be imported (see above)")

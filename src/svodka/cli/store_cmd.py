"""`svodka store copy SRC DST`: move a whole store between backends, verified table by table."""

from __future__ import annotations

import click

from svodka.errors import StoreError
from svodka.store.copy import BATCH_ROWS, copy_store, format_report, open_dump


def register(cli: click.Group) -> None:
    @cli.group("store")
    def store() -> None:
        """Whole-store operations: copy a store to another backend."""

    @store.command("copy")
    @click.argument("src")
    @click.argument("dst")
    @click.option(
        "--into-nonempty",
        is_flag=True,
        help="Copy into a destination that already holds data (ids may clash).",
    )
    @click.option(
        "--batch-rows", type=click.IntRange(1), default=BATCH_ROWS, show_default=True, help="Rows per batch."
    )
    def copy(src: str, dst: str, into_nonempty: bool, batch_rows: int) -> None:
        """Copy every table of the store SRC into DST (each a SQLite file or a postgresql:// URL).

        Streamed in batches; a copy that was killed resumes where it stopped when run again. At the end the
        row count and a content checksum of every table are printed, source beside destination, with the
        seconds of the copy and of the verification; a difference exits with status 3 (a store error).
        Bookkeeping is not copied: run leases, source and embedding claims (who works on the source now) and
        their logs.
        """
        source = open_dump(src)
        try:
            dest = open_dump(dst)
            try:
                report = copy_store(source, dest, into_nonempty=into_nonempty, batch_rows=batch_rows)
            finally:
                dest.close()
        finally:
            source.close()
        for line in format_report(report):
            click.echo(line)
        total = sum(c.dest_rows for c in report.checks)
        resumed = " (resumed)" if report.resumed else ""
        click.echo(
            f"copied {report.rows_copied} rows{resumed}; {total} rows in {len(report.checks)} tables"
            f" [copy {report.copy_seconds:.1f} s, verify {report.verify_seconds:.1f} s]"
        )
        if not report.ok:
            bad = [c.name for c in report.checks if not c.ok]
            raise StoreError(f"the copy differs from its source in {', '.join(bad)}")

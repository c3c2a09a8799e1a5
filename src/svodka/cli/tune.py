"""`svodka tune stories`: refit the clusterer's threshold on gold sets with cross-validation by half-day."""

from __future__ import annotations

from pathlib import Path

import click

from svodka.cli.app import App, command, progress
from svodka.settings import CONFIG_FILE


def register(cli: click.Group) -> None:
    @cli.group("tune")
    def tune_() -> None:
        """Refit pipeline settings on gold sets (stories_dev's layout, or a corrections export)."""

    @command(tune_, "stories")
    @click.option(
        "--gold",
        "gold",
        multiple=True,
        required=True,
        type=click.Path(file_okay=False, exists=True),
        help="A gold folder (posts_*.jsonl, stories_*.jsonl); give several to fit on all of them.",
    )
    @click.option("--embedder", help="Override pipeline.embedder (e5, use, st:MODEL).")
    @click.option(
        "--apply",
        "apply_",
        is_flag=True,
        help="Write the fitted threshold to the config file (refused when it loses on the held-out folds).",
    )
    @click.option(
        "--force", is_flag=True, help="With --apply: write it even when it loses on the held-out folds."
    )
    def tune_stories(
        app: App, gold: tuple[str, ...], embedder: str | None, apply_: bool, force: bool
    ) -> None:
        """Refit pipeline.threshold: each half-day of each folder is held out in turn, the threshold is chosen
        on the others, and B-cubed F1 on the held-out half is printed before (the current threshold) and
        after. Nothing is written without --apply; --apply refuses a fit whose held-out mean F1 is below the
        current threshold's, unless --force."""
        from svodka.evaluate.tune import GRID, prepare, tune, write_threshold

        settings = dict(app.settings.items())
        if embedder:
            settings["pipeline.embedder"] = embedder
        days = [prepare(folder, settings) for folder in gold]
        with progress(len(GRID) * len(days), "thresholds", unit="run") as step:
            result = tune(days, settings["pipeline.threshold"], on_step=lambda: step(1))
        for f in result.folds:
            click.echo(
                f"{f.fold}: {f.posts} posts  before F1={f.before.f1:.3f} (threshold {result.current})  "
                f"after F1={f.after.f1:.3f} (threshold {f.threshold}, chosen on the other folds)"
            )
        before, after = result.held_out()
        click.echo(f"held-out mean F1: before {before:.3f}, after {after:.3f}; fitted on all: {result.best}")
        if apply_ and result.loses:
            loss = (
                f"refitting loses on the held-out folds (mean F1 {after:.3f} < {before:.3f} at the current "
                f"threshold {result.current})"
            )
            if not force:
                raise click.ClickException(f"{loss}: nothing written (--force writes {result.best} anyway)")
            click.echo(f"warning: {loss}; writing it as --force says", err=True)
        if apply_:
            path = Path(app.config_path or CONFIG_FILE)
            write_threshold(path, result.best)
            click.echo(f"pipeline.threshold = {result.best} written to {path}")
        else:
            click.echo("nothing written (--apply writes pipeline.threshold to the config file)")

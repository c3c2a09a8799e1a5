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
    @click.option("--apply", "apply_", is_flag=True, help="Write the fitted threshold to the config file.")
    def tune_stories(app: App, gold: tuple[str, ...], embedder: str | None, apply_: bool) -> None:
        """Refit pipeline.threshold: each half-day of each folder is held out in turn, the threshold is chosen
        on the others, and B-cubed F1 on the held-out half is printed before (the current threshold) and
        after. Nothing is written without --apply."""
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
        n = sum(f.posts for f in result.folds) or 1
        before = sum(f.before.f1 * f.posts for f in result.folds) / n
        after = sum(f.after.f1 * f.posts for f in result.folds) / n
        click.echo(f"held-out mean F1: before {before:.3f}, after {after:.3f}; fitted on all: {result.best}")
        if apply_:
            path = Path(app.config_path or CONFIG_FILE)
            write_threshold(path, result.best)
            click.echo(f"pipeline.threshold = {result.best} written to {path}")
        else:
            click.echo("nothing written (--apply writes pipeline.threshold to the config file)")

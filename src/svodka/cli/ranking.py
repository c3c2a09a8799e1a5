"""`svodka eval ranking`: the digest's ranking against hand-written importance grades (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from svodka.cli.app import App, command
from svodka.errors import ConfigError


def register(cli: click.Group) -> None:
    eval_ = cli.commands.get("eval")
    if not isinstance(eval_, click.Group):  # registered by svodka.cli.process, listed before this module
        raise RuntimeError("svodka.cli.ranking needs the `eval` group of svodka.cli.process")

    @command(eval_, "ranking")
    @click.argument("gold_dir", type=click.Path(exists=True))
    @click.option(
        "--grades",
        type=click.Path(dir_okay=False, exists=True),
        required=True,
        help="Importance grades: of a gold folder's stories (tests/data/importance_stories_dev.json), or of "
        "stories listed by their posts (tests/data/importance_2024-12-03.json; GOLD_DIR is then the posts "
        "file, e.g. ../shared/data/tg_ru_news_2024/posts.jsonl, or its folder).",
    )
    @click.option("--day", help="The gold day, YYYY-MM-DD (default: the grades file's `day`).")
    @click.option(
        "--stories",
        type=click.Choice(["gold", "pipeline", "both"]),
        default="gold",
        show_default=True,
        help="Rank the gold stories, the pipeline's own stories (`svodka process`), or both.",
    )
    @click.option("--embedder", help="Override pipeline.embedder for --stories pipeline (e5, use, st:MODEL).")
    @click.option("--show", type=int, default=0, help="Also list the first N cards of each digest.")
    @click.option(
        "--networks-from",
        type=click.Path(dir_okay=False, exists=True),
        help="With --stories gold: channel networks found in this file's posts before the day count once "
        "(e.g. ../shared/data/tg_ru_news_2024/posts.jsonl).",
    )
    def eval_ranking(
        app: App,
        gold_dir: str,
        grades: str,
        day: str | None,
        stories: str,
        embedder: str | None,
        show: int,
        networks_from: str | None,
    ) -> None:
        """Per digest of GOLD_DIR's day and of each half of it: soft stories in the top 10, the share of
        lead stories in the top 15, NDCG@15 and gold stories shown twice, then their mean."""
        import tempfile

        import orjson

        from svodka.evaluate.ranking import graded_folder, read_graded_day, read_grades

        graded = read_grades(grades)
        listed = read_graded_day(grades)
        when = day or orjson.loads(Path(grades).read_bytes()).get("day")
        if listed is None:
            _check(app, gold_dir, graded, when, stories, embedder, show, networks_from)
            return
        posts = Path(gold_dir) / "posts.jsonl" if Path(gold_dir).is_dir() else Path(gold_dir)
        with tempfile.TemporaryDirectory(prefix="svodka-graded-") as tmp:
            folder = graded_folder(listed, posts, tmp)
            _check(app, str(folder), graded, when, stories, embedder, show, networks_from)


def _check(
    app: App,
    gold_dir: str,
    graded: dict[str, int],
    when: object,
    stories: str,
    embedder: str | None,
    show: int,
    networks_from: str | None,
) -> None:
    from svodka.evaluate.networks import NetworkHistory
    from svodka.evaluate.ranking import gold_days, mean_row, pipeline_days
    from svodka.scheduled import digest_options

    try:
        start = datetime.fromisoformat(str(when)).replace(tzinfo=None)
    except ValueError:
        raise ConfigError(f"--day: not a date: {when!r}") from None
    start = start.replace(tzinfo=UTC)
    settings = dict(app.settings.items())
    if embedder:
        settings["pipeline.embedder"] = embedder
    options = digest_options(settings)
    checks = []
    if stories in ("gold", "both"):
        history = NetworkHistory(Path(networks_from), settings) if networks_from else None
        checks += gold_days(gold_dir, graded, start, options, history)
    if stories in ("pipeline", "both"):
        checks += pipeline_days(gold_dir, graded, start, settings, options)
    for c in checks:
        click.echo(c.row())
        if c.twice:
            click.echo(f"  shown twice: {', '.join(c.twice)}")
        for rank, label, grade, headline in c.top[:show]:
            click.echo(f"  {rank:>2}. [{grade or '-'}] {label or '-':<6} {headline[:90]}")
    click.echo(mean_row(checks))

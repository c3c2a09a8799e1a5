"""`svodka questions …`: question triage (issue 7): import, triage, export, report, eval."""

from __future__ import annotations

import time
from pathlib import Path

import click

from svodka.cli.app import App, command, echo_json, progress
from svodka.cli.engine import engine_option, with_engine
from svodka.errors import InputError
from svodka.questions.ingest import BadRow, read_questions


def _mapping(items: tuple[str, ...]) -> dict[str, str]:
    cols: dict[str, str] = {}
    for item in items:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            raise click.BadParameter(f"{item!r} is not FIELD=COLUMN", param_hint="--map")
        cols[field.strip()] = column.strip()
    return cols


def register(cli: click.Group) -> None:
    @cli.group("questions")
    def questions() -> None:
        """Question triage: duplicates merged, grouped into topics and subtopics."""

    @command(questions, "eval")
    @click.argument("path", type=click.Path(exists=True))
    @click.option("--label", default="reason", show_default=True, help="Reference label field.")
    @click.option("--limit", type=int, default=None, help="Use only the first N questions.")
    @click.option("--skip", type=int, default=0, show_default=True, help="Skip the first N questions.")
    @click.option(
        "--split-above",
        type=float,
        default=None,
        help="Fair topic shares above which a loose topic is re-clustered (0: never; default: triage's).",
    )
    def eval_(
        app: App, path: str, label: str, limit: int | None, skip: int, split_above: float | None
    ) -> None:
        """NMI, homogeneity/completeness and purity of topics and subtopics against LABEL, and of the
        TF-IDF → SVD(150) → k-means baseline at equal topic count; the largest topics' shares and the part
        of the NMI each carries (a catch-all: a large share carrying little)."""
        from svodka.questions.kmeans import TopicSettings
        from svodka.questions.quality import baseline, score, shares
        from svodka.questions.run import triage_texts

        p = Path(path)
        file = p / "appeals.jsonl" if p.is_dir() else p
        import json

        texts: list[str] = []
        truth: list[str] = []
        with file.open(encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if n <= skip:
                    continue
                if limit is not None and len(texts) >= limit:
                    break
                rec = json.loads(line)
                if not rec.get("text") or rec.get(label) is None:
                    raise InputError(str(file), f"row {n} has no text or {label}", f"row {n}")
                texts.append(rec["text"])
                truth.append(str(rec[label]))
        with progress(len(texts), "triage", unit="question") as advance:
            a, _, _ = triage_texts(
                texts,
                TopicSettings() if split_above is None else TopicSettings(split_above=split_above),
                on_progress=advance,
            )
        for name, pred in (("topics", a.topic), ("subtopics", a.subtopic)):
            ours = score(truth, pred)
            base = score(truth, baseline(texts, ours.k))
            for who, s in (("svodka", ours), ("baseline", base)):
                click.echo(
                    f"{name:9} {who:8} k={s.k:3d} NMI={s.nmi:.3f} homogeneity={s.homogeneity:.3f} "
                    f"completeness={s.completeness:.3f} purity={s.purity:.3f}"
                )
        for i, sh in enumerate(shares(truth, a.topic)[:3], 1):
            click.echo(f"topics    largest {i}: share={sh.share:.3f} NMI part={sh.nmi_part:.3f}")

    @command(questions, "check")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN")
    def check(app: App, file: str, mapping: tuple[str, ...]) -> None:
        """Read a question file (CSV, JSONL, XLSX) and report good and bad rows (nothing is stored)."""
        cols = _mapping(mapping)
        good = bad = 0
        for item in read_questions(file, cols):
            if isinstance(item, BadRow):
                bad += 1
                click.echo(f"{file}: row {item.row}: {item.reason} (skipped)", err=True)
            else:
                good += 1
        click.echo(f"{file}: {good} questions, {bad} bad rows skipped")

    @command(questions, "import")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option(
        "--map",
        "mapping",
        multiple=True,
        metavar="FIELD=COLUMN",
        help="Column holding a field (text, time, region, channel, id); repeatable.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the counts and time as JSON.")
    def import_(app: App, file: str, mapping: tuple[str, ...], as_json: bool) -> None:
        """Import questions from a CSV, JSONL or XLSX file (streamed; re-importing stores nothing twice)."""
        from svodka.questions.service import import_questions

        t0 = time.perf_counter()
        with progress(desc=Path(file).name, unit="question") as advance:
            rep = import_questions(
                app.store, file, _mapping(mapping), app.settings["questions.batch_size"], advance
            )
        for b in rep.bad:
            click.echo(f"{file}: row {b.row}: {b.reason} (skipped)", err=True)
        if as_json:
            echo_json(
                {
                    "read": rep.read,
                    "new": rep.new,
                    "bad": len(rep.bad),
                    "timings": {"import": time.perf_counter() - t0},
                }
            )
            return
        click.echo(f"{file}: {rep.read} questions, {rep.new} new; {len(rep.bad)} bad rows skipped")

    @command(questions, "triage")
    @click.option(
        "--full",
        is_flag=True,
        help="Re-cluster everything; topics keep their ids where they match the old ones.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the report with stage timings as JSON.")
    @engine_option
    def triage_(app: App, full: bool, as_json: bool, engine: str | None) -> None:
        """Merge duplicates and group questions into topics and subtopics. Once a triage exists, only new
        questions are placed: duplicates join their groups, others the nearest subtopic, and a burst of
        questions that fits no topic becomes a new topic (existing ids never change)."""
        from dataclasses import asdict

        from svodka.engine import open_engine
        from svodka.questions.dedup import DedupSettings
        from svodka.questions.incremental import UpdateSettings
        from svodka.questions.kmeans import TopicSettings
        from svodka.questions.service import run_triage

        s = with_engine(app, engine)
        ts = TopicSettings(topics=s["questions.topics"], subtopics=s["questions.subtopics"])
        ds = DedupSettings(threshold=s["questions.near_duplicate"])
        with (
            open_engine(s) as runner,
            progress(app.store.questions.count(), "triage", unit="question") as advance,
        ):
            rep = run_triage(
                app.store,
                ts,
                ds,
                full=full,
                on_progress=advance,
                update_settings=UpdateSettings(
                    min_topic=s["questions.new_topic_min"], burst=s["questions.new_topic_burst"]
                ),
                engine=runner,
            )
        if as_json:
            echo_json(asdict(rep))
            return
        how = "added to existing topics" if rep.incremental else "full triage"
        new = f", {rep.new_topics} new topics" if rep.incremental else ""
        click.echo(
            f"{rep.questions} questions ({how}): {rep.groups} {'new ' if rep.incremental else ''}"
            f"duplicate groups, {rep.topics} topics, {rep.subtopics} subtopics{new}"
        )

    @command(questions, "export")
    @click.argument("out", type=click.Path(dir_okay=False))
    def export(app: App, out: str) -> None:
        """One CSV row per imported question: id, duplicate group, topic, subtopic, topic label."""
        import csv

        from svodka.questions.service import export_rows

        n = 0
        with open(out, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "group_id", "topic_id", "subtopic_id", "topic_label"])
            for row in export_rows(app.store):
                w.writerow(row)
                n += 1
        click.echo(f"{out}: {n} questions")

    @command(questions, "report")
    @click.argument("out", type=click.Path(dir_okay=False))
    def report(app: App, out: str) -> None:
        """Topics report: OUT.html (charts, works offline), OUT.csv or OUT.xlsx (one row per (sub)topic)."""
        from svodka.questions.report import write_report

        write_report(app.store, Path(out))
        click.echo(out)

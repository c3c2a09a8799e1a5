"""`svodka digest` end to end on the hand-labelled day, the stories coming from gold labels until the
stories repository exists (attached to the real SQLite store the command opens)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import shared
from svodka.cli import cli
from svodka.evaluate.gold import gold_stories
from svodka.store import open_store


@pytest.fixture
def db_with_stories(store_url: str) -> str:
    db = store_url
    store = open_store(db)
    gold = gold_stories(store, shared("stories_dev"))
    # the gold stories, saved as the stories stage saves its own
    store.stories.save((m.post.id, s.id, 1.0) for s in gold.stories for m in s.members)
    store.close()
    return db


def test_digest_command_writes_and_prints(db_with_stories: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    args = [
        "--db",
        str(db_with_stories),
        "digest",
        "--from",
        "2024-11-30",
        "--tz",
        "Europe/Moscow",
        "--top",
        "5",
        "--format",
        "md,html,json",
        "--out",
        str(out),
    ]
    r = runner.invoke(cli, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["digest.html", "digest.json", "digest.md"]
    doc = json.loads((out / "digest.json").read_text())
    assert len(doc["items"]) == 5 and doc["period"]["since"] == "2024-11-30T00:00:00+03:00"
    assert " 1. " in r.stdout and "independent" in r.stdout

    # Same period again: the digest saved for it is an earlier run, not its predecessor (issue 14 §5):
    # the same five; a period ending later follows it, and leaves out the five shown as repeats.
    r2 = runner.invoke(cli, [*args, "--no-save"], catch_exceptions=False)
    doc2 = json.loads((out / "digest.json").read_text())
    assert r2.exit_code == 0 and doc2["repeats_skipped"] == 0 and doc2["previous_id"] is None
    assert [i["story_id"] for i in doc["items"]] == [i["story_id"] for i in doc2["items"]]
    later = [*args[:4], "2024-11-30T12:00", "--to", "2024-12-01T12:00", *args[5:]]
    r2 = runner.invoke(cli, later, catch_exceptions=False)
    doc2 = json.loads((out / "digest.json").read_text())
    assert r2.exit_code == 0 and doc2["previous_id"] == doc["id"] and doc2["repeats_skipped"] > 0

    # --latest: the period ends at the newest stored post, so "the last 24h" of an archive is not empty.
    r3 = runner.invoke(
        cli,
        [
            "--db",
            str(db_with_stories),
            "digest",
            "--latest",
            "--since",
            "24h",
            "--no-save",
            "--format",
            "md",
            "--out",
            str(out),
            "--topic",
            "politics",
        ],
        catch_exceptions=False,
    )
    assert r3.exit_code == 0 and "politics" in r3.stdout


def test_bad_options_are_one_line(db_with_stories: str, tmp_path: Path) -> None:
    runner = CliRunner()
    for extra, msg in (
        (["--format", "odt"], "unknown format"),
        (["--tz", "Mars/Base"], "unknown time zone"),
        (["--since", "yesterday"], "not understood"),
    ):
        r = runner.invoke(cli, ["--db", str(db_with_stories), "digest", "--out", str(tmp_path), *extra])
        assert r.exit_code != 0 and msg in str(r.exception)


def test_credibility_command_explains_each_channel(db_with_stories: str) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["--db", str(db_with_stories), "channels", "set-tier", "РИА Новости", "1"])
    r = runner.invoke(
        cli, ["--db", str(db_with_stories), "credibility", "--days", "3650", "--json"], catch_exceptions=False
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    with open_store(db_with_stories) as store:
        assert len(rows) == len(store.channels.list())  # every channel, with or without stories
    ria = next(x for x in rows if x["channel"] == "РИА Новости")
    assert ria["tier"] == 1 and ria["stories"] > 0 and "corroborated by other channels" in ria["why"]
    assert rows == sorted(rows, key=lambda x: -x["score"])

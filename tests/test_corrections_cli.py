"""`svodka corrections …` on every backend, and its export: the corrected stories in the gold layout,
which `svodka eval stories` reads back and scores the pipeline against."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import shared
from svodka.digest.compose import load_stories
from svodka.errors import CorrectionError, NotFoundError
from svodka.evaluate.stories import read_gold
from svodka.store import open_store

EPOCH, END = datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def morning(tmp_path: Path) -> Path:
    rows = [json.loads(x) for x in (shared("stories_dev") / "posts_2024-11-30.jsonl").open(encoding="utf-8")]
    path = tmp_path / "morning.jsonl"
    early = [r for r in rows if datetime.fromisoformat(r["date"]).astimezone(UTC).hour < 9]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in early), encoding="utf-8")
    return path


def test_corrections_from_the_cli_and_the_export_round_trip(
    cli_run, store_url, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SVODKA_PIPELINE_EMBEDDER", "use")
    assert cli_run("import", str(morning(tmp_path))).exit_code == 0
    assert cli_run("process").exit_code == 0
    with open_store(store_url) as store:
        stories = sorted(load_stories(store, EPOCH, END), key=lambda s: -len(s.members))
    a, b, c = stories[0], stories[1], stories[2]
    moved = a.members[-1].post.id
    out = cli_run("corrections", "move", str(moved), str(b.id), "--user", "ann")
    assert out.exit_code == 0 and out.output.startswith("correction 1: move post"), out.output
    assert cli_run("corrections", "merge", str(c.id), str(stories[3].id), "--user", "bob").exit_code == 0
    assert cli_run("corrections", "not-news", "post", str(c.members[0].post.id)).exit_code == 0
    with pytest.raises(NotFoundError, match="no post with id 999999"):  # main() prints it as one line
        cli_run("corrections", "detach", "999999")
    listed = json.loads(cli_run("corrections", "list", "--json").output)
    assert [x["kind"] for x in listed] == ["not-news-post", "merge", "move"]
    assert listed[2]["user"] == "ann" and listed[2]["target"] == b.id and listed[0]["active"]

    folder = tmp_path / "gold"
    done = cli_run("corrections", "export", str(folder))
    assert done.exit_code == 0, done.output
    _posts, gold, kind = read_gold(folder)
    with open_store(store_url) as store:
        place = store.corrections.story_of_posts([moved])
    # the moved post is labelled with the story it was moved to; the not-news post is noise
    rows = [json.loads(x) for x in _posts[0].open(encoding="utf-8")]
    key_of = {}
    for m in (a.members[-1], b.members[0], c.members[0]):
        row = next(r for r in rows if (r["message_id"], r["text"]) == (m.post.message_id, m.post.text))
        key_of[m.post.id] = f"{row['sender_id']}:{row['message_id']}"
    assert gold[key_of[moved]] == gold[key_of[b.members[0].post.id]] == f"c{place[moved]}"
    assert kind[key_of[c.members[0].post.id]] == "noise"
    assert sum(1 for k in kind.values() if k == "news") >= len(b.members) + 1

    # `svodka eval stories` scores the pipeline on the exported posts against the team's decisions
    scored = cli_run("eval", "stories", str(folder))
    assert scored.exit_code == 0, scored.output
    lines = [x for x in scored.output.splitlines() if x.startswith("all posts")]
    assert lines and all(0.0 < float(x.split("F1=")[1].split()[0]) <= 1.0 for x in lines), scored.output

    undo = cli_run("corrections", "undo", "1")
    assert undo.exit_code == 0 and "undone" in undo.output
    with pytest.raises(CorrectionError, match="undone already"):
        cli_run("corrections", "undo", "1")
    with open_store(store_url) as store:
        assert store.corrections.story_of_posts([moved])[moved] == a.id

"""The held-out topic days (tests/data/topics_2024-11-20.json and topics_2024-11-23.json, and the spent
topics_2024-11-21.json): labelled by hand before any classifier ran on them, well-formed, their stories
rebuilt from the day's posts, and out of everything the lexicon is reviewed against and the models are
trained on (benchmarks/bench_topics.py: TRAINING_FILES, read by benchmarks/train_topics.py). Their figures
are benchmarks/bench_topics.py --held-out, once per settled method."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from conftest import ROOT, open_test_store, shared
from svodka.evaluate.gold import topic_labelled_stories
from svodka.pipeline.story_topics import TOPICS


def _bench_topics() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_topics", ROOT / "benchmarks" / "bench_topics.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _post_keys(path: Path) -> set[str]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if "stories" not in doc:  # topics_stories_dev.json: labels by gold story id
        return set()
    return {k for s in doc["stories"] for k in s["posts"]}


def test_the_held_out_days_are_registered() -> None:
    bench = _bench_topics()
    assert (
        bench.HELD_OUT == "2024-11-20"
        and bench.HELD_OUT_FILE == ROOT / "tests" / "data" / "topics_2024-11-20.json"
    )
    assert bench.SECOND_HELD_OUT == "2024-11-23"
    assert bench.SECOND_HELD_OUT_FILE == ROOT / "tests" / "data" / "topics_2024-11-23.json"
    assert bench.SPENT_HELD_OUT == "2024-11-21"
    assert bench.SPENT_HELD_OUT_FILE == ROOT / "tests" / "data" / "topics_2024-11-21.json"
    assert "spent" in json.loads(bench.SPENT_HELD_OUT_FILE.read_text(encoding="utf-8"))["about"].lower()


@pytest.mark.parametrize(("day", "count"), [("2024-11-20", 63), ("2024-11-23", 50), ("2024-11-21", 74)])
def test_a_held_out_day(backend: str, tmp_path: Path, day: str, count: int) -> None:
    bench = _bench_topics()
    path = ROOT / "tests" / "data" / f"topics_{day}.json"
    held_out = {bench.HELD_OUT_FILE, bench.SECOND_HELD_OUT_FILE, bench.SPENT_HELD_OUT_FILE}
    assert path in held_out
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["day"] == day and "held-out day" in doc["about"].lower()
    stories = doc["stories"]
    assert len(stories) == count and len({s["story"] for s in stories}) == count
    keys = [k for s in stories for k in s["posts"]]
    assert len(keys) == len(set(keys))  # a post in one story only
    for s in stories:
        assert s["topic"] in TOPICS, s["story"]
        assert len(s["posts"]) >= 2 and set(s["copies"]) < set(s["posts"])
        assert s["pipeline_stories"] and s["title"]
    assert len({s["topic"] for s in stories}) >= 7  # a real day's mix, not one topic copied down

    # Out of training: not a file tuning_days reads, every other topics file is one, no post of it in one.
    assert not held_out & set(bench.TRAINING_FILES) and day not in bench.TOPIC_DAYS
    labelled = {*(ROOT / "tests" / "data").glob("topics_*.json")}
    assert labelled - held_out <= set(bench.TRAINING_FILES)
    assert all(f.exists() for f in bench.TRAINING_FILES)
    for f in bench.TRAINING_FILES:
        assert not _post_keys(f) & set(keys), f.name

    # Its stories rebuild from the day's posts, as bench_topics --held-out scores them.
    posts = tmp_path / "posts.jsonl"
    with posts.open("w", encoding="utf-8") as out:
        for line in shared("tg_ru_news_2024", "posts.jsonl").open(encoding="utf-8"):
            if json.loads(line)["date"].startswith(day):
                out.write(line)
    store = open_test_store(backend, tmp_path, "t")
    try:
        rows = topic_labelled_stories(store, path, posts)
    finally:
        store.close()
    assert len(rows) == count
    by_label = {s["story"]: s for s in stories}
    for label, story, topic in rows:
        assert topic == by_label[label]["topic"]
        assert len(story.members) == len(by_label[label]["posts"])
        assert len(story.originals) == len(by_label[label]["posts"]) - len(by_label[label]["copies"])

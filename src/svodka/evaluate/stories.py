"""Evaluate story clustering on a gold folder: the whole pipeline on its posts in a fresh store, scored at
both levels: the *development* (the clusterer's stories) and the *story* (developments grouped by
:mod:`svodka.pipeline.developing`).

Folder layout (as ``stories_dev``): ``posts_*.jsonl`` (tg_ru_news_2024 fields: sender_id, message_id,
date, text, channel) and ``stories_*.jsonl`` (``{"key": "<sender_id>:<message_id>", "story", "kind"}``).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from svodka.errors import InputError
from svodka.evaluate.bcubed import Scores, bcubed
from svodka.ingest import import_file
from svodka.model import bot_api_id
from svodka.pipeline.embed import Embedder
from svodka.process import ProcessReport, process
from svodka.sources.files import ReadOptions

LEVELS = ("development", "story")  # today's clusters; the developments of one event grouped


@dataclass(frozen=True, slots=True)
class LevelEval:
    all_posts: Scores
    news_only: Scores
    predicted: dict[str, str]  # key -> story label ("single:<key>" for posts outside stories)


@dataclass(frozen=True, slots=True)
class StoryEval:
    development: LevelEval
    story: LevelEval
    report: ProcessReport

    def level(self, name: str) -> LevelEval:
        return self.story if name == "story" else self.development

    # the development level, as before there were two
    @property
    def all_posts(self) -> Scores:
        return self.development.all_posts

    @property
    def news_only(self) -> Scores:
        return self.development.news_only

    @property
    def predicted(self) -> dict[str, str]:
        return self.development.predicted


def read_gold(folder: Path) -> tuple[list[Path], dict[str, str], dict[str, str]]:
    posts = sorted(folder.glob("posts_*.jsonl"))
    labels = sorted(p for p in folder.glob("stories_*.jsonl"))
    if not posts or not labels:
        raise InputError(folder, "expected posts_*.jsonl and stories_*.jsonl")
    gold: dict[str, str] = {}
    kind: dict[str, str] = {}
    for path in labels:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                gold[row["key"]] = row["story"]
                kind[row["key"]] = row.get("kind", "news")
            except (ValueError, KeyError) as e:
                raise InputError(path, f"bad gold row: {e}", f"line {n}") from None
    return posts, gold, kind


def evaluate_stories(
    folder: str | Path,
    settings: Mapping[str, Any],
    embedder: Embedder | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    db_path: str | Path | None = None,
) -> StoryEval:
    """Import the folder's posts into a fresh store, run :func:`process`, score against the gold."""
    from svodka.store import open_store

    folder = Path(folder)
    post_files, gold, kind = read_gold(folder)
    with (
        tempfile.TemporaryDirectory(prefix="svodka-eval-") as tmp,
        open_store(Path(db_path) if db_path else Path(tmp) / "eval.db") as store,
    ):
        for f in post_files:
            import_file(store, f, fmt="jsonl", options=ReadOptions())
        report = process(store, settings, on_progress=on_progress, embedder=embedder)
        placed = store.stories.assignments()
        story_of = store.developments.story_of(sorted(set(placed.values())))
        predicted: dict[str, str] = {}
        stories: dict[str, str] = {}
        for post in store.posts.iter():
            channel = store.channels.by_id(post.channel_id)
            sender = str(bot_api_id(channel.tg_id)) if channel.tg_id is not None else channel.name
            key = f"{sender}:{post.message_id}"
            sid = placed.get(post.id)
            predicted[key] = f"s{sid}" if sid is not None else f"single:{key}"
            stories[key] = f"s{story_of.get(sid, sid)}" if sid is not None else f"single:{key}"
    news = [k for k in gold if kind.get(k) == "news"]
    return StoryEval(
        LevelEval(bcubed(gold, predicted), bcubed(gold, predicted, news), predicted),
        LevelEval(bcubed(gold, stories), bcubed(gold, stories, news), stories),
        report,
    )


def write_predictions(path: str | Path, predicted: Mapping[str, str]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for key, story in predicted.items():
            out.write(json.dumps({"key": key, "story": story}, ensure_ascii=False) + "\n")

"""Refit the clusterer's threshold on gold sets (stories_dev's layout, or a corrections export), with
cross-validation by half-day: `svodka tune stories --gold DIR…`.

Each gold folder's posts go through the pipeline once in a fresh store (analysis, copies, embeddings);
then only the clusterer runs again, in memory, once per threshold of the grid, over each folder's posts.
Each half-day (UTC, before and after noon) of each folder is a fold: its threshold is the one that scores
best (mean development-level B-cubed F1 over all posts) on the *other* folds, and the figures printed
for it are those on its own posts — so "after" is measured on posts its choice never saw. The threshold
written by ``--apply`` is the best one over every fold together, and only when the refit does not lose on
the held-out folds (:attr:`Tuning.loses`; ``--force`` writes it anyway).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from svodka.engine import EmbedderSpec
from svodka.evaluate.bcubed import Scores, bcubed
from svodka.evaluate.stories import read_gold
from svodka.ingest import import_file
from svodka.model import PostAnalysis, StoredPost, bot_api_id
from svodka.pipeline.cluster import ClusterSettings
from svodka.pipeline.embed import from_blob
from svodka.process import process
from svodka.process.stages import place, plan_embedding

GRID = tuple(round(0.16 + 0.02 * i, 2) for i in range(13))  # 0.16 … 0.40


@dataclass(frozen=True, slots=True)
class GoldDay:
    """One gold folder's posts after the pipeline's cheap stages and embedding, ready to cluster again."""

    name: str
    posts: tuple[StoredPost, ...]
    rows: dict[int, PostAnalysis]
    vectors: dict[int, np.ndarray]
    keys: dict[int, str]  # post id -> gold key
    gold: dict[str, str]
    folds: dict[str, str]  # gold key -> its fold ("DIR 2024-11-30 am")
    settings: ClusterSettings


@dataclass(frozen=True, slots=True)
class FoldResult:
    fold: str
    posts: int
    threshold: float  # chosen on the other folds
    before: Scores  # at the current threshold
    after: Scores  # at the chosen one


@dataclass(frozen=True, slots=True)
class Tuning:
    current: float
    best: float  # over every fold together (what --apply writes)
    folds: tuple[FoldResult, ...]
    grid: tuple[float, ...]

    def held_out(self) -> tuple[float, float]:
        """Mean held-out F1 over the folds, weighted by their posts: (before, after)."""
        n = sum(f.posts for f in self.folds) or 1
        before = sum(f.before.f1 * f.posts for f in self.folds) / n
        after = sum(f.after.f1 * f.posts for f in self.folds) / n
        return before, after

    @property
    def loses(self) -> bool:
        """Whether refitting did worse on the held-out folds than the current threshold (then ``--apply``
        refuses to write the all-folds fit unless forced: it is the same procedure that lost)."""
        before, after = self.held_out()
        return round(after, 6) < round(before, 6)


def prepare(folder: str | Path, settings: Mapping[str, Any]) -> GoldDay:
    """Import the folder's posts into a fresh store, run the pipeline once, and keep what clustering needs."""
    from svodka.store import open_store

    folder = Path(folder)
    post_files, gold, _kind = read_gold(folder)
    name = EmbedderSpec(settings["pipeline.embedder"], settings["pipeline.device"]).name
    with (
        tempfile.TemporaryDirectory(prefix="svodka-tune-") as tmp,
        open_store(Path(tmp) / "tune.db") as store,
    ):
        for f in post_files:
            import_file(store, f, fmt="jsonl")
        process(store, settings)
        posts = tuple(sorted(store.posts.iter(), key=lambda p: (p.date, p.id)))
        rows = store.analysis.get_many([p.id for p in posts])
        plan = plan_embedding(rows, [])
        vectors = {
            pid: from_blob(b) for pid, b in store.analysis.vectors(name, list(plan.need.items())).items()
        }
        channels = {c.id: c for c in store.channels.list()}
    keys = {}
    for p in posts:
        ch = channels[p.channel_id]
        sender = str(bot_api_id(ch.tg_id)) if ch.tg_id is not None else ch.name
        keys[p.id] = f"{sender}:{p.message_id}"
    folds = {
        keys[p.id]: f"{folder.name} {p.date:%Y-%m-%d} {'am' if p.date.hour < 12 else 'pm'}" for p in posts
    }
    cluster = ClusterSettings.from_settings(settings, name, vectors.values())
    return GoldDay(folder.name, posts, rows, vectors, keys, gold, folds, cluster)


def predict(day: GoldDay, threshold: float) -> dict[str, str]:
    """The clusterer's developments of the day's posts at ``threshold``: gold key -> label."""
    placement = place(day.posts, day.rows, [], day.vectors, replace(day.settings, threshold=threshold))
    story = {pid: sid for pid, sid, _s in placement.assignments}
    return {
        key: f"s{story[pid]}" if pid in story else f"single:{key}"
        for pid, key in day.keys.items()
        if key in day.gold
    }


def tune(
    days: Sequence[GoldDay],
    current: float,
    grid: Sequence[float] = GRID,
    on_step: Callable[[], None] | None = None,
) -> Tuning:
    """Cross-validate the threshold over the half-day folds of ``days`` (see the module's docstring)."""
    grid = tuple(sorted(set(grid) | {current}))
    scores: dict[tuple[float, str], Scores] = {}
    fold_keys: dict[str, list[str]] = {}
    for day in days:
        for key, fold in day.folds.items():
            if key in day.gold:
                fold_keys.setdefault(fold, []).append(key)
    for t in grid:
        for day in days:
            predicted = predict(day, t)
            for fold in {day.folds[k] for k in predicted}:
                scores[t, fold] = bcubed(day.gold, predicted, fold_keys[fold])
            if on_step:
                on_step()

    def best(folds: Sequence[str]) -> float:
        # the mean F1 over the folds; ties go to the threshold nearest the current one
        return max(
            grid, key=lambda t: (round(np.mean([scores[t, f].f1 for f in folds]), 6), -abs(t - current))
        )

    results = []
    for fold in sorted(fold_keys):
        others = [f for f in fold_keys if f != fold] or [fold]
        chosen = best(others)
        results.append(
            FoldResult(fold, len(fold_keys[fold]), chosen, scores[current, fold], scores[chosen, fold])
        )
    return Tuning(current, best(list(fold_keys)), tuple(results), grid)


def write_threshold(config: Path, threshold: float) -> None:
    """Set ``[pipeline] threshold`` in the TOML file ``config`` (made if absent), the rest left as it is."""
    lines = config.read_text(encoding="utf-8").splitlines() if config.exists() else []
    line = f"threshold = {threshold}"
    section = next((i for i, x in enumerate(lines) if x.strip() == "[pipeline]"), None)
    if section is None:
        lines += ([""] if lines else []) + ["[pipeline]", line]
    else:
        end = next(
            (i for i in range(section + 1, len(lines)) if lines[i].strip().startswith("[")), len(lines)
        )
        found = next(
            (i for i in range(section + 1, end) if lines[i].split("=")[0].strip() == "threshold"), None
        )
        if found is None:
            lines.insert(section + 1, line)
        else:
            lines[found] = line
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")

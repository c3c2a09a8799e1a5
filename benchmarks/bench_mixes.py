"""Where the story level's mixes come from: the clusterer's developments, or the story level's links.

    .venv/bin/python benchmarks/bench_mixes.py --keep /tmp/dev-stores
        [--unseen 2024-11-21 --unseen 2024-11-29] [--batch 50] [--perturb 0.002 --seed 0] [--show ROW]

Every row replays the clusterer and then the story stage on the kept stores of ``bench_developing.py
--candidates --keep DIR`` (built here when missing: stories_dev, its halves, each ``--unseen`` day of
tg_ru_news_2024), on one set of e5 vectors. Unlike ``bench_developing.py``, which groups the day's final
developments once, the story stage runs **after every batch** of ``--batch`` posts, as ``svodka process``
does (:func:`svodka.process.develop.develop`: the batch's touched developments linked to the window's,
the clusterer's merges forced, every development's story kept from the batches before), so a rule that
holds only at the end of the day shows it. ``--batch 1000`` is one batch per part, as ``svodka eval
stories`` runs it (``pipeline.batch_posts``).

Rows: the shipped pipeline; the same without the event-time veto (:mod:`svodka.pipeline.event_time`,
session 17: main before it); *oracle* rows, where the developments the story level receives are made pure
by the gold (every post that is not of its development's majority gold story moved into a development of
its own, per gold story) — the most that removing the clusterer's mixes can give the story level, for all
developments or for one mix's; and the candidates measured in session 14 (benchmarks/README.md, "The
clusterer's mixes…"; none shipped): two time rules at the story level (the developments' median post
times at most ``H`` h apart; the gap measured from the earlier development's *live* end, its last post
before a quiet gap of ``Q`` h) and one pair rule in the clusterer (two posts of one channel compared by
meaning and links only, without the lexical term or the same-channel penalty). Unseen days have no gold:
their cells count the stories that change against the first row; ``--show ROW`` lists them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import svodka.pipeline.developing as developing  # noqa: E402
from bench_developing import Cached, Run, _groups, _line, stored_run, unseen_day  # noqa: E402
from bench_story_signals import Memo  # noqa: E402
from eval_stories_halves import halves  # noqa: E402
from svodka.evaluate.bcubed import bcubed  # noqa: E402
from svodka.evaluate.stories import evaluate_stories, read_gold  # noqa: E402
from svodka.pipeline.cluster import ClusterItem, ClusterSettings, StoryClusterer  # noqa: E402
from svodka.pipeline.developing import CapitalisedNames, Development, DevelopSettings, DevLink  # noqa: E402
from svodka.pipeline.embed import make_embedder  # noqa: E402
from svodka.process.develop import Placed, _forced, summarise  # noqa: E402
from svodka.process.stages import cluster_item  # noqa: E402
from svodka.settings import defaults  # noqa: E402

EMBEDDER = "e5-small-q4-query"
GOLD = ("whole day", "morning", "evening")


class OwnChannelByMeaning(StoryClusterer):
    """Candidate (not shipped): two posts of one channel share its wording (templates, signatures,
    footers), so their pair is scored by meaning and links only — no lexical term — and without the
    same-channel penalty (the row sets it to 0)."""

    def _lexical(self, a: ClusterItem, b: ClusterItem) -> float:
        return 0.0 if a.channel_id == b.channel_id else StoryClusterer._lexical(self, a, b)


# A story-level time rule: (the two developments, each development's post times) -> keep the link?
TimeRule = Callable[[Development, Development, dict[int, list[float]]], bool]


def median_rule(hours: float) -> TimeRule:
    """The developments' median post times at most ``hours`` apart."""
    return lambda a, b, times: (
        abs(statistics.median(times[a.id]) - statistics.median(times[b.id])) <= hours * 3600
    )


def live_rule(quiet_hours: float, max_gap_hours: float = 6.0) -> TimeRule:
    """The later development starts within ``max_gap_hours`` of the earlier one's *live* end: its last post
    before the first gap of more than ``quiet_hours`` between its posts (later posts are a tail)."""

    def live_end(ts: list[float]) -> float:
        ts = sorted(ts)
        end = ts[0]
        for t in ts[1:]:
            if t - end > quiet_hours * 3600:
                break
            end = t
        return end

    def keep(a: Development, b: Development, times: dict[int, list[float]]) -> bool:
        early, late = (a, b) if a.first <= b.first else (b, a)
        return late.first - live_end(times[early.id]) <= max_gap_hours * 3600

    return keep


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    clusterer: type[StoryClusterer] = StoryClusterer
    cluster: tuple[tuple[str, float], ...] = ()  # ClusterSettings overrides
    time_rule: TimeRule | None = None
    oracle: frozenset[str] | None = None  # make pure the developments holding these gold stories (empty: all)
    signals_off: frozenset[str] = frozenset()  # story-level signals left out (DevelopSettings.signals)


ROWS = [
    Row("shipped"),
    Row("story level without the event-time veto (before session 17)", signals_off=frozenset({"when"})),
    Row("oracle: every development pure (the clusterer without mixes)", oracle=frozenset()),
    Row("oracle: only the template laws' developments pure", oracle=frozenset({"s090", "s106", "s107"})),
    Row("oracle: only Tbilisi's developments pure", oracle=frozenset({"s002", "s071", "s062"})),
    Row("oracle: only US–Georgia's developments pure", oracle=frozenset({"s132", "s126"})),
    Row("story level: median post times ≤ 6 h apart", time_rule=median_rule(6.0)),
    Row("story level: median post times ≤ 8 h apart", time_rule=median_rule(8.0)),
    Row("story level: gap from the earlier development's live end (quiet 2 h)", time_rule=live_rule(2.0)),
    Row("story level: … live end (quiet 3 h)", time_rule=live_rule(3.0)),
    Row(
        "clusterer: one channel's pairs by meaning only, no penalty",
        OwnChannelByMeaning,
        (("same_channel_penalty", 0.0),),
    ),
]


def replay(
    run: Run, row: Row, batch: int, gold: dict[str, str] | None
) -> tuple[dict[str, str], dict[str, str]]:
    """Each post's story and development label under ``row``: the clusterer over the run's posts in date
    order, the story stage after every ``batch`` posts (as :func:`svodka.process.develop.develop`)."""
    settings = replace(ClusterSettings.from_settings(defaults(), EMBEDDER), **dict(row.cluster))
    clusterer = row.clusterer(settings)
    develop = DevelopSettings.from_settings(defaults(), settings.sem_floor)
    develop = replace(develop, signals=develop.signals - row.signals_off)
    finder = Cached(CapitalisedNames())
    texts = {i[0]: i for i in run.items}
    story_of: dict[int, int] = {}
    oracle = row.oracle is not None and gold is not None
    for start in range(0, len(run.items), batch if not oracle else len(run.items)):
        chunk = run.items[start : start + batch] if not oracle else run.items
        done = len(clusterer.merges)
        for pid, channel, ts, text, links, origin in chunk:
            clusterer.add(cluster_item(pid, channel, ts, text, run.vectors, links, origin))
        merges = clusterer.merges[done:]
        dev_of = dict(clusterer.story_of)
        if oracle:
            assert gold is not None and row.oracle is not None
            dev_of = _pure(run, clusterer, gold, row.oracle)
        touched = {dev_of[i[0]] for i in chunk}
        carried = [(b, story_of[a]) for a, b in merges if a in story_of]
        placed = [Placed(pid, texts[pid][1], texts[pid][2], texts[pid][3], d) for pid, d in dev_of.items()]
        devs = summarise(placed, run.vectors, run.links, finder, story_of)
        times: dict[int, list[float]] = {}
        for p in placed:
            times.setdefault(p.development, []).append(p.ts)
        judge = developing.judge
        if row.time_rule is not None:  # group() judges through the module's name
            developing.judge = _ruled(judge, row.time_rule, times)
        try:
            grouping = developing.group(devs, touched, develop, forced=_forced(devs, carried))
        finally:
            developing.judge = judge
        for a, _b in merges:
            story_of.pop(a, None)
        story_of.update(grouping.story_of)
    stories = {run.keys[pid]: f"s{story_of[d]}" for pid, d in dev_of.items()}
    return stories, {run.keys[pid]: f"d{d}" for pid, d in dev_of.items()}


def _ruled(
    judge: Callable[..., DevLink | None], rule: TimeRule, times: dict[int, list[float]]
) -> Callable[..., DevLink | None]:
    def ruled(a: Development, b: Development, idf: dict[str, float], s: DevelopSettings) -> DevLink | None:
        link = judge(a, b, idf, s)
        return link if link is not None and rule(a, b, times) else None

    return ruled


def _pure(run: Run, clusterer: StoryClusterer, gold: dict[str, str], only: frozenset[str]) -> dict[int, int]:
    """Each post's development, with the posts outside their development's majority gold story moved out
    (one new development per development and gold story); ``only`` limits it to the developments that
    hold a post of those gold stories."""
    out: dict[int, int] = {}
    new: dict[tuple[int, str | None], int] = {}
    for pid, dev in clusterer.story_of.items():
        labels = Counter(gold.get(run.keys[m]) for m in clusterer.members[dev])
        major = labels.most_common(1)[0][0]
        label = gold.get(run.keys[pid])
        if label != major and (not only or only & set(labels)):
            out[pid] = new.setdefault((dev, label), 10**9 + len(new))
        else:
            out[pid] = dev
    return out


def kept_runs(keep: Path, gold_dir: Path, unseen: list[str]) -> dict[str, tuple[Run, Path | None]]:
    """The parts' kept stores (built as ``bench_developing.py --candidates --keep`` builds them)."""
    keep.mkdir(parents=True, exist_ok=True)
    if not (keep / "morning").exists():
        halves(gold_dir, keep)
    folders: dict[str, Path] = {
        "whole day": gold_dir,
        "morning": keep / "morning",
        "evening": keep / "evening",
    }
    channels = {
        json.loads(x)["sender_id"] for p in gold_dir.glob("posts_*.jsonl") for x in p.open() if x.strip()
    }
    for day in unseen:
        folders[day] = unseen_day(
            day, gold_dir.parent / "tg_ru_news_2024" / "posts.jsonl", channels, keep / "days"
        )
    e5: Memo | None = None
    out = {}
    for name, folder in folders.items():
        db = keep / f"{name.replace(' ', '_')}.db"
        if not db.exists():
            e5 = e5 or Memo(make_embedder("e5"))
            t = time.perf_counter()
            evaluate_stories(folder, defaults(), embedder=e5, db_path=db)
            print(f"pipeline on {name}: {time.perf_counter() - t:.0f} s (kept in {db})", file=sys.stderr)
        out[name] = (stored_run(db, EMBEDDER), folder if name in GOLD else None)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold_dir", type=Path, nargs="?", default=ROOT.parent / "shared" / "data" / "stories_dev")
    ap.add_argument("--keep", type=Path, required=True, help="the parts' stores (reused; built when missing)")
    ap.add_argument("--unseen", action="append", default=[], help="a tg_ru_news_2024 day (YYYY-MM-DD)")
    ap.add_argument("--batch", type=int, default=50, help="posts per batch of the story stage")
    ap.add_argument("--perturb", type=float, default=0.0, help="Gaussian noise on every vector (e.g. 0.002)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", type=int, help="list the stories row N (0-based) changes against the first")
    args = ap.parse_args()
    parts = kept_runs(args.keep, args.gold_dir, args.unseen)
    if args.perturb:  # one noise stream over all parts, in part order
        rng = np.random.default_rng(args.seed)
        for run, _f in parts.values():
            for pid in sorted(run.vectors):
                v = run.vectors[pid] + rng.normal(0.0, args.perturb, run.vectors[pid].shape).astype(
                    np.float32
                )
                run.vectors[pid] = (v / np.linalg.norm(v)).astype(np.float32)
        print(f"vectors perturbed: sigma {args.perturb}, seed {args.seed}")
    golds = {name: read_gold(folder)[1] for name, (_r, folder) in parts.items() if folder is not None}
    print(f"story stage every {args.batch} posts")
    print(
        "| row | "
        + " | ".join(
            f"{n}: story P / R / F1 (development F1)" if n in golds else f"{n}: changed" for n in parts
        )
        + " |"
    )
    print("| --- |" + " --- |" * len(parts))
    first: dict[str, dict[str, str]] = {}
    for i, row in enumerate(ROWS):
        cells = []
        for name, (run, _folder) in parts.items():
            gold = golds.get(name)
            if row.oracle is not None and gold is None:
                cells.append("")
                continue
            stories, devs = replay(run, row, args.batch, gold)
            base = first.setdefault(name, stories)
            if gold is not None:
                s = bcubed(gold, {k: stories.get(k, f"single:{k}") for k in gold})
                d = bcubed(gold, {k: devs.get(k, f"single:{k}") for k in gold})
                cells.append(f"{s.precision:.3f} / {s.recall:.3f} / **{s.f1:.3f}** ({d.f1:.3f})")
            else:
                old, new = _groups(base), _groups(stories)
                cells.append(f"{len(old - new)} → {len(new - old)}")
            if args.show == i and i:
                _changes(name, run, base, stories)
        print(f"| {row.label} | " + " | ".join(cells) + " |", flush=True)


def _changes(name: str, run: Run, before: dict[str, str], after: dict[str, str]) -> None:
    old, new = _groups(before), _groups(after)
    text = {run.keys[i[0]]: (i[2], i[3]) for i in run.items}
    for g in sorted(old - new, key=len, reverse=True):
        print(f"  {name} was " + _line(g, text), file=sys.stderr)
        for h in sorted((h for h in new - old if h & g), key=len, reverse=True):
            print("     now " + _line(h, text), file=sys.stderr)


if __name__ == "__main__":
    main()

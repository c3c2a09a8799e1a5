"""Developing stories: what each signal adds when the day's developments (clusters) are grouped into stories.

    .venv/bin/python benchmarks/bench_developing.py [../shared/data/stories_dev] [--names caps,natasha]

The pipeline (``evaluate_stories``, default settings) runs once on the whole day and once on each half
(00–12 and 12–24 UTC), each in a fresh store; then its developments are grouped into stories
(:func:`svodka.pipeline.developing.group`) under each row's signals, and the stories scored against the
gold by B-cubed (all posts / news only). The rows add one signal at a time: the centroid alone, + names
(natasha's NER or the capitalised-word heuristic), + shared links and hashtags, + the time limit, + names
coverage (every post of the smaller development names a rare core name of the other). Then
the errors left at the shipped settings: gold stories still split, predicted stories that mix two.

    .venv/bin/python benchmarks/bench_developing.py --candidates --keep /tmp/dev-stores
        [--unseen 2024-11-27 --unseen 2024-12-03] [--show]

``--candidates`` measures the precision candidates of issue 15's ninth pass instead, each alone and
together (only the quiet story shipped; benchmarks/README.md): the story level's *quiet gap* (two
developments more than ``Q`` h apart are never linked), *chain* (a development also has to pass the rules
against the newest development of the story it joins, not only against some member), *budget* (two
stories join only when their developments' post-weighted mean cross similarity reaches ``B``), and the
clusterer's *quiet story* (a story without a post for ``Q`` h takes a post only at ``threshold + M``).
Every row replays the clusterer on the stored posts and vectors, the first with the quiet story off (as
before this pass). Parts: the whole day and the halves of ``eval_stories_halves.py`` (before / from the
median time), and each ``--unseen`` day of tg_ru_news_2024 (the stories_dev channels; no gold: the
stories that change against the first row, listed with ``--show`` to be read by hand). ``--keep DIR``
keeps every part's store (posts, vectors) and reuses it on the next run, so every row and every later
run compares on one set of e5 vectors — two fresh runs differ by up to 0.01 (batching).

``--candidates --recall`` replays the tenth pass's recall candidates instead (none shipped;
benchmarks/README.md "The quiet story again…"): a shared rare name (:class:`Rare`: by IDF, by how many
developments name it, or a core name of both) under a lower centroid bar, and one channel's consecutive
posts (a follow-up chain).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_story_signals import Memo  # noqa: E402
from eval_stories_halves import halves  # noqa: E402
from svodka.evaluate.bcubed import bcubed  # noqa: E402
from svodka.evaluate.stories import evaluate_stories, read_gold  # noqa: E402
from svodka.model import bot_api_id  # noqa: E402
from svodka.pipeline.cluster import ClusterSettings, StoryClusterer  # noqa: E402
from svodka.pipeline.developing import (  # noqa: E402
    CapitalisedNames,
    Development,
    DevelopSettings,
    NameFinder,
    NatashaNames,
    _Sets,
    group,
    judge,
    name_weights,
)
from svodka.pipeline.embed import from_blob, make_embedder  # noqa: E402
from svodka.pipeline.pairs import close_pairs  # noqa: E402
from svodka.process.develop import Placed, summarise  # noqa: E402
from svodka.process.stages import cluster_item  # noqa: E402
from svodka.settings import defaults  # noqa: E402
from svodka.store import open_store  # noqa: E402


def split_day(gold_dir: Path, out: Path) -> dict[str, Path]:
    """``out/00-12`` and ``out/12-24``: each half's posts (by UTC hour) and its gold rows."""
    rows = [json.loads(x) for p in sorted(gold_dir.glob("posts_*.jsonl")) for x in p.open() if x.strip()]
    labels = [json.loads(x) for p in sorted(gold_dir.glob("stories_*.jsonl")) for x in p.open() if x.strip()]
    parts = {}
    for name, keep in (("00-12", lambda h: h < 12), ("12-24", lambda h: h >= 12)):
        part = [r for r in rows if keep(datetime.fromisoformat(r["date"]).astimezone(UTC).hour)]
        keys = {f"{r['sender_id']}:{r['message_id']}" for r in part}
        folder = out / name
        folder.mkdir()
        (folder / "posts_half.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part), "utf-8")
        gold = [g for g in labels if g["key"] in keys]
        (folder / "stories_half.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold), "utf-8")
        parts[name] = folder
    return parts


def load(folder: Path, db: Path, embedder: Memo) -> tuple[list[Placed], dict, dict[int, str], float]:
    """Run the pipeline into ``db``; its placed posts, vectors, and each post's gold key."""
    evaluate_stories(folder, defaults(), embedder=embedder, db_path=db)
    with open_store(db) as store:
        stories = store.stories.in_period(datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
        ids = [m.post.id for s in stories for m in s.members]
        rows = store.analysis.get_many(ids)
        blobs = store.analysis.vectors(embedder.name, [(i, rows[i].text_hash) for i in ids if i in rows])
        links = store.developments.post_links(ids)
        placed = [
            Placed(m.post.id, m.post.channel_id, m.post.date.timestamp(), rows[m.post.id].norm_text, s.id)
            for s in stories
            for m in s.members
        ]
        keys = {}
        for p in store.posts.iter():
            ch = store.channels.by_id(p.channel_id)
            keys[p.id] = f"{bot_api_id(ch.tg_id) if ch.tg_id is not None else ch.name}:{p.message_id}"
    vectors = {pid: from_blob(b) for pid, b in blobs.items()}
    return placed, (vectors, links), keys, 0.0


def score(placed, extra, keys, gold, kind, finder, settings: DevelopSettings | None):
    vectors, links = extra
    dev_of = {p.post_id: p.development for p in placed}
    if settings is None:
        story = dev_of
    else:
        devs = summarise(placed, vectors, links, finder, {})
        story = group(devs, [d.id for d in devs], settings).story_of
        story = {pid: story[d] for pid, d in dev_of.items()}
    predicted = {keys[pid]: f"s{sid}" for pid, sid in story.items()}
    news = [k for k in gold if kind.get(k) == "news"]
    return bcubed(gold, predicted), bcubed(gold, predicted, news), predicted


class Cached:
    """A name finder that finds each text's names once (the rows rerun it on the same texts)."""

    def __init__(self, inner: NameFinder) -> None:
        self.inner, self.name, self.seen = inner, inner.name, {}

    def names(self, texts):
        missing = [t for t in dict.fromkeys(texts) if t not in self.seen]
        if missing:
            self.seen.update(zip(missing, self.inner.names(missing), strict=True))
        return [self.seen[t] for t in texts]


def rows_for(shipped: DevelopSettings) -> list[tuple[str, str, DevelopSettings | None]]:
    off = 9.0  # a rule that never fires
    base = replace(shipped, centroid_cover=math.inf)  # the rows before the names coverage rule
    return [
        ("development level (today's clusters)", "caps", None),
        (
            "centroid only",
            "caps",
            replace(base, centroid_names=off, centroid_link=off, signals=frozenset({"centroid"})),
        ),
        (
            "+ names: capitalised words",
            "caps",
            replace(base, centroid_link=off, signals=frozenset({"centroid", "names"})),
        ),
        (
            "+ names: natasha NER",
            "natasha",
            replace(base, centroid_link=off, signals=frozenset({"centroid", "names"})),
        ),
        (
            "+ names (caps) + links/hashtags",
            "caps",
            replace(base, signals=frozenset({"centroid", "names", "links"})),
        ),
        ("+ names (caps) + links + time limit", "caps", base),
        ("+ names coverage (every post names the other's core) (shipped)", "caps", shipped),
        ("+ names (natasha) + links + time limit + coverage", "natasha", shipped),
    ]


def errors(
    predicted: dict[str, str], gold: dict[str, str], kind: dict[str, str], titles: dict[str, str]
) -> None:
    news = [k for k in gold if kind.get(k) == "news"]
    by_gold: dict[str, Counter[str]] = defaultdict(Counter)
    by_pred: dict[str, Counter[str]] = defaultdict(Counter)
    for k in news:
        by_gold[gold[k]][predicted.get(k, k)] += 1
        by_pred[predicted.get(k, k)][gold[k]] += 1
    split = sorted((g for g, c in by_gold.items() if len(c) > 1), key=lambda g: -sum(by_gold[g].values()))
    print(f"\ngold stories still split ({len(split)}):")
    for g in split:
        parts = "/".join(str(n) for _s, n in by_gold[g].most_common())
        print(f"  {g} {titles.get(g, '')[:60]!r}: {sum(by_gold[g].values())} posts in parts {parts}")
    mixed = sorted((p for p, c in by_pred.items() if len(c) > 1), key=lambda p: -sum(by_pred[p].values()))
    print(f"predicted stories that mix gold stories ({len(mixed)}):")
    for p in mixed:
        print("  " + ", ".join(f"{g} {titles.get(g, '')[:40]!r} ×{n}" for g, n in by_pred[p].most_common()))


# --- the ninth pass's precision candidates (--candidates; none shipped) -----------------------------------


def regroup(
    devs: list[Development],
    settings: DevelopSettings,
    quiet: float | None = None,
    chain: bool = False,
    budget: float | None = None,
    rare: Rare | None = None,
    follow: tuple[float, float] | None = None,
    follows: frozenset[tuple[int, int]] = frozenset(),
) -> dict[int, int]:
    """:func:`group` over all ``devs`` (every one touched), each link judged by the shipped rules and then
    refused by the candidates asked for: ``quiet`` (hours) a gap too long, ``chain`` a later development
    that fails the rules against the newest development (by its last post) of the story it would join,
    ``budget`` two stories whose developments' post-weighted mean cross similarity is below it. Links are
    taken in the order a run sees them (by the later development's first post); without a candidate this is
    :func:`group`'s own grouping."""
    idf = name_weights(devs)
    sets = _Sets()
    members: dict[int, list[Development]] = {d.id: [d] for d in devs}
    for d in devs:
        sets.find(d.id)
    bars = [rare.centroid] if rare else []
    lowest = min([settings.lowest, *bars] + ([follow[0]] if follow else []))
    df = Counter(n for d in devs for n in d.names)
    pairs = sorted(
        close_pairs(devs, {d.id for d in devs}, settings.sem_floor, lowest),
        key=lambda ab: max(ab[0].first, ab[1].first),
    )
    for a, b in pairs:
        link = judge(a, b, idf, settings)
        if link is None and _recall_link(a, b, idf, settings, rare, follow, follows, df):
            link = judge(a, b, idf, replace(settings, centroid_alone=0.0))  # the same record, joined
        ra, rb = sets.find(a.id), sets.find(b.id)
        if link is None or ra == rb or (quiet is not None and link.gap_hours > quiet):
            continue
        if chain:
            late, early = (a, b) if a.first >= b.first else (b, a)
            story = members[sets.find(early.id)]
            newest = max((m for m in story if m.first <= late.first), key=lambda m: m.last, default=early)
            if newest.id != early.id and judge(late, newest, idf, settings) is None:
                continue
        if budget is not None:
            cross = [(x.n_posts * y.n_posts, _sim(x, y, settings)) for x in members[ra] for y in members[rb]]
            if sum(n * s for n, s in cross) / sum(n for n, _s in cross) < budget:
                continue
        sets.union(a.id, b.id)
        members[sets.find(a.id)] = members.pop(ra) + members.pop(rb)
    return {d.id: sets.find(d.id) for d in devs}


@dataclass(frozen=True, slots=True)
class Rare:
    """The rare-name candidate: a shared name (``core``: a core name of both) at least ``idf`` rare and in at
    most ``max_df`` of the window's developments, with the centroids at least ``centroid`` (rescaled)."""

    centroid: float
    idf: float = 0.0
    max_df: int = 10**9
    core: bool = False


def _recall_link(
    a: Development,
    b: Development,
    idf: dict[str, float],
    settings: DevelopSettings,
    rare: Rare | None,
    follow: tuple[float, float] | None,
    follows: frozenset[tuple[int, int]],
    df: dict[str, int],
) -> bool:
    """The tenth pass's recall candidates (none shipped): ``rare`` (:class:`Rare`): the two share a name
    that rare over the window's developments and their centroids reach a lower bar; ``follow`` (bar,
    minutes): one channel's consecutive posts (within the minutes) sit in the two, and the centroids reach
    the bar. Both within the story level's time limit."""
    gap = max(0.0, max(a.first, b.first) - min(a.last, b.last)) / 3600
    if gap > settings.max_gap_hours:
        return False
    sem = _sim(a, b, settings)
    if rare is not None and sem >= rare.centroid:
        shared = a.core & b.core if rare.core else a.names & b.names
        if any(idf.get(n, 0.0) >= rare.idf and df.get(n, 0) <= rare.max_df for n in shared):
            return True
    pair = (min(a.id, b.id), max(a.id, b.id))
    return follow is not None and sem >= follow[0] and pair in follows


def follow_ups(placed: list[Placed], minutes: float) -> frozenset[tuple[int, int]]:
    """Pairs of developments that hold two consecutive posts of one channel, at most ``minutes`` apart."""
    by: dict[int, list[Placed]] = defaultdict(list)
    for p in placed:
        by[p.channel_id].append(p)
    out = set()
    for posts in by.values():
        posts.sort(key=lambda p: p.ts)
        for x, y in itertools.pairwise(posts):
            if x.development != y.development and y.ts - x.ts <= minutes * 60:
                out.add((min(x.development, y.development), max(x.development, y.development)))
    return frozenset(out)


def _sim(a: Development, b: Development, settings: DevelopSettings) -> float:
    assert a.centroid is not None and b.centroid is not None
    return max(0.0, (float(a.centroid @ b.centroid) - settings.sem_floor) / (1 - settings.sem_floor))


@dataclass(frozen=True, slots=True)
class Run:
    """One part's stored run: its posts as the clusterer takes them (replayed per row), their vectors and
    links, and each post's gold key."""

    items: list[
        tuple[int, int, float, str, tuple[str, ...], int | None]
    ]  # id, channel, ts, text, links, origin
    vectors: dict
    links: dict
    keys: dict[int, str]


def stored_run(db: Path, embedder: str) -> Run:
    with open_store(db) as store:
        posts = sorted(store.posts.iter(), key=lambda p: (p.date, p.id))
        rows = store.analysis.get_many([p.id for p in posts])
        blobs = store.analysis.vectors(
            embedder, [(p.id, rows[p.id].text_hash) for p in posts if p.id in rows]
        )
        links = store.developments.post_links([p.id for p in posts])
        keys = {}
        for p in posts:
            ch = store.channels.by_id(p.channel_id)
            keys[p.id] = f"{bot_api_id(ch.tg_id) if ch.tg_id is not None else ch.name}:{p.message_id}"
    live = [p for p in posts if p.id in rows and not rows[p.id].is_ad]
    items = [
        (
            p.id,
            p.channel_id,
            p.date.timestamp(),
            rows[p.id].norm_text,
            tuple(p.links),
            rows[p.id].origin_post_id,
        )
        for p in live
    ]
    return Run(items, {pid: from_blob(b) for pid, b in blobs.items()}, links, keys)


def candidate_stories(run: Run, finder: NameFinder, settings: DevelopSettings, kw: dict) -> dict[str, str]:
    """Each post's story (key → label) under one candidate row: the clusterer replayed on the run's posts
    and vectors with the row's quiet story (``(hours, margin)``; margin 0: the rule off, as before this
    pass), then the story level with the row's candidates."""
    hours, margin = kw.get("quiet_story", (2.0, 0.0))
    cluster = replace(
        ClusterSettings.from_settings(defaults(), "e5-small-q4-query"), quiet_hours=hours, quiet_margin=margin
    )
    clusterer = StoryClusterer(cluster)
    for pid, channel, ts, text, links, origin in run.items:
        clusterer.add(cluster_item(pid, channel, ts, text, run.vectors, links, origin))
    texts = {i[0]: i for i in run.items}
    placed = [
        Placed(pid, texts[pid][1], texts[pid][2], texts[pid][3], s) for pid, s in clusterer.story_of.items()
    ]
    devs = summarise(placed, run.vectors, run.links, finder, {})
    rest = {k: v for k, v in kw.items() if k != "quiet_story"}
    if "follow" in rest:
        rest["follows"] = follow_ups(placed, rest["follow"][1])
    story = regroup(devs, settings, **rest)
    return {run.keys[p.post_id]: f"s{story[p.development]}" for p in placed}


CANDIDATES: list[tuple[str, dict]] = [
    ("before this pass (no quiet story)", {}),
    ("quiet gap 3 h", {"quiet": 3.0}),
    ("quiet gap 2 h", {"quiet": 2.0}),
    ("quiet gap 1 h", {"quiet": 1.0}),
    ("chain: the newest development", {"chain": True}),
    ("budget 0.5", {"budget": 0.5}),
    ("budget 0.55", {"budget": 0.55}),
    ("budget 0.6", {"budget": 0.6}),
    ("quiet gap 2 h + chain + budget 0.55", {"quiet": 2.0, "chain": True, "budget": 0.55}),
    ("clusterer: a story quiet 2 h takes a post at threshold + 0.03 (shipped)", {"quiet_story": (2.0, 0.03)}),
    ("clusterer: quiet 3 h, + 0.03", {"quiet_story": (3.0, 0.03)}),
    ("clusterer: quiet 2 h, + 0.06", {"quiet_story": (2.0, 0.06)}),
    (
        "clusterer quiet 2 h + 0.03, story quiet gap 2 h + chain + budget 0.55",
        {"quiet_story": (2.0, 0.03), "quiet": 2.0, "chain": True, "budget": 0.55},
    ),
]
QUIET = {"quiet_story": (2.0, 0.03)}
RECALL: list[tuple[str, dict]] = [  # the tenth pass (--recall): each on the shipped quiet story
    ("shipped (quiet story)", QUIET),
    *(
        (f"rare name (IDF ≥ {w}) + centroid ≥ {c}", {**QUIET, "rare": Rare(c, idf=w)})
        for w in (4.0, 5.0)
        for c in (0.5, 0.4)
    ),
    *(
        (f"a name only {k} developments share + centroid ≥ {c}", {**QUIET, "rare": Rare(c, max_df=k)})
        for k in (2, 3)
        for c in (0.5, 0.4)
    ),
    *(
        (
            f"a core name of both, in ≤ {k} developments + centroid ≥ {c}",
            {**QUIET, "rare": Rare(c, max_df=k, core=True)},
        )
        for k in (2, 3)
        for c in (0.5, 0.4)
    ),
    *(
        (f"follow-up: a channel's next post ≤ {m} min + centroid ≥ {c}", {**QUIET, "follow": (c, m)})
        for m in (30, 90)
        for c in (0.5, 0.4)
    ),
]


def unseen_day(day: str, posts: Path, channels: set[int], out: Path) -> Path:
    """A folder of one tg_ru_news_2024 day's posts of the stories_dev channels, each its own "gold" story
    (no labels: the rows only say what changed)."""
    folder = out / day
    if folder.exists():
        return folder
    rows = [
        r
        for r in map(json.loads, posts.open(encoding="utf-8"))
        if r["sender_id"] in channels and r["date"].startswith(day)
    ]
    folder.mkdir(parents=True)
    (folder / f"posts_{day}.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8"
    )
    (folder / f"stories_{day}.jsonl").write_text(
        "".join(
            json.dumps({"key": f"{r['sender_id']}:{r['message_id']}", "story": f"x{i}"}) + "\n"
            for i, r in enumerate(rows)
        ),
        "utf-8",
    )
    return folder


def _groups(predicted: dict[str, str]) -> set[frozenset[str]]:
    by: dict[str, set[str]] = defaultdict(set)
    for k, s in predicted.items():
        by[s].add(k)
    return {frozenset(g) for g in by.values()}


def candidates(
    gold_dir: Path,
    keep: Path,
    unseen: list[str],
    show: bool,
    perturb: float = 0.0,
    seed: int = 0,
    recall: bool = False,
) -> None:
    keep.mkdir(parents=True, exist_ok=True)
    e5 = Memo(make_embedder("e5"))
    parts: dict[str, Path] = {"whole day": gold_dir}
    if not (keep / "morning").exists():
        halves(gold_dir, keep)
    parts.update({"morning": keep / "morning", "evening": keep / "evening"})
    channels = {
        json.loads(x)["sender_id"] for p in gold_dir.glob("posts_*.jsonl") for x in p.open() if x.strip()
    }
    for day in unseen:
        parts[day] = unseen_day(
            day, gold_dir.parent / "tg_ru_news_2024" / "posts.jsonl", channels, keep / "days"
        )
    runs = {}
    for name, folder in parts.items():
        db = keep / f"{name.replace(' ', '_')}.db"
        if not db.exists():
            t = time.perf_counter()
            evaluate_stories(folder, defaults(), embedder=e5, db_path=db)
            print(f"pipeline on {name}: {time.perf_counter() - t:.0f} s (kept in {db})", file=sys.stderr)
        runs[name] = stored_run(db, e5.name)
    if perturb:  # every vector moved by Gaussian noise (then unit length again): how stable is each row?
        rng = np.random.default_rng(seed)
        for run in runs.values():
            for pid in sorted(run.vectors):
                v = run.vectors[pid] + rng.normal(0.0, perturb, run.vectors[pid].shape).astype(np.float32)
                run.vectors[pid] = (v / np.linalg.norm(v)).astype(np.float32)
        print(f"vectors perturbed: Gaussian sigma {perturb} per dimension, seed {seed}")
    finder = Cached(CapitalisedNames())
    settings = DevelopSettings.from_settings(defaults(), 0.8)
    print(
        "| candidate | "
        + " | ".join(
            f"{n}: P / R / F1 (news F1)"
            if n in ("whole day", "morning", "evening")
            else f"{n}: stories changed"
            for n in parts
        )
        + " |"
    )
    print("| --- |" + " --- |" * len(parts))
    base: dict[str, set[frozenset[str]]] = {}
    notes = []
    for label, kw in RECALL if recall else CANDIDATES:
        cells = []
        for name, folder in parts.items():
            predicted = candidate_stories(runs[name], finder, settings, kw)
            groups = _groups(predicted)
            if name in ("whole day", "morning", "evening"):
                _posts, gold, kind = read_gold(folder)
                predicted = {k: predicted.get(k, f"single:{k}") for k in gold}
                news = [k for k in gold if kind.get(k) == "news"]
                a, n = bcubed(gold, predicted), bcubed(gold, predicted, news)
                cells.append(f"{a.precision:.3f} / {a.recall:.3f} / **{a.f1:.3f}** ({n.f1:.3f})")
            else:
                old = base.setdefault(name, groups)
                gone, new = old - groups, groups - old
                cells.append(f"{len(gone)} → {len(new)}")
                if show and gone:
                    notes.append((label, name, runs[name], gone, new))
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)
    for label, name, run, gone, new in notes:
        print(f"\n{name}, {label}:")
        text = {run.keys[i[0]]: (i[2], i[3]) for i in run.items}
        for g in sorted(gone, key=len, reverse=True):
            print("  was " + _line(g, text))
            for h in sorted((h for h in new if h & g), key=len, reverse=True):
                print("   now " + _line(h, text))


def _line(group: frozenset[str], text: dict[str, tuple[float, str]]) -> str:
    posts = sorted(group, key=lambda k: text[k][0])
    return f"[{len(posts)}] " + " | ".join(
        f"{datetime.fromtimestamp(text[k][0], UTC):%H:%M} {text[k][1][:60]!r}" for k in posts[:4]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold_dir", type=Path, nargs="?", default=ROOT.parent / "shared" / "data" / "stories_dev")
    ap.add_argument("--errors", default="whole day", help="the part whose errors are listed")
    ap.add_argument("--candidates", action="store_true", help="the ninth pass's precision candidates")
    ap.add_argument("--recall", action="store_true", help="with --candidates: the tenth pass's recall rows")
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the parts' stores here: one set of vectors")
    ap.add_argument("--unseen", action="append", default=[], help="a tg_ru_news_2024 day (YYYY-MM-DD)")
    ap.add_argument("--show", action="store_true", help="list the unseen days' changed stories")
    ap.add_argument("--perturb", type=float, default=0.0, help="Gaussian noise on every vector (e.g. 0.002)")
    ap.add_argument("--seed", type=int, default=0, help="the noise's seed")
    args = ap.parse_args()
    if args.candidates:
        with tempfile.TemporaryDirectory(prefix="svodka-dev-") as tmp:
            keep = args.keep or Path(tmp)
            candidates(args.gold_dir, keep, args.unseen, args.show, args.perturb, args.seed, args.recall)
        return
    e5 = Memo(make_embedder("e5"))
    finders = {"caps": Cached(CapitalisedNames())}
    try:
        finders["natasha"] = Cached(NatashaNames())
    except ImportError:
        print("natasha is not installed: its rows are left out")
    titles = {
        k: v.get("title", "")
        for p in args.gold_dir.glob("stories_*_titles.json")
        for k, v in json.loads(p.read_text()).items()
    }
    base = DevelopSettings.from_settings(defaults(), 0.8)
    with tempfile.TemporaryDirectory(prefix="svodka-dev-") as tmp:
        parts = {"whole day": args.gold_dir, **split_day(args.gold_dir, Path(tmp))}
        loaded = {}
        for name, folder in parts.items():
            t = time.perf_counter()
            loaded[name] = load(folder, Path(tmp) / f"{name.replace(' ', '_')}.db", e5)
            print(f"pipeline on {name}: {time.perf_counter() - t:.0f} s", file=sys.stderr)
        print("| signals | names | " + " | ".join(f"{n}: all P / R / F1 | news F1" for n in parts) + " |")
        print("| --- | --- |" + " --- | --- |" * len(parts))
        for label, names, settings in rows_for(base):
            if names not in finders:
                continue
            cells = []
            for name, folder in parts.items():
                _posts, gold, kind = read_gold(folder)
                placed, extra, keys, _ = loaded[name]
                t = time.perf_counter()
                a, n, _p = score(placed, extra, keys, gold, kind, finders[names], settings)
                cells.append(f"{a.precision:.3f} / {a.recall:.3f} / **{a.f1:.3f}** | {n.f1:.3f}")
            print(f"| {label} | {names} | " + " | ".join(cells) + " |", flush=True)
        _posts, gold, kind = read_gold(parts[args.errors])
        placed, extra, keys, _ = loaded[args.errors]
        *_s, predicted = score(placed, extra, keys, gold, kind, finders["caps"], base)
        errors(predicted, gold, kind, titles)


if __name__ == "__main__":
    main()

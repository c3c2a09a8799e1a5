"""Developing stories: what each signal adds when the day's developments (clusters) are grouped into stories.

    .venv/bin/python benchmarks/bench_developing.py [../shared/data/stories_dev] [--names caps,natasha]

The pipeline (``evaluate_stories``, default settings) runs once on the whole day and once on each half
(00–12 and 12–24 UTC), each in a fresh store; then its developments are grouped into stories
(:func:`svodka.pipeline.developing.group`) under each row's signals, and the stories scored against the
gold by B-cubed (all posts / news only). The rows add one signal at a time: the centroid alone, + names
(natasha's NER or the capitalised-word heuristic), + shared links and hashtags, + the time limit, + names
coverage (every post of the smaller development names a rare core name of the other). Then
the errors left at the shipped settings: gold stories still split, predicted stories that mix two.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_story_signals import Memo  # noqa: E402
from svodka.evaluate.bcubed import bcubed  # noqa: E402
from svodka.evaluate.stories import evaluate_stories, read_gold  # noqa: E402
from svodka.model import bot_api_id  # noqa: E402
from svodka.pipeline.developing import (  # noqa: E402
    CapitalisedNames,
    DevelopSettings,
    NameFinder,
    NatashaNames,
    group,
)
from svodka.pipeline.embed import from_blob, make_embedder  # noqa: E402
from svodka.process.develop import Placed, summarise  # noqa: E402
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold_dir", type=Path, nargs="?", default=ROOT.parent / "shared" / "data" / "stories_dev")
    ap.add_argument("--errors", default="whole day", help="the part whose errors are listed")
    args = ap.parse_args()
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

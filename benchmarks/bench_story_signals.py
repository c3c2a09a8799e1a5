"""Story signals: how well each pair signal separates same-story pairs, and the clustering plateau.

    .venv/bin/python benchmarks/bench_story_signals.py [--data ../shared/data] [--no-grid]

Why story B-cubed F1 stops near 0.90 on stories_dev, in numbers anyone can re-run:

* pair rows — over every pair of the day's news posts (gold kind "news"), the average precision (AP) of
  each signal for "same gold story": e5 and USE cosines, their mix, the clusterer's lexical and names
  parts, names from natasha's NER (when ``natasha`` is installed: ``pip install natasha``; it is not a
  dependency), the clusterer's combined pair score, and a logistic regression over all of them *fitted to
  this very day* (on the pairs of one half of the posts, scored on pairs of the other half) — a reference
  no shipped method may use, since the product is scored on days it has not seen;
* bounds — B-cubed F1 with the gold noise posts forced to singletons (perfect non-news detection);
* grid (skip with ``--no-grid``) — `svodka eval stories` with threshold × half-life × same-channel
  penalty overridden, vectors computed once;
* errors (``--errors``, alone with ``--no-pairs --no-grid``) — the per-story errors at both levels, largest
  loss first: each gold story that is split (its parts), each predicted story that mixes gold stories, with
  the B-cubed precision or recall it costs; for every development that mixes two, how each of its posts
  joined — the clusterer replayed on the run's own posts and vectors (one batch, as the pipeline ran it):
  its story score, its three best pairs in the development (gold story and pair score), copy or not.

    .venv/bin/python benchmarks/bench_story_signals.py --errors --no-pairs --no-grid
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from svodka.evaluate.bcubed import bcubed  # noqa: E402
from svodka.evaluate.stories import evaluate_stories, read_gold  # noqa: E402
from svodka.pipeline.cluster import ClusterItem, ClusterSettings, StoryClusterer  # noqa: E402
from svodka.pipeline.embed import Embedder, make_embedder  # noqa: E402
from svodka.pipeline.features import Features, extract, stem  # noqa: E402
from svodka.pipeline.normalize import normalize  # noqa: E402
from svodka.process.stages import cluster_item  # noqa: E402
from svodka.settings import defaults  # noqa: E402


class Memo:
    """An embedder that computes each text once per process (the grid reruns the pipeline many times)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name = inner, inner.name
        self.seen: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.seen))
        if missing:
            self.seen.update(zip(missing, self.inner.embed(missing), strict=True))
        return np.stack([self.seen[t] for t in texts]) if texts else self.inner.embed([])


def capitalised_names(text: str) -> frozenset[str]:
    """The names heuristic the clusterer used until this benchmark: stems of capitalised words inside a
    sentence and of all-caps words, and numbers of 3+ digits."""
    names: set[str] = set()
    start = True
    for m in re.finditer(r"[^\W_]+(?:[-'’][^\W_]+)*|[.!?…]\s", text[:1500]):
        tok = m.group(0)
        if tok[0] in ".!?…":
            start = True
            continue
        if tok.isdigit():
            if len(tok) >= 3:
                names.add(tok)
        elif len(tok) >= 3 and ((tok[0].isupper() and not start) or (tok.isupper() and len(tok) >= 2)):
            names.add(stem(tok))
        start = False
    return frozenset(names)


def ner_names(texts: list[str]) -> list[frozenset[str]] | None:
    try:
        from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter
    except ImportError:
        return None
    segmenter, tagger = Segmenter(), NewsNERTagger(NewsEmbedding())
    out = []
    for text in texts:
        doc = Doc(text[:1500])
        doc.segment(segmenter)
        doc.tag_ner(tagger)
        out.append(frozenset(stem(w) for span in doc.spans for w in span.text.split() if len(w) > 1))
    return out


def average_precision(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, score))


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def pair_rows(data: Path, e5: Embedder, use: Embedder) -> None:
    folder = data / "stories_dev"
    post_files, gold, kind = read_gold(folder)
    posts = [json.loads(line) for f in post_files for line in f.read_text(encoding="utf-8").splitlines()]
    posts = [p for p in posts if kind.get(f"{p['sender_id']}:{p['message_id']}") == "news"]
    posts.sort(key=lambda p: p["date"])
    labels = np.array([gold[f"{p['sender_id']}:{p['message_id']}"] for p in posts])
    texts = [normalize(p["text"]) for p in posts]
    t = time.perf_counter()
    ve, vu = e5.embed(texts), use.embed(texts)
    print(f"embedded {len(texts)} news posts with e5 and USE in {time.perf_counter() - t:.1f} s")
    clusterer = StoryClusterer(ClusterSettings())
    items = []
    for i, (p, text) in enumerate(zip(posts, texts, strict=True)):
        feats: Features = extract(text)
        item = ClusterItem(i, p["sender_id"], datetime.fromisoformat(p["date"]).timestamp(), ve[i], feats)
        items.append(item)
        clusterer._df.update(feats.words)  # the IDF of the whole day, as the clusterer has at its end
        clusterer._n_docs += 1
    ner = ner_names(texts)
    caps = [capitalised_names(t) for t in texts]
    iu, ju = np.triu_indices(len(items), 1)
    y = labels[iu] == labels[ju]
    pairs = list(zip(iu, ju, strict=True))
    cols: dict[str, np.ndarray] = {
        "e5 cosine": (ve @ ve.T)[iu, ju],
        "USE cosine": (vu @ vu.T)[iu, ju],
        "lexical (TF-IDF of stems)": np.array([clusterer._lexical(items[a], items[b]) for a, b in pairs]),
        "names: capitalised words, numbers (dropped)": np.array(
            [overlap(caps[a], caps[b]) for a, b in pairs]
        ),
    }
    if ner is not None:
        cols["names: natasha NER (not shipped)"] = np.array([overlap(ner[a], ner[b]) for a, b in pairs])
    z = {k: (v - v.mean()) / v.std() for k, v in cols.items()}
    cols["0.7 e5 + 0.3 USE (z-scores)"] = 0.7 * z["e5 cosine"] + 0.3 * z["USE cosine"]
    cols["clusterer pair score (shipped)"] = np.array(
        [clusterer.pair_score(items[a], items[b]) for a, b in pairs]
    )
    hours = np.array([abs(items[a].ts - items[b].ts) / 3600 for a, b in pairs])
    same = np.array([items[a].channel_id == items[b].channel_id for a, b in pairs], float)
    print(f"\npairs of news posts: {len(y):,}, same story: {int(y.sum()):,} (base rate {y.mean():.3f})\n")
    print("| signal | average precision |\n| --- | --- |")
    for name, score in cols.items():
        print(f"| {name} | {average_precision(y, score):.3f} |")
    from sklearn.linear_model import LogisticRegression

    x = np.column_stack([*z.values(), np.exp(-hours / 12), same])
    first = np.arange(len(items)) < len(items) // 2  # posts in date order: the morning half, then the evening
    halves = {"morning": first[iu] & first[ju], "evening": ~first[iu] & ~first[ju]}
    print(
        "\nA logistic regression over all of the above + time decay + same channel, fitted on the pairs of "
        "one half of the day and scored on the other's (a ceiling fitted to this day, for reference only):\n"
    )
    print("| fitted on → scored on | fitted mix | e5 cosine alone | shipped pair score |")
    print("| --- | --- | --- | --- |")
    for train, test in (("morning", "evening"), ("evening", "morning")):
        a, b = halves[train], halves[test]
        model = LogisticRegression(max_iter=3000).fit(x[a], y[a])
        row = [model.decision_function(x[b]), cols["e5 cosine"][b], cols["clusterer pair score (shipped)"][b]]
        print(f"| {train} → {test} | " + " | ".join(f"{average_precision(y[b], r):.3f}" for r in row) + " |")


def grid(data: Path, e5: Embedder) -> None:
    folder = data / "stories_dev"
    base = dict(defaults().items())
    result = evaluate_stories(folder, base, embedder=e5)
    _, gold, kind = read_gold(folder)
    perfect_noise = {k: (v if kind.get(k) == "news" else f"noise:{k}") for k, v in result.predicted.items()}
    print(f"\ndefault settings: {result.all_posts.row()}; news only {result.news_only.row()}")
    print(f"bound, gold noise as singletons (perfect non-news flags): {bcubed(gold, perfect_noise).row()}")
    print("\n| threshold | half-life h | same-channel penalty | B-cubed all posts |")
    print("| --- | --- | --- | --- |")
    for threshold in (0.24, 0.28, 0.32, 0.36):
        for half_life in (6.0, 12.0, 24.0):
            for penalty in (0.0, 0.05, 0.1):
                settings = {
                    **base,
                    "pipeline.threshold": threshold,
                    "pipeline.half_life_hours": half_life,
                    "pipeline.same_channel_penalty": penalty,
                }
                r = evaluate_stories(folder, settings, embedder=e5)
                print(f"| {threshold} | {half_life:g} | {penalty} | {r.all_posts.row()} |")


def losses(gold: dict[str, str], predicted: dict[str, str]) -> tuple[list, list]:
    """Each mixed predicted story's share of the B-cubed precision loss and each split gold story's share
    of the recall loss (over all gold posts), largest first."""
    by_pred: dict[str, list[str]] = defaultdict(list)
    by_gold: dict[str, list[str]] = defaultdict(list)
    for k in gold:
        by_pred[predicted.get(k, k)].append(k)
        by_gold[gold[k]].append(k)

    def loss(groups: dict[str, list[str]], label: dict[str, str]) -> list:
        out = []
        for g, keys in groups.items():
            parts = Counter(label.get(k, k) for k in keys)
            cost = sum(n * (1 - n / len(keys)) for n in parts.values()) / len(gold)
            if cost > 0:
                out.append((cost, g, parts))
        return sorted(out, key=lambda x: -x[0])

    return loss(by_pred, gold), loss(by_gold, predicted)


def errors(data: Path, e5: Embedder) -> None:
    """Per-story errors at both levels, and how the posts of each mixed development joined."""
    from svodka.model import bot_api_id
    from svodka.pipeline.embed import from_blob
    from svodka.store import open_store

    folder = data / "stories_dev"
    _, gold, kind = read_gold(folder)
    titles = {
        k: v.get("title", "")
        for p in folder.glob("stories_*_titles.json")
        for k, v in json.loads(p.read_text("utf-8")).items()
    }
    with tempfile.TemporaryDirectory(prefix="svodka-errors-") as tmp:
        db = Path(tmp) / "run.db"
        result = evaluate_stories(folder, dict(defaults().items()), embedder=e5, db_path=db)
        with open_store(db) as store:
            posts = sorted(store.posts.iter(), key=lambda p: (p.date, p.id))
            rows = store.analysis.get_many([p.id for p in posts])
            blobs = store.analysis.vectors(
                e5.name, [(p.id, rows[p.id].text_hash) for p in posts if p.id in rows]
            )
            keys = {}
            for p in posts:
                ch = store.channels.by_id(p.channel_id)
                keys[p.id] = f"{bot_api_id(ch.tg_id) if ch.tg_id is not None else ch.name}:{p.message_id}"

    def name(g: str) -> str:
        return g if g.startswith("noise") else f"{g} {titles.get(g, '')[:40]!r}"

    for level in ("development", "story"):
        predicted = result.level(level).predicted
        mixed, split = losses(gold, predicted)
        scores = result.level(level)
        print(f"\n{level} level: {scores.all_posts.row()}; news only {scores.news_only.row()}")
        lost = sum(x[0] for x in mixed)
        print(f"predicted stories that mix gold stories ({len(mixed)}, precision lost {lost:.3f}):")
        for cost, _p, parts in mixed:
            print(f"  -{cost:.4f} " + ", ".join(f"{name(g)} ×{n}" for g, n in parts.most_common()))
        print(f"gold stories split ({len(split)}, recall lost {sum(x[0] for x in split):.3f}):")
        for cost, g, parts in split:
            print(f"  -{cost:.4f} {name(g)}: parts " + "/".join(str(n) for _s, n in parts.most_common()))
    # the clusterer replayed: why each post of a mixed development joined
    vectors = {pid: from_blob(b) for pid, b in blobs.items()}
    settings = ClusterSettings.from_settings(dict(defaults().items()), e5.name)
    clusterer = StoryClusterer(settings)
    how: dict[int, tuple[float, bool, list[tuple[float, int]]]] = {}  # score, a copy, its best pairs then
    for p in posts:
        r = rows.get(p.id)
        if r is None or r.is_ad:
            continue
        item = cluster_item(
            p.id, p.channel_id, p.date.timestamp(), r.norm_text, vectors, p.links, r.origin_post_id
        )
        copy = item.origin is not None and item.origin in clusterer.story_of
        score = clusterer.add(item).score
        others = [m for m in clusterer.members[clusterer.story_of[p.id]] if m != p.id]
        pairs = sorted(((clusterer.pair_score(item, clusterer.items[m]), m) for m in others), reverse=True)
        how[p.id] = (score, copy, pairs[:3])
    stored = result.development.predicted
    replayed = {keys[pid]: f"s{s}" for pid, s in clusterer.story_of.items()}
    same = bcubed({k: v for k, v in stored.items() if k in replayed}, replayed)
    print(f"\nclusterer replayed on the run's posts: B-cubed against the run's developments {same.row()}")
    print("how the posts of each mixed development joined (time, gold story, story score, best pairs):")
    members: dict[int, list[int]] = defaultdict(list)
    for pid, s in clusterer.story_of.items():
        members[s].append(pid)
    for s, pids in sorted(members.items(), key=lambda x: -len(x[1])):
        news = [pid for pid in pids if kind.get(keys[pid]) == "news"]
        if len({gold[keys[pid]] for pid in news}) < 2:
            continue
        print(
            f"  development {s}: "
            + ", ".join(f"{g} ×{n}" for g, n in Counter(gold[keys[p]] for p in news).most_common())
        )
        for pid in sorted(pids, key=lambda q: (clusterer.items[q].ts, q)):
            score, copy, pairs = how[pid]
            said = " ".join(f"{gold.get(keys[m], '?')}:{x:.2f}" for x, m in pairs)
            when = datetime.fromtimestamp(clusterer.items[pid].ts, UTC).strftime("%H:%M")
            # a post that starts a story scores 1.0 (its story may join this one later, by a merge)
            what = (
                "copy" if copy else ("starts" if not pairs or score == 1.0 else f"joins {score:.3f} [{said}]")
            )
            print(f"    {when} {gold.get(keys[pid], '?'):>6} {what} | {rows[pid].norm_text[:70]!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--no-grid", action="store_true", help="only the pair rows and bounds' inputs")
    ap.add_argument("--no-pairs", action="store_true", help="skip the pair rows (and USE)")
    ap.add_argument(
        "--errors", action="store_true", help="per-story errors, and how mixed developments joined"
    )
    args = ap.parse_args()
    e5 = Memo(make_embedder("e5"))
    if not args.no_pairs:
        pair_rows(args.data, e5, Memo(make_embedder("use")))
    if not args.no_grid:
        grid(args.data, e5)
    if args.errors:
        errors(args.data, e5)


if __name__ == "__main__":
    main()

"""Digest benchmark: build time, rendering time, and quality on the hand-labelled day.

    .venv/bin/python benchmarks/bench_digest.py [--data ../shared/data]

Rows:
* stories_dev (2024-11-30, 446 posts, posts grouped by the gold labels into 147 stories): digest build
  time, how many of the 15 largest gold stories are in the top 15 (and which are missed), topic accuracy
  on the team's hand labels (tests/data/topics_stories_dev.json);
* the busiest day of tg_ru_news_2024 (2024-11-27, 784 posts) as one story per post — the most stories a
  day can have, since no gold grouping exists for it — build and render times;
* ranking against the hand-written importance grades on every graded day and each half of it
  (tests/data/importance_stories_dev.json with the gold stories and with the pipeline's own;
  tests/data/importance_2024-12-03.json and 12-04, the pipeline's stories graded by their posts): soft
  stories in the top 10, lead stories in the top 15, NDCG@15, gold stories shown twice, and the mean over
  all of them (``svodka eval ranking``); then the same without the digest's fold of one event's items
  (``digest.fold``), side by side, so the fold's "twice" before → after is in every run;
* soft-news scores against the machine categories of tg_ru_news_2024 ("personal" vs "political" posts);
* topics against the machine-made ``category`` of tg_ru_news_2024 (all days but 2024-11-30, per post, a
  weak reference: categories mapped to ours where they map at all).
Peak memory is ru_maxrss of the whole process.

``--only folds``: every fold the pipeline digests of the graded days make in their top 15 (right where
both stories are one gold story, else wrong), and those of ``--days`` (processed into ``--stores`` by
``--read``), to read; ``--only ranking --why``: the ranking rows, then per digest each lead outside the top 15
and every non-lead of the top 15 with the score's terms; ``--only loo``: each graded day held out in turn, a
variant of the rank's weights chosen on the other two, the held-out day scored; ``--read DAY``: a day without
grades, its top 15 to read by hand; ``--stores DIR`` keeps the processed days for the next run (one set of
vectors to compare on).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
# ``--src DIR``: run another tree's code (main's, say) on the same stores, for a before/after in one run
_SRC = next((sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "--src"), str(ROOT / "src"))
sys.path.insert(0, _SRC)

from svodka.digest import DigestQuery, build_digest, render_html, render_json, render_markdown  # noqa: E402
from svodka.digest.pdf import render_pdf  # noqa: E402
from svodka.digest.render import render_telegram  # noqa: E402
from svodka.evaluate.gold import gold_stories  # noqa: E402
from svodka.model import StoredPost, Story, StoryMember  # noqa: E402
from svodka.pipeline.ads import post_kind  # noqa: E402
from svodka.pipeline.normalize import normalize  # noqa: E402
from svodka.pipeline.story_topics import classify, classify_texts  # noqa: E402
from svodka.pipeline.summarize import summarize  # noqa: E402
from svodka.store import open_store  # noqa: E402

T = TypeVar("T")

WEAK = {
    "political": {"politics", "war and security"},
    "business": {"economy"},
    "finances": {"economy"},
    "science": {"science"},
    "it": {"technology"},
    "gaming": {"culture", "technology"},
    "weather": {"society"},
}


def timed(f: Callable[..., T], *a: Any, **kw: Any) -> tuple[T, float]:
    t = time.perf_counter()
    out = f(*a, **kw)
    return out, time.perf_counter() - t


def gold_day(data: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "g.db")
        gold = gold_stories(store, data / "stories_dev")
        store.close()
    q = DigestQuery(datetime(2024, 11, 30, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC), top=15)
    digest, secs = timed(build_digest, gold.stories, q)
    posts = sum(len(s.members) for s in gold.stories)
    largest = sorted(gold.stories, key=lambda s: (-len(s.members), -len(s.channels), gold.labels[s.id]))[:15]
    top = {it.card.story_id for it in digest.items}
    hits = [s for s in largest if s.id in top]
    missed = [s for s in largest if s.id not in top]
    print(
        f"stories_dev 2024-11-30: {posts} posts, {len(gold.stories)} gold stories; build {secs:.2f} s "
        f"({posts / secs:,.0f} posts/s)"
    )
    _, all_secs = timed(build_digest, gold.stories, DigestQuery(q.since, q.until, top=len(gold.stories)))
    print(f"  every story carded and summarised (top={len(gold.stories)}): {all_secs:.2f} s")
    print(f"  largest 15 gold stories in the top 15: {len(hits)}/15")
    for s in missed:
        label = gold.labels[s.id]
        where = next(
            (
                n
                for n, it in enumerate(
                    build_digest(gold.stories, DigestQuery(q.since, q.until, top=200)).items, 1
                )
                if it.card.story_id == s.id
            ),
            None,
        )
        print(
            f"  missed {label} ({len(s.members)} posts, {len(s.channels)} channels, rank {where}): "
            f"{gold.titles.get(label, '')}"
        )
    labels = json.loads((ROOT / "tests" / "data" / "topics_stories_dev.json").read_text())["labels"]
    right = sum(
        classify(s, summarize(s).headline.text).topic == labels[gold.labels[s.id]] for s in gold.stories
    )
    print(f"  topics vs team hand labels: {right}/{len(gold.stories)} = {right / len(gold.stories):.3f}")


def pipeline_day(data: Path) -> None:
    """The same question with the stories the pipeline itself finds (``svodka process``, default settings):
    a digest story counts for the gold story most of its posts belong to."""
    from svodka.evaluate.gold import read_labels
    from svodka.evaluate.ranking import story_labels
    from svodka.evaluate.stories import evaluate_stories
    from svodka.settings import defaults

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "g.db")
        gold = gold_stories(store, data / "stories_dev")
        store.close()
        largest = sorted(gold.stories, key=lambda s: (-len(s.members), -len(s.channels), gold.labels[s.id]))
        want = [gold.labels[s.id] for s in largest[:15]]
        _, titles = read_labels(data / "stories_dev")
        db = Path(tmp) / "p.db"
        (ev, secs) = timed(evaluate_stories, data / "stories_dev", defaults(), db_path=db)
        with open_store(db) as store:
            q = DigestQuery(datetime(2024, 11, 30, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC), top=15)
            digest, build = timed(build_digest, store, q)
            majority = story_labels(store, data / "stories_dev").majority
            found = [majority[it.card.story_id] for it in digest.items if it.card.story_id in majority]
    hits = [w for w in want if w in found]
    print(
        f"stories_dev with the pipeline's own stories (process {secs:.0f} s, B-cubed F1 "
        f"{ev.all_posts.f1:.3f}; digest build {build:.2f} s): largest 15 gold stories in the top 15: "
        f"{len(hits)}/15"
    )
    for w in want:
        if w not in hits:
            print(f"  missed {w}: {titles.get(w, '')}")


def busiest_day(data: Path, day: str = "2024-11-27") -> None:
    posts: list[StoredPost] = []
    channels: dict[int, int] = {}
    for line in (data / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if not row["date"].startswith(day):
            continue
        cid = channels.setdefault(row["sender_id"], len(channels) + 1)
        tg = -row["sender_id"] - 1_000_000_000_000
        posts.append(
            StoredPost(
                len(posts) + 1,
                cid,
                row["channel"],
                row["message_id"],
                datetime.fromisoformat(row["date"]),
                row["text"],
                f"https://t.me/c/{tg}/{row['message_id']}",
            )
        )
    kinds = [post_kind(normalize(p.text)) for p in posts]  # as the ads stage stores them
    stories = [
        Story(p.id, (StoryMember(p, kind=k),), p.date, p.date) for p, k in zip(posts, kinds, strict=True)
    ]
    since = datetime.fromisoformat(day + "T00:00:00+00:00")
    q = DigestQuery(since, since + timedelta(days=1), top=15, tz="Europe/Moscow")
    digest, secs = timed(build_digest, stories, q)
    _, md = timed(render_markdown, digest)
    _, html = timed(render_html, digest)
    _, js = timed(render_json, digest)
    _, tg = timed(render_telegram, digest)
    _, pdf = timed(render_pdf, digest)
    _, all_secs = timed(build_digest, stories, DigestQuery(q.since, q.until, top=len(stories)))
    print(
        f"tg_ru_news_2024 {day}: {len(posts)} posts as {len(stories)} one-post stories; build top 15 "
        f"{secs:.2f} s, every story summarised {all_secs:.2f} s ({len(posts) / all_secs:,.0f} posts/s); "
        f"render md {md * 1000:.0f} ms, html {html * 1000:.0f} ms, json {js * 1000:.0f} ms, "
        f"telegram {tg * 1000:.0f} ms, pdf {pdf:.2f} s"
    )


def weak_topics(data: Path) -> None:
    right = total = 0
    for line in (data / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["date"].startswith("2024-11-30") or row["category"] not in WEAK:
            continue
        text = row["text"]
        total += 1
        right += classify_texts([text], headline=text.split("\n")[0]).topic in WEAK[row["category"]]
    print(
        f"topics vs tg_ru_news_2024 machine categories (weak, held out, {total} posts of mappable "
        f"categories): {right / total:.3f}"
    )


@dataclass(frozen=True)
class GradedSet:
    """One graded day: its gold folder, grades, UTC day and the store ``svodka process`` made of it."""

    tag: str
    folder: Path
    grades: dict[str, int]
    day: datetime
    db: Path


def graded_sets(data: Path, keep: Path, tmp: Path) -> list[GradedSet]:
    """The three graded days, each with its folder (made in ``tmp`` where it is a list of posts) and its
    processed store in ``keep`` (processed only when not there yet)."""
    from svodka.evaluate.ranking import graded_folder, read_graded_day, read_grades
    from svodka.evaluate.stories import evaluate_stories
    from svodka.settings import defaults

    days: list[tuple[str, Path | None, Path]] = [
        ("2024-11-30", data / "stories_dev", ROOT / "tests" / "data" / "importance_stories_dev.json")
    ]
    days += [
        (t, None, ROOT / "tests" / "data" / f"importance_{t}.json") for t in ("2024-12-03", "2024-12-04")
    ]
    keep.mkdir(parents=True, exist_ok=True)
    out = []
    for tag, folder, path in days:
        grades, graded = read_grades(path), read_graded_day(path)
        day = graded.day if graded else datetime(2024, 11, 30, tzinfo=UTC)
        if folder is None:
            assert graded is not None
            folder = graded_folder(graded, data / "tg_ru_news_2024" / "posts.jsonl", tmp / tag)
        db = keep / f"{tag}.db"
        if not db.exists():  # `svodka process`, default settings (e5), into a name that says it is whole
            part = keep / f"{tag}.part.db"
            for stale in keep.glob(f"{tag}.part.db*"):
                stale.unlink()
            evaluate_stories(folder, defaults(), db_path=part)
            part.rename(db)
        out.append(GradedSet(tag, folder, grades, day, db))
    return out


def set_checks(g: GradedSet, options: Any = None) -> list[Any]:
    """The ranking checks of one graded day: its gold stories' digests, then the pipeline's."""
    from svodka.evaluate.ranking import gold_days, pipeline_checks

    checks = gold_days(g.folder, g.grades, g.day, options)
    with open_store(g.db) as store:
        checks += pipeline_checks(store, g.folder, g.grades, g.day, options)
    return checks


def ranking(data: Path, stores: Path | None = None, why: bool = False) -> None:
    """Every graded day: stories_dev's gold stories and the pipeline's, and the pipeline's stories of the
    days graded by their posts (tests/data/importance_2024-12-0[34].json), each day and half, then the mean
    over all of them (what a ranking change is chosen by); then the pipeline's digests without the fold.
    With ``why``: per digest, each lead outside the top 15 and what outranks it (:func:`why_day`)."""
    from svodka.digest.compose import DigestOptions
    from svodka.digest.fold import FoldSettings
    from svodka.evaluate.ranking import mean_row, pipeline_checks

    checks, unfolded = [], []
    off = DigestOptions(fold=FoldSettings(candidates=0))  # nothing compared: one item per story
    with tempfile.TemporaryDirectory() as tmp:
        sets = graded_sets(data, stores or Path(tmp), Path(tmp))
        for g in sets:
            checks += [(g.tag, c) for c in set_checks(g)]
            with open_store(g.db) as store:
                unfolded += [(g.tag, c) for c in pipeline_checks(store, g.folder, g.grades, g.day, off)]
        for tag, c in checks:
            print(f"ranking {tag} {c.row()}" + (f" ({', '.join(c.twice)})" if c.twice else ""))
        print(f"ranking {mean_row([c for _, c in checks])}")
        folded = [(t, c) for t, c in checks if c.name.startswith("pipeline")]
        for (tag, a), (_, b) in zip(folded, unfolded, strict=True):
            print(
                f"ranking {tag} {a.name} without → with the fold: twice {len(b.twice)} → {len(a.twice)}, "
                f"leads {b.leads_top15} → {a.leads_top15}/{a.leads}, soft {b.soft_top10} → {a.soft_top10}, "
                f"NDCG@15 {b.ndcg15:.3f} → {a.ndcg15:.3f}"
            )
        if why:
            for g in sets:
                why_day(g)


def read_day(data: Path, day: str, stores: Path | None, top: int = 15) -> None:
    """A day with no grades, to be read by hand: the posts of that UTC day of the graded days' 17 news
    channels, ``svodka process`` (default settings; kept in ``stores``), and its digest's top ``top`` with
    each item's score terms."""
    from svodka.evaluate.ranking import GradedDay, graded_folder, read_graded_day
    from svodka.evaluate.stories import evaluate_stories
    from svodka.settings import defaults

    graded = read_graded_day(ROOT / "tests" / "data" / "importance_2024-12-03.json")
    assert graded is not None
    since = datetime.fromisoformat(day).replace(tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        keep = stores or Path(tmp)
        keep.mkdir(parents=True, exist_ok=True)
        db = keep / f"{day}.db"
        if not db.exists():
            folder = graded_folder(
                GradedDay(since, graded.channels, frozenset(), {}),
                data / "tg_ru_news_2024" / "posts.jsonl",
                Path(tmp) / day,
            )
            part = keep / f"{day}.part.db"
            for stale in keep.glob(f"{day}.part.db*"):
                stale.unlink()
            evaluate_stories(folder, defaults(), db_path=part)
            part.rename(db)
        with open_store(db) as store:
            digest = build_digest(store, DigestQuery(since, since + timedelta(days=1), top=top))
    print(f"read {day}: the digest's top {top} (no grades; judge them by hand)")
    for it in digest.items:
        print(
            f"  #{it.rank} ({it.card.posts} posts / {len(it.card.channels)} ch, {it.card.topic}): "
            f"{it.summary.headline.text[:100]}\n      {_terms(it.score)}"
        )


def _fold_lines(store: Any, query: DigestQuery, label_of: dict[int, str]) -> list[str]:
    """Each fold of ``query``'s digest: the card, the story folded into it, and a verdict by ``label_of``."""
    digest = build_digest(store, query)
    stories = {s.id: s for s in store.stories.in_period(query.since, query.until)}
    lines = []
    for it in digest.items:
        for sid in it.folded:
            a, b = label_of.get(it.card.story_id), label_of.get(sid)
            verdict = "to read" if not (a and b) else ("right" if a == b else "WRONG")
            other = stories.get(sid)
            head = other.members[0].post.text[:70].replace("\n", " ") if other else ""
            card = f"#{it.rank} {a or it.card.story_id} <- {b or sid} ({verdict})"
            lines.append(f"{card}: {it.summary.headline.text[:60]} <- {head}")
    return lines


def folds(data: Path, stores: Path | None, days: Sequence[str]) -> None:
    """Every fold of the graded days' pipeline digests (day and halves) and of ``days``' day digests."""
    from svodka.evaluate.ranking import day_halves, story_labels

    made = wrong = 0
    with tempfile.TemporaryDirectory() as tmp:
        for g in graded_sets(data, stores or Path(tmp), Path(tmp)):
            with open_store(g.db) as store:
                majority = dict(story_labels(store, g.folder).majority)
                for name, since, until in day_halves(g.day, [p.date for p in store.posts.iter()]):
                    lines = _fold_lines(store, DigestQuery(since, until, top=15), majority)
                    made += len(lines)
                    wrong += sum("(WRONG)" in line for line in lines)
                    print(f"folds {g.tag} pipeline {name}: {len(lines)}")
                    for line in lines:
                        print(f"  {line}")
    print(f"folds over the graded days' pipeline digests: {made}, wrong {wrong}")
    for day in days:
        db = (stores or Path(".")) / f"{day}.db"
        if not db.exists():
            print(f"folds {day}: no store {db} (make it with --read {day} --stores DIR)")
            continue
        since = datetime.fromisoformat(day).replace(tzinfo=UTC)
        with open_store(db) as store:
            lines = _fold_lines(store, DigestQuery(since, since + timedelta(days=1), top=15), {})
        print(f"folds {day} day: {len(lines)}")
        for line in lines:
            print(f"  {line}")


def variants() -> dict[str, Any]:
    """The rankings ``--loo`` chooses among: the shipped default and the rank's own weights moved either
    way (importance, depth, sources), so a held-out day says whether the default is a fit to the others.
    Measured and not kept (2026-12-02, benchmarks/README.md): depth counting a source's posts within
    2 min – 3 h of its last one as one report, the soft-channels part only from 50 % / 100 % soft channels."""
    from svodka.digest.compose import DigestOptions
    from svodka.pipeline.rank import RankWeights

    out: dict[str, Any] = {"default": DigestOptions()}
    for name, w in (
        ("importance 1.5", RankWeights(importance=1.5)),
        ("importance 3", RankWeights(importance=3.0)),
        ("depth 1", RankWeights(depth=1.0)),
        ("depth 2", RankWeights(depth=2.0)),
        ("sources 1.5", RankWeights(sources=1.5)),
    ):
        out[name] = DigestOptions(weights=w)
    return out


def _day_score(checks: Sequence[Any]) -> tuple[float, float]:
    """What a choice is made by: the mean lead share, then the mean NDCG@15."""
    k = max(1, len(checks))
    return (sum(c.lead_share for c in checks) / k, sum(c.ndcg15 for c in checks) / k)


def leave_one_day_out(data: Path, stores: Path | None, only: str = "") -> None:
    """Each graded day held out in turn: the variant (of :func:`variants`) with the best mean lead share,
    then NDCG@15, over the other days' digests is chosen, and the held-out day's digests are scored with
    the default and with the chosen one."""
    from svodka.evaluate.ranking import mean_row

    options = {n: o for n, o in variants().items() if n == "default" or only in n}
    with tempfile.TemporaryDirectory() as tmp:
        sets = graded_sets(data, stores or Path(tmp), Path(tmp))
        table = {name: {g.tag: set_checks(g, opt) for g in sets} for name, opt in options.items()}
    for name, by_day in table.items():
        print(f"loo all days, {name}: {mean_row([c for cs in by_day.values() for c in cs])}")
    for g in sets:
        rest = [t.tag for t in sets if t.tag != g.tag]
        chosen = max(options, key=lambda n: _day_score([c for t in rest for c in table[n][t]]))
        print(f"loo held out {g.tag}: chosen on {' + '.join(rest)}: {chosen}")
        for a, b in zip(table["default"][g.tag], table[chosen][g.tag], strict=True):
            print(
                f"  {a.name}: soft {a.soft_top10} → {b.soft_top10}, leads {a.leads_top15} → "
                f"{b.leads_top15}/{a.leads}, NDCG@15 {a.ndcg15:.3f} → {b.ndcg15:.3f}, twice {len(a.twice)} → "
                f"{len(b.twice)}"
            )


WHY_DEPTH = 60  # how far down a digest the --why report looks for a missed lead


def _terms(score: Any) -> str:
    """A score's terms, short: sources, depth, credibility, reach, velocity, recency, importance (its note
    names the topic, softness, soft channels, tiers)."""
    t = {x.name: x for x in score.terms}
    short = {"sources": "src", "depth": "dep", "credibility": "cred", "reach": "reach", "velocity": "vel"}
    parts = [f"{a} {t[n].contribution:.2f}" for n, a in short.items()]
    parts += [f"rec {t['recency'].contribution:.2f} ({t['recency'].note})"]
    parts += [f"imp {t['importance'].contribution:.2f} ({t['importance'].note})"]
    return f"{score.score:.2f} = " + ", ".join(parts)


def _why(
    name: str,
    digest: Any,
    label_of: dict[int, str | None],
    grades: dict[str, int],
    present: set[str],
    shown: Any = None,
) -> None:
    """Each lead outside the top 15 (majority unit) and what outranks it; a lead another card of the top 15
    shows (the shown unit, ``shown``: story id → gold labels) is marked so."""
    leads = sorted(k for k in present if grades.get(k) == 3)
    items = digest.items
    first15 = {label_of.get(it.card.story_id) for it in items[:15]}
    shown15 = {k for it in items[:15] for k in (shown or {}).get(it.card.story_id, ())}
    missed = [k for k in leads if k not in first15]
    if not missed:
        return
    print(
        f"why {name}: leads in the top 15 {len(leads) - len(missed)}/{len(leads)} "
        f"(shown {len(set(leads) & (shown15 | first15))}/{len(leads)}); missed:"
    )
    for k in missed:
        inside = [
            f"#{it.rank} ({label_of.get(it.card.story_id)})"
            for it in items[:15]
            if k in (shown or {}).get(it.card.story_id, ()) and label_of.get(it.card.story_id) != k
        ]
        if inside:
            print(f"  lead {k}: shown inside card {', '.join(inside)} (holds half of its posts or more)")
        cards = [it for it in items if label_of.get(it.card.story_id) == k]
        if not cards and not inside:
            print(f"  lead {k}: no card of it in the first {WHY_DEPTH}")
        for it in cards:
            print(
                f"  lead {k} #{it.rank} ({it.card.posts} posts / {len(it.card.channels)} ch): "
                f"{it.summary.headline.text[:80]}\n      {_terms(it.score)}"
            )
    print("  outranking them in the top 15, not leads:")
    for it in items[:15]:
        label = label_of.get(it.card.story_id)
        grade = grades.get(label) if label else None
        if grade != 3:
            print(
                f"   #{it.rank} {label} grade {grade} ({it.card.posts} posts / {len(it.card.channels)} ch): "
                f"{it.summary.headline.text[:80]}\n      {_terms(it.score)}"
            )


def why_day(g: GradedSet, options: Any = None) -> None:
    """The ``--why`` report of one graded day: its gold and its pipeline digests (day and halves)."""
    from svodka.digest.compose import DigestOptions
    from svodka.evaluate.ranking import day_halves, labels_in, pipeline_in_period, story_labels

    opt = options or DigestOptions()
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "g.db") as store:
        gold = gold_stories(store, g.folder)
        channels = {c.id: c for c in store.channels.list()}
    gopt = replace(opt, channels=opt.channels or channels)
    label_of: dict[int, str | None] = dict(gold.labels)
    dates = [m.post.date for s in gold.stories for m in s.members]
    for name, since, until in day_halves(g.day, dates):
        digest = build_digest(gold.stories, DigestQuery(since, until, top=WHY_DEPTH), gopt)
        _why(
            f"{g.tag} gold {name}",
            digest,
            label_of,
            g.grades,
            labels_in(gold.stories, label_of, since, until),
        )
    with open_store(g.db) as store:
        labels = story_labels(store, g.folder)
        plabel: dict[int, str | None] = dict(labels.majority)
        for name, since, until in day_halves(g.day, [p.date for p in store.posts.iter()]):
            digest = build_digest(store, DigestQuery(since, until, top=WHY_DEPTH), opt)
            present = pipeline_in_period(g.folder, g.grades, since, until)
            _why(f"{g.tag} pipeline {name}", digest, plabel, g.grades, present, labels.shown)


def soft_categories(data: Path) -> None:
    import random

    from svodka.pipeline.softness import softness

    by: dict[str, list[float]] = {"personal": [], "political": []}
    for line in (data / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["category"] in by and not row["date"].startswith("2024-11-30"):
            by[row["category"]].append(softness(row["text"]))
    rnd = random.Random(0)
    pairs = [(rnd.choice(by["personal"]), rnd.choice(by["political"])) for _ in range(20000)]
    auc = sum((a > b) + 0.5 * (a == b) for a, b in pairs) / len(pairs)
    means = {k: sum(v) / len(v) for k, v in by.items()}
    print(
        f"softness vs tg_ru_news_2024 categories: personal {means['personal']:.3f}, political "
        f"{means['political']:.3f} (mean), AUC personal > political {auc:.3f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument(
        "--stores",
        type=Path,
        help="keep the pipeline's processed stores of the graded days here and reuse them (one set of "
        "vectors for a before/after comparison: e5 vectors differ slightly between fresh runs)",
    )
    ap.add_argument(
        "--only", choices=["ranking", "loo", "folds"], help="run only these rows (loo: leave one day out)"
    )
    ap.add_argument("--src", help="the svodka tree to run (default: this checkout's src)")
    ap.add_argument("--days", default="", help="folds: days without grades whose stores --read made, a,b")
    ap.add_argument(
        "--why", action="store_true", help="per digest, each lead outside the top 15 and what outranks it"
    )
    ap.add_argument("--variants", default="", help="loo: only the variants whose name has this in it")
    ap.add_argument("--read", metavar="DAY", help="print the digest of DAY (no grades) to read by hand")
    args = ap.parse_args()
    if args.read:
        read_day(args.data, args.read, args.stores)
        return
    if args.only == "folds":
        folds(args.data, args.stores, [d for d in args.days.split(",") if d])
        return
    if args.only == "loo":
        leave_one_day_out(args.data, args.stores, args.variants)
        return
    if args.only == "ranking":
        ranking(args.data, args.stores, args.why)
        return
    gold_day(args.data)
    pipeline_day(args.data)
    ranking(args.data, args.stores, args.why)
    soft_categories(args.data)
    busiest_day(args.data)
    weak_topics(args.data)
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()

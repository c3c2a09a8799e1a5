"""Channel networks on tg_ru_news_2024: precision and recall over channel pairs against the list drawn up by
reading the posts (tests/data/networks_tg_ru_news_2024.json), and the networks with their evidence.

    python benchmarks/bench_networks.py [POSTS] [--gold FILE] [--ranking]

Imports POSTS into a scratch store and finds the networks from the posts alone (normalise, ads, copies;
no embeddings): about a minute on two cores. Same as `svodka eval networks POSTS --gold FILE`.

--english: the out-of-sample check — the @bbcbreaking Telegram channel and the BBCBreaking, cnnbrk and presstv
tweets of the same months (tg_en_bbcbreaking_2017) against tests/data/networks_tg_en_bbcbreaking_2017.json,
drawn up by reading those posts after the rule was fixed.

--incremental: POSTS' evidence added batch by batch (1,000 posts) with the network update after each, as
`svodka process` runs: pairs touched and counted again, and the update's time, against the full count's.

--ranking: the digest of the hand-labelled day (stories_dev, 2024-11-30, gold stories) without and with
the networks found in POSTS before that day, side by side: the 15 largest gold stories in the top 15 (as
bench_digest.py counts them), and `svodka eval ranking`'s rows (soft in top 10, leads in top 15, NDCG@15).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from svodka import settings as settings_mod
from svodka.digest.compose import DigestOptions, build_digest
from svodka.digest.model import DigestQuery
from svodka.evaluate.gold import gold_stories
from svodka.evaluate.networks import NetworkHistory, check_store, read_gold
from svodka.evaluate.ranking import gold_days, read_grades
from svodka.ingest import import_file
from svodka.model import WindowPost
from svodka.pipeline.coordination import BurstPost, CoordinationOptions, find_bursts
from svodka.pipeline.copies import CopySettings
from svodka.pipeline.credibility import independent_units
from svodka.pipeline.networks import NetworkOptions, membership, pair_evidence, pair_update, update_networks
from svodka.process.batches import batches
from svodka.process.networks import evidence_batches, rebuild_networks
from svodka.process.stages import analyse, find_copies
from svodka.store import open_store
from svodka.store.base import Store

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("posts", nargs="?", default=str(ROOT.parent / "shared/data/tg_ru_news_2024/posts.jsonl"))
    ap.add_argument("--gold", default=str(ROOT / "tests/data/networks_tg_ru_news_2024.json"))
    ap.add_argument("--ranking", action="store_true", help="Also the ranking check without/with networks.")
    ap.add_argument("--coordination", action="store_true", help="Also the coordinated bursts in POSTS.")
    ap.add_argument("--incremental", action="store_true", help="Also the update's cost batch by batch.")
    ap.add_argument(
        "--english", action="store_true", help="The out-of-sample check on tg_en_bbcbreaking_2017."
    )
    args = ap.parse_args()
    if args.english:
        scratch = tempfile.TemporaryDirectory(prefix="bench-networks-en-")
        args.posts = str(
            english_posts(ROOT.parent / "shared/data/tg_en_bbcbreaking_2017", Path(scratch.name))
        )
        args.gold = str(ROOT / "tests/data/networks_tg_en_bbcbreaking_2017.json")
    if args.incremental:
        incremental(Path(args.posts))
        return
    if args.ranking:
        ranking(Path(args.posts))
    gold = read_gold(args.gold)
    with tempfile.TemporaryDirectory(prefix="bench-networks-") as tmp:
        store = open_store(Path(tmp) / "n.db")
        with store:
            t = time.perf_counter()
            report = import_file(store, args.posts)
            t_import = time.perf_counter() - t
            t = time.perf_counter()
            networks = rebuild_networks(store, settings_mod.load(None, {}))
            t_find = time.perf_counter() - t
            names = {c.id: c.name for c in store.channels.list()}
            for n in networks:
                print(f"{n.name} [{n.state}]: {', '.join(names[c] for c in n.channels)}")
                for e in n.evidence:
                    delay = f"{e.median_delay_s:.0f} s" if e.median_delay_s is not None else "-"
                    print(
                        f"    {names[e.a]} ↔ {names[e.b]}: {e.texts} shared texts, median delay {delay}, "
                        f"{len(e.links)} shared links {list(e.links[:3])}"
                    )
            check = check_store(store, gold, networks)
            if args.coordination:
                coordination(store, membership(networks), names)
    print(check.row())
    print(f"{report.saved.new:,} posts imported in {t_import:.1f} s; evidence and networks in {t_find:.1f} s")


ENGLISH = (  # the sources of tg_en_bbcbreaking_2017, each with the sender id the list gives it
    ("bbcbreaking_telegram_posts.jsonl", -1009000000001, "bbcbreaking (Telegram)"),
    ("BBCBreaking_tweets.json", -1009000000002, "BBCBreaking (Twitter)"),
    ("cnnbrk_tweets.json", -1009000000003, "cnnbrk (Twitter)"),
    ("presstv_tweets.json", -1009000000004, "PressTV (Twitter)"),
)


def english_posts(folder: Path, out_dir: Path) -> Path:
    """tg_en_bbcbreaking_2017's Telegram posts and tweets as one JSONL in tg_ru_news_2024's shape."""
    rows = []
    for name, sender, channel in ENGLISH:
        path = folder / name
        if path.suffix == ".jsonl":
            items = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
            found = [(r["message_id"], r["date"].replace("Z", "+00:00"), r.get("text") or "") for r in items]
        else:
            found = [
                (
                    int(t["id"]) % 2_000_000_000,
                    datetime.fromtimestamp(int(t["created_at"]), UTC).isoformat(),
                    t["text"],
                )
                for t in orjson.loads(path.read_bytes())
            ]
        rows += [
            {"message_id": m, "sender_id": sender, "channel": channel, "date": d, "text": t}
            for m, d, t in found
            if t
        ]
    out = out_dir / "posts.jsonl"
    out.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in sorted(rows, key=lambda r: str(r["date"]))))
    return out


def incremental(posts: Path) -> None:
    settings = settings_mod.load(None, {})
    opt = NetworkOptions.from_settings(settings)
    with tempfile.TemporaryDirectory(prefix="bench-networks-inc-") as tmp:
        store = open_store(Path(tmp) / "n.db")
        with store:
            import_file(store, posts)
            names = {c.id: c.name for c in store.channels.list()}
            rows = []
            for n, counts in enumerate(evidence_batches(store, settings), 1):
                with store.transaction():
                    store.networks.add(counts)
                touched = len(store.networks.touched())
                t = time.perf_counter()
                pair_update(store.networks, opt)  # what update_networks counts (then finds the networks)
                t_update = time.perf_counter() - t
                update_networks(store.networks, names, opt)
                t = time.perf_counter()
                limit = int(opt.window_minutes * 60)
                full = pair_evidence(store.networks.shared_texts(limit), store.networks.channel_links(2), opt)
                t_full = time.perf_counter() - t
                assert full == store.networks.pairs(), n
                rows.append((n, touched, len(full), t_update, t_full))
    print("batch  touched/pairs  incremental count s  full count s (reads every row)")
    for n, touched, pairs, t_update, t_full in rows:
        print(f"{n:5d}  {touched:5d}/{pairs:<5d}  {t_update:19.3f}  {t_full:12.3f}")
    later = rows[1:]
    share = sum(r[1] for r in later) / max(1, sum(r[2] for r in later))
    print(
        f"after the first: touched {share:.0%} of the pairs; incremental counts "
        f"{sum(r[3] for r in later):.2f} s in all vs full counts {sum(r[4] for r in later):.2f} s"
    )


def coordination(store: Store, networks: dict[int, int], names: dict[int, str]) -> None:
    """Every post through normalise, ads and copies in date order; a text group is a copy group (an
    original and its copies) or, for ads (nobody's copy), the same normalised text."""
    settings = settings_mod.load(None, {})
    copy = CopySettings(settings["pipeline.copy_window_hours"], settings["pipeline.copy_threshold"])
    posts = sorted(store.posts.iter(), key=lambda p: (p.date.timestamp(), p.id))
    root: dict[int, int] = {}
    items: list[BurstPost] = []
    window: list[WindowPost] = []
    for batch in batches(posts, 1000):
        start = batch[0].date.timestamp() - copy.window_hours * 3600
        window = [w for w in window if w.date >= start]
        rows = find_copies(batch, analyse(batch), window, {}, copy)
        for p in batch:
            r = rows[p.id]
            if r.is_ad:
                group = -abs(r.text_hash) - 1
            else:
                group = root.get(r.origin_post_id, r.origin_post_id) if r.origin_post_id else p.id
                root[p.id] = group
                window.append(
                    WindowPost(
                        p.id,
                        p.channel_id,
                        int(p.date.timestamp()),
                        r.norm_text,
                        r.text_hash,
                        r.origin_post_id,
                        None,
                    )
                )
            if len(r.norm_text) >= 40:
                items.append(BurstPost(p.id, p.channel_id, p.date.timestamp(), p.text, p.links, group))
    bursts = find_bursts(items, networks)
    print(f"coordinated bursts: {len(bursts)} in {len(items):,} posts")
    wide = find_bursts(items, networks, CoordinationOptions(min_outlets=3))
    print(f"  of them in 3+ outlets: {len(wide)}")
    unmarked = find_bursts(items, networks, CoordinationOptions(min_outlets=3, min_marked=0))
    print(f"  the same text in 3+ outlets within 3 h, marked or not (not flagged): {len(unmarked)}")
    for b in bursts[:12]:
        text = store.posts.get(b.posts[0]).text[:110].replace("\n", " ")
        when = datetime.fromtimestamp(b.first, UTC).strftime("%Y-%m-%d %H:%M")
        print(f"  {when} {b.explain()}: {', '.join(names[c] for c in b.channels)} — {text}")


def ranking(posts: Path) -> None:
    day = datetime(2024, 11, 30, tzinfo=UTC)
    folder = ROOT.parent / "shared/data/stories_dev"
    history = NetworkHistory(posts, settings_mod.load(None, {}))
    with tempfile.TemporaryDirectory(prefix="bench-networks-") as tmp:
        store = open_store(Path(tmp) / "g.db")
        with store:
            gold = gold_stories(store, folder)
            networks = history.networks(store, day)
            channels = {c.id: c for c in store.channels.list()}
            names = {c.id: c.name for c in channels.values()}
    groups: dict[int, list[str]] = {}
    for c, n in networks.items():
        groups.setdefault(n, []).append(names[c])
    print("networks before the day:", "; ".join(", ".join(sorted(g)) for g in groups.values()))
    largest = sorted(gold.stories, key=lambda s: (-len(s.members), -len(s.channels), gold.labels[s.id]))[:15]
    q = DigestQuery(day, day + timedelta(days=1), top=15)
    for name, nets in (("without networks", {}), ("with networks", networks)):
        digest = build_digest(gold.stories, q, DigestOptions(channels=channels, networks=nets))
        top = {it.card.story_id for it in digest.items}
        hits = sum(s.id in top for s in largest)
        print(f"{name}: largest 15 gold stories in the top 15: {hits}/15")
    drops = [
        (s, len(independent_units(s)), len(independent_units(s, networks)))
        for s in gold.stories
        if len(independent_units(s, networks)) < len(independent_units(s))
    ]
    print(f"gold stories whose independent sources drop: {len(drops)} of {len(gold.stories)}")
    for s, was, now in sorted(drops, key=lambda d: -d[1])[:5]:
        print(f"  {gold.labels[s.id]} {was} → {now}: {gold.titles.get(gold.labels[s.id], '')}")
    grades = read_grades(ROOT / "tests/data/importance_stories_dev.json")
    before = gold_days(folder, grades, day)
    after = gold_days(folder, grades, day, networks_from=history)
    for b, a in zip(before, after, strict=True):
        print(f"  without: {b.row()}\n  with:    {a.row()}")


if __name__ == "__main__":
    main()

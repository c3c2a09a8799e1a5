"""Channel networks on tg_ru_news_2024: precision and recall over channel pairs against the list drawn up by
reading the posts (tests/data/networks_tg_ru_news_2024.json), and the networks with their evidence.

    python benchmarks/bench_networks.py [POSTS] [--gold FILE]

Imports POSTS into a scratch store and finds the networks from the posts alone (normalise, ads, copies;
no embeddings): about a minute on two cores. Same as `svodka eval networks POSTS --gold FILE`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from svodka import settings as settings_mod
from svodka.evaluate.networks import check_store, read_gold
from svodka.ingest import import_file
from svodka.process.networks import rebuild_networks
from svodka.store import open_store

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("posts", nargs="?", default=str(ROOT.parent / "shared/data/tg_ru_news_2024/posts.jsonl"))
    ap.add_argument("--gold", default=str(ROOT / "tests/data/networks_tg_ru_news_2024.json"))
    args = ap.parse_args()
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
    print(check.row())
    print(f"{report.saved.new:,} posts imported in {t_import:.1f} s; evidence and networks in {t_find:.1f} s")


if __name__ == "__main__":
    main()

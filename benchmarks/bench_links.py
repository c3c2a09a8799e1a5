"""How many of a digest's citations open for any reader (issue 14: links everywhere), without and with
``web.public_url``.

    PYTHONPATH=src python benchmarks/bench_links.py samples/tg_ru_news_2024-12-02.jsonl
    PYTHONPATH=src python benchmarks/bench_links.py samples/tg_ru_news_2024-12-02.jsonl --embedder use

Imports the file into a new SQLite store in a temporary folder, runs `svodka process` (which learns the
channels' handles at its end), builds the last day's digest up to the newest post as `make run` does
(`svodka digest --latest --since 24h`), once without and once with ``web.public_url``, and counts the
citations of its JSON document (each item's headline, key sentences and the quotes of "how sources differ"):
those linking to ``t.me/<handle>/<msg>``, to the post's page in the web app, to a member-only ``t.me/c`` link;
and how many of those with a page in the web app keep the ``t.me/c`` link as ``alt_url``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from svodka.digest import DigestQuery, build_digest
from svodka.digest.schema import to_dict
from svodka.ingest import import_file
from svodka.links import opens_publicly
from svodka.process import process
from svodka.scheduled import digest_options
from svodka.settings import Settings, defaults
from svodka.store import Store, open_store

PUBLIC_URL = "https://svodka.example.org"


def citations(doc: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(where, citation)`` for each item's headline, key sentences and differences' quotes."""
    for item in doc["items"]:
        yield "headline", item["headline"]
        for s in item["sentences"]:
            yield "sentence", s
        for d in item.get("differences") or ():
            for q in d["quotes"]:
                yield "difference", q


def kind(url: str | None, public_url: str) -> str:
    if public_url and (url or "").startswith(public_url):
        return "web page"
    if opens_publicly(url):
        return "t.me/<handle>"
    return "t.me/c" if url else "none"


def count(store: Store, settings: Settings, public_url: str) -> None:
    newest = max(s.last for s in store.channels.stats() if s.last is not None) + timedelta(seconds=1)
    query = DigestQuery(newest - timedelta(hours=24), newest, tz="auto", language="auto")  # as the CLI's
    options = digest_options(settings.replace(web__public_url=public_url))
    doc = to_dict(build_digest(store, query, options))
    found = list(citations(doc))
    kinds = Counter(kind(c.get("url"), public_url) for _where, c in found)
    where = Counter(w for w, _c in found)
    opening = kinds["t.me/<handle>"] + kinds["web page"]
    alt = sum(1 for _w, c in found if kind(c.get("url"), public_url) == "web page" and c.get("alt_url"))
    print(
        f"web.public_url={public_url or '(unset)'}: {len(doc['items'])} items, {len(found)} citations "
        f"({', '.join(f'{n} {w}s' for w, n in where.items())}); open for anyone {opening}/{len(found)}: "
        f"t.me/<handle> {kinds['t.me/<handle>']}, web page {kinds['web page']} (alt_url t.me/c: {alt}); "
        f"t.me/c {kinds['t.me/c']}, none {kinds['none']}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--embedder", default="e5", help="pipeline.embedder (e5, use)")
    args = ap.parse_args()
    settings = defaults(pipeline__embedder=args.embedder)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        import_file(store, args.file)
        t0 = time.perf_counter()
        process(store, settings)
        channels = store.channels.list()
        handles = sum(1 for c in channels if c.handle)
        print(f"processed in {time.perf_counter() - t0:.0f} s; handles known: {handles} of {len(channels)}")
        for public_url in ("", PUBLIC_URL):
            count(store, settings, public_url)
        store.close()


if __name__ == "__main__":
    main()

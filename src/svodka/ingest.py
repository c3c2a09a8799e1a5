"""Import files of posts into the store: detect the format, stream, save in batches.

Each batch is one transaction, so an interrupted import leaves whole batches behind and can simply be
run again: saving is idempotent (see :meth:`svodka.store.base.PostRepo.save`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TypeVar

from svodka.errors import InputError, StoreError
from svodka.model import Post, SaveResult
from svodka.sources.files import Problem, ReadOptions, ReadStats, detect, first_bad_utf8, get_format
from svodka.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(slots=True)
class PostImportReport:
    path: str
    format: str
    saved: SaveResult = field(default_factory=SaveResult)
    skipped: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # skipped bad records, where and why (the first)
    seconds: float = 0.0

    @property
    def records(self) -> int:
        return self.saved.total


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


# A batch is also cut at this much text, so long posts do not multiply the import's peak memory: a
# batch's posts, raw records, row tuples and staging rows are all alive at once. Measured with
# benchmarks/bench_import.py on a 60,000-post synthetic export: 5,000-post batches peaked at 338 MB, 1,000 at
# 188 MB; with this cap (and compact raw records) 216 MB at the same speed, and 217 MB for 1,000,000 posts.
BATCH_TEXT_CHARS = 2 << 20


def batched_posts(
    posts: Iterable[Post], size: int, max_chars: int = BATCH_TEXT_CHARS
) -> Generator[list[Post], None, None]:
    batch: list[Post] = []
    chars = 0
    for post in posts:
        batch.append(post)
        chars += len(post.text)
        if len(batch) >= size or chars >= max_chars:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def import_file(
    store: Store,
    path: str | Path,
    fmt: str | None = None,
    options: ReadOptions | None = None,
    batch_size: int = 5000,
    on_progress: Callable[[int], None] | None = None,
    max_bytes: int = 0,
) -> PostImportReport:
    """Import one file; returns what was new, edited, unchanged and skipped (bad records: where and why).

    ``on_progress(n)`` is called with the number of posts in each stored batch.
    """
    import time

    p = Path(path)
    if max_bytes and p.is_file() and p.stat().st_size > max_bytes:
        raise InputError(p, f"file is {p.stat().st_size >> 20} MiB, over import.max_file_mb")
    file_format = get_format(fmt) if fmt else detect(p)
    stats = ReadStats()
    report = PostImportReport(path=str(p), format=file_format.name)
    started = time.perf_counter()
    log.info("importing %s as %s", p, file_format.name)
    batches = batched_posts(file_format.read(p, options or ReadOptions(), stats), batch_size)
    try:
        for batch in batches:
            report.saved += store.posts.save(batch)
            if on_progress:
                on_progress(len(batch))
    except UnicodeDecodeError as e:
        raise InputError(p, f"not UTF-8 text ({e.reason})", first_bad_utf8(p)) from None
    except OSError as e:
        raise InputError(p, f"cannot read: {e.strerror or e}", stats.position) from None
    except StoreError as e:
        # Name the input and how far it got: earlier batches are stored, a re-run completes the rest.
        done = report.saved.total
        at = f", at {stats.position}" if stats.position else ""
        raise type(e)(f"{e} (importing {p}{at}; {done} posts of earlier batches are stored)") from None
    finally:
        batches.close()  # closes the reader (and its file) now, also after an error
        report.skipped = dict(stats.skipped)
        report.problems = list(stats.problems)
        report.seconds = time.perf_counter() - started
    return report

"""Import files of posts into the store: detect the format, stream, save in batches.

Each batch is one transaction, so an interrupted import leaves whole batches behind and can simply be
run again: saving is idempotent (see :meth:`svodka.store.base.PostRepo.save`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TypeVar

from svodka.errors import InputError
from svodka.model import SaveResult
from svodka.sources.files import ReadOptions, ReadStats, detect, get_format
from svodka.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(slots=True)
class ImportReport:
    path: str
    format: str
    saved: SaveResult = field(default_factory=SaveResult)
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def records(self) -> int:
        return self.saved.total


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def import_file(
    store: Store,
    path: str | Path,
    fmt: str | None = None,
    options: ReadOptions | None = None,
    batch_size: int = 5000,
    on_progress: Callable[[int], None] | None = None,
    max_bytes: int = 0,
) -> ImportReport:
    """Import one file; returns what was new, edited, unchanged and skipped.

    ``on_progress(n)`` is called with the number of posts in each stored batch.
    """
    import time

    p = Path(path)
    if max_bytes and p.is_file() and p.stat().st_size > max_bytes:
        raise InputError(p, f"file is {p.stat().st_size >> 20} MiB, over import.max_file_mb")
    file_format = get_format(fmt) if fmt else detect(p)
    stats = ReadStats()
    report = ImportReport(path=str(p), format=file_format.name)
    started = time.perf_counter()
    log.info("importing %s as %s", p, file_format.name)
    try:
        for batch in batched(file_format.read(p, options or ReadOptions(), stats), batch_size):
            report.saved += store.posts.save(batch)
            if on_progress:
                on_progress(len(batch))
    except UnicodeDecodeError as e:
        raise InputError(p, f"not UTF-8 text (byte {e.start} of a chunk: {e.reason})", stats.position) from None
    except OSError as e:
        raise InputError(p, f"cannot read: {e.strerror or e}", stats.position) from None
    finally:
        report.skipped = dict(stats.skipped)
        report.seconds = time.perf_counter() - started
    return report

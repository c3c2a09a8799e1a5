"""Progress of a pipeline run where no terminal shows a bar: one log line every ``every`` seconds."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


def eta_text(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class ProgressLog:
    """``on_progress(done, total)`` for :func:`svodka.process.process` that logs (INFO) at most one line
    per ``every`` seconds, with the rate so far and the time left at that rate, and one at the end."""

    def __init__(self, every: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self.start = clock()
        self.last = self.start
        self.lines = 0
        self.done = -1

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if done == self.done or (now - self.last < self.every and done < total):
            return
        self.last, self.done = now, done
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        left = (total - done) / rate if rate > 0 else float("inf")
        eta = eta_text(left) if rate > 0 else "?"
        log.info(
            "processed %d/%d posts (%.0f%%), %.1f posts/s, ETA %s",
            done,
            total,
            100 * done / max(total, 1),
            rate,
            eta,
        )
        self.lines += 1

"""Which posts a run covers, in which batches, and where an interrupted run resumes.

A run covers the posts stored after the watermark up to the highest id present when it started. It takes
them in date order (arrival order is not date order: an import goes channel by channel, and clustering is
order-sensitive) and in batches of ``pipeline.batch_posts``; each batch is committed whole, with the run's
progress: the run's last id and the (date, id) of the batch's last post. After a kill the next run finds
that progress and takes the rest of the same posts in the same batches, so it ends where an uninterrupted
run would have; the last batch moves the watermark and clears the progress.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from svodka.model import StoredPost
from svodka.store.base import WATERMARK, AnalysisRepo, PostRepo

RUN_UNTIL = "run_until"  # the last post id of the run in progress; 0 when none is
DONE_DATE = "run_done_date"  # the (date, id) of the last post of its last committed batch
DONE_ID = "run_done_id"


@dataclass(frozen=True, slots=True)
class Run:
    watermark: int
    until: int  # the highest post id the run covers
    posts: tuple[StoredPost, ...]  # still to do, in (date, id) order
    resumed: bool  # continues a run that was interrupted


def _key(p: StoredPost) -> tuple[int, int]:
    return int(p.date.timestamp()), p.id


def plan_run(posts: PostRepo, state: AnalysisRepo, settled: int | None = None) -> Run | None:
    """The run to do now (reading the new posts once), or None when nothing is new.

    ``settled``: the highest post id with no lower one still being written (``claims.settled_post_id``);
    later posts wait for the next run, so a post committed late under a lower id is never passed over."""
    watermark = state.get_state(WATERMARK)
    until = state.get_state(RUN_UNTIL)
    resumed = until > watermark
    done = (state.get_state(DONE_DATE), state.get_state(DONE_ID)) if resumed else (0, 0)
    todo: list[StoredPost] = []
    last = watermark
    for p in posts.iter(after_id=watermark):
        if (resumed and p.id > until) or (settled is not None and p.id > settled):
            continue
        last = max(last, p.id)
        if p.deleted_at is None and (not resumed or _key(p) > done):
            todo.append(p)
    if not todo and not resumed:
        return None  # (a resumed run whose rest was deleted meanwhile still ends: its watermark moves)
    todo.sort(key=_key)
    return Run(watermark, until if resumed else last, tuple(todo), resumed)


def batches(posts: Sequence[StoredPost], size: int) -> Iterator[Sequence[StoredPost]]:
    size = max(1, size)
    for i in range(0, len(posts), size):
        yield posts[i : i + size]


def progress_state(run: Run, batch: Sequence[StoredPost], last: bool) -> dict[str, int]:
    """The pipeline_state rows written with a batch: the run's progress, or at its end the watermark."""
    if last:
        return {WATERMARK: run.until, RUN_UNTIL: 0, DONE_DATE: 0, DONE_ID: 0}
    date, pid = _key(batch[-1])
    return {RUN_UNTIL: run.until, DONE_DATE: date, DONE_ID: pid}


def context_ranges(dates: Sequence[float], hours: float) -> list[tuple[int, int]]:
    """The date ranges a batch reads stored posts from: ``hours`` either side of each new post, merged.

    A batch of the newest posts reads one range, the hours before them; a batch that also holds backlog (a
    channel's history imported late) reads a range around each old post too — never every stored post
    between the oldest new post and now, which in a store of months would be most of the store.
    """
    span = hours * 3600
    ranges: list[tuple[int, int]] = []
    for d in sorted(dates):
        lo, hi = int(d - span), int(d + span) + 1
        if ranges and lo <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], hi))
        else:
            ranges.append((lo, hi))
    return ranges

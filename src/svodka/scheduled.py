"""Build, save and deliver the scheduled digests that are due — the work `svodka watch` does after a fresh
collection (see :func:`svodka.collect.watch`'s ``followup``).

For each due job, in order: open its slot (state written before any work, so a restart never repeats
it), run the stories pipeline once (:func:`svodka.process.process`) so the digest sees what was just
collected, build the digest for the slot's period and save it (``store.digests``, for repeats), then deliver
it to each target not yet done — files, e-mail, Telegram bot — recording each success. A failure is one
log line and the job's ``last_error``; the slot stays pending and is retried with backoff
(``collect.backoff_base`` … ``collect.backoff_cap``), rebuilt from the same period and compared with the
same previous digest, and only the targets that failed get it. A slot that is still pending when the next
one comes due is given up (logged) in favour of the new one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from svodka.digest.compose import Abstractor, DigestOptions, build_digest, save_digest
from svodka.digest.deliver import (
    BotSettings,
    SmtpSettings,
    render_all,
    send_email,
    send_telegram,
    write_files,
)
from svodka.digest.jobs import DigestJob, JobState, Pending, open_slot, retry_delay, sync
from svodka.digest.model import Digest, DigestRecord
from svodka.errors import SvodkaError
from svodka.pipeline.importance import desk_profile
from svodka.pipeline.rank import RankWeights
from svodka.pipeline.summarize import SummaryOptions
from svodka.store import Store

if TYPE_CHECKING:
    from svodka.pipeline.embed import Embedder

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class JobReport:
    """What one attempt at a job did."""

    name: str
    slot: datetime
    digest_id: int | None = None
    stories: int = 0
    delivered: tuple[str, ...] = ()  # targets reached by this attempt
    error: str | None = None
    retry_at: datetime | None = None

    def line(self) -> str:
        head = f"digest {self.name} [{self.slot:%Y-%m-%d %H:%M} UTC]"
        if self.error:
            retry = f"; retry at {self.retry_at:%Y-%m-%d %H:%M:%S} UTC" if self.retry_at else ""
            done = f" (delivered: {', '.join(self.delivered)})" if self.delivered else ""
            return f"{head}: error: {self.error}{retry}{done}"
        return f"{head}: #{self.digest_id}, {self.stories} stories, delivered: {', '.join(self.delivered)}"


def digest_options(settings: Mapping[str, Any]) -> DigestOptions:
    """Ranking, summary and abstract options from the ``digest.*`` settings (as `svodka digest` uses)."""
    abstractor: Abstractor | None = None
    if settings["digest.llm_url"]:
        from svodka.digest.abstract import LlmSettings, OpenAICompatAbstractor

        abstractor = OpenAICompatAbstractor(
            LlmSettings(settings["digest.llm_url"], settings["digest.llm_model"], settings["network.timeout"])
        )
    return DigestOptions(
        weights=RankWeights(
            half_life_hours=settings["digest.half_life_hours"], importance=settings["digest.importance"]
        ),
        desk=desk_profile(settings),
        summary=SummaryOptions(max_sentences=min(4, max(2, settings["digest.sentences"]))),
        history_days=settings["digest.history_days"],
        abstractor=abstractor,
        public_url=settings["web.public_url"],
        embedder=settings["pipeline.embedder"],  # the fold compares stories by this model's cached vectors
    )


class ScheduledDigests:
    """The configured digest jobs over one store: :meth:`due_at` says when there is work, :meth:`run_due`
    does it (:meth:`run` off the event loop, for `svodka watch`)."""

    def __init__(
        self,
        store: Store,
        settings: Mapping[str, Any],
        jobs: Sequence[DigestJob],
        clock: Callable[[], datetime] = utcnow,
        embedder: Embedder | None = None,
        on_report: Callable[[JobReport], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.jobs = list(jobs)
        self.clock = clock
        self.on_report = on_report
        self._embedder = embedder  # loaded on first use and kept: a daemon pays for the model once
        self._states: dict[str, JobState] = {}
        self._not_before: datetime | None = None  # after an unexpected failure: breathe
        self._backoff = (float(settings["collect.backoff_base"]), float(settings["collect.backoff_cap"]))

    def start(self) -> dict[str, JobState]:
        """Read each job's state; a new job, or one whose schedule changed, gets its next slot."""
        now = self.clock()
        for job in self.jobs:
            state = self.store.digest_jobs.get(job.name)
            synced = sync(job, state, now)
            if synced != state:
                self.store.digest_jobs.put(synced)
                log.info("digest %s: next at %s", job.name, synced.next_due)
            self._states[job.name] = synced
        return dict(self._states)

    def due_at(self) -> datetime | None:
        """The earliest moment a job has work (a slot, or a retry); None without jobs."""
        if len(self._states) < len(self.jobs):
            self.start()
        times = [t for s in self._states.values() if (t := s.due_at()) is not None]
        if not times:
            return None
        soonest = min(times)
        return max(soonest, self._not_before) if self._not_before else soonest

    async def run(self, now: datetime) -> list[JobReport]:
        return await asyncio.to_thread(self.run_due, now)

    def run_due(self, now: datetime) -> list[JobReport]:
        """Every job with work at ``now``: open due slots, process once, build, save, deliver."""
        try:
            return self._run_due(now)
        except Exception as e:  # the store, or a bug: say so once, try again after a pause
            delay = retry_delay(1, *self._backoff)
            self._not_before = self.clock() + timedelta(seconds=delay)
            log.error("scheduled digests failed: %s; trying again in %.0f s", e, delay)
            return []

    def _run_due(self, now: datetime) -> list[JobReport]:
        if len(self._states) < len(self.jobs):
            self.start()
        work: list[DigestJob] = []
        for job in self.jobs:
            state, superseded = open_slot(job, self._states[job.name], now)
            if superseded is not None:
                missing = ", ".join(t for t in job.targets if t not in superseded.done)
                log.warning(
                    "digest %s: the %s digest never reached %s; given up for the %s one",
                    job.name,
                    f"{superseded.slot:%Y-%m-%d %H:%M}",
                    missing,
                    f"{state.pending.slot:%Y-%m-%d %H:%M}" if state.pending else "next",
                )
            if state is not self._states[job.name]:
                self._put(state)
            p = state.pending
            if p is not None and (p.retry_at is None or p.retry_at <= now):
                work.append(job)
        self._not_before = None
        if not work:
            return []
        self._process()
        reports = [self._attempt(job) for job in work]
        for report in reports:
            if self.on_report is not None:
                self.on_report(report)
        return reports

    def _put(self, state: JobState) -> None:
        self.store.digest_jobs.put(state)
        self._states[state.name] = state

    def _process(self) -> None:
        """Place what was just collected into stories; on failure, log it and use the stories stored."""
        # Imported here, not above: `svodka digest` (which calls digest_options) does not load the pipeline.
        from svodka.pipeline.embed import make_embedder
        from svodka.process import process

        try:
            if self._embedder is None:
                s = self.settings
                self._embedder = make_embedder(s["pipeline.embedder"], device=s["pipeline.device"])
            report = process(self.store, self.settings, embedder=self._embedder)
            if report.posts:
                log.info(
                    "processed %d posts: %d new stories, %d grown",
                    report.posts,
                    report.stories_new,
                    report.stories_joined,
                )
        except Exception as e:  # the digest is still worth sending with the stories already placed
            log.warning("processing before the digest failed: %s; the digest uses the stories stored", e)

    # --- one job ---------------------------------------------------------------------------------------
    def _attempt(self, job: DigestJob) -> JobReport:
        pending = self._states[job.name].pending
        assert pending is not None
        try:
            digest = self._digest(job, pending)
        except Exception as e:
            return self._failed(job, self._states[job.name], f"build: {e}", ())
        state = self._states[job.name]  # _digest may have found the slot's digest saved before a crash
        p = state.pending
        assert p is not None
        if p.digest_id is None:
            digest = save_digest(self.store, digest)
            p = replace(p, digest_id=digest.id, previous_id=digest.previous_id)
            state = replace(state, pending=p, last_until=p.until, last_digest_id=digest.id)
            self._put(state)
        delivered: list[str] = []
        errors: list[str] = []
        rendered: dict[str, bytes] | None = None
        for target in job.targets:
            if target in p.done:
                continue
            try:
                if rendered is None:
                    rendered = render_all(digest, job.formats)
                self._deliver(job, target, digest, rendered)
            except (SvodkaError, OSError) as e:
                errors.append(f"{target}: {e}")
                continue
            delivered.append(target)
            p = replace(p, done=(*p.done, target))
            state = replace(state, pending=p)
            self._put(state)  # recorded at once: a restart does not send it twice
        if errors:
            return self._failed(job, state, "; ".join(errors), tuple(delivered))
        self._put(replace(state, pending=None, last_run=self.clock(), failures=0))
        log.info("digest %s #%s delivered: %s", job.name, digest.id, ", ".join(job.targets))
        return JobReport(job.name, p.slot, digest.id, len(digest.items), tuple(delivered))

    def _failed(self, job: DigestJob, state: JobState, error: str, delivered: tuple[str, ...]) -> JobReport:
        now = self.clock()
        failures = state.failures + 1
        retry_at = now + timedelta(seconds=retry_delay(failures, *self._backoff))
        assert state.pending is not None
        error = " ".join(error.split())[:500]
        self._put(
            replace(
                state,
                failures=failures,
                last_error=error,
                last_error_at=now,
                pending=replace(state.pending, retry_at=retry_at),
            )
        )
        log.warning(
            "digest %s: %s (attempt %d; retry at %s)", job.name, error, failures, f"{retry_at:%H:%M:%S}"
        )
        return JobReport(job.name, state.pending.slot, state.pending.digest_id, 0, delivered, error, retry_at)

    def _digest(self, job: DigestJob, p: Pending) -> Digest:
        """The digest of the pending slot: built once, then rebuilt the same way for a retry."""
        query = job.query(p.since, p.until)
        options = digest_options(self.settings)
        digests = self.store.digests
        if p.digest_id is None:
            # Saved just before a crash, with the state not yet told? Then it is this slot's digest.
            last = digests.last(query.kind, before=p.until)
            if (
                last is not None
                and (last.since, last.until) == (p.since, p.until)
                and last.created_at >= (p.started - timedelta(seconds=1))
            ):
                previous_id = digests.body(last.id).get("previous_id")
                p = replace(p, digest_id=last.id, previous_id=previous_id)
                state = self._states[job.name]
                self._put(replace(state, pending=p, last_until=p.until, last_digest_id=last.id))
            else:
                return build_digest(self.store, query, options)
        # A rebuild compares with the digest the first build compared with, not with itself.
        if p.previous_id is not None:
            previous = digests.get(p.previous_id)
        else:
            previous = DigestRecord(0, query.kind, p.since, p.since, p.started, {})
        digest = build_digest(self.store, query, replace(options, previous=previous))
        return replace(digest, id=p.digest_id, previous_id=p.previous_id)

    def _deliver(self, job: DigestJob, target: str, digest: Digest, rendered: Mapping[str, bytes]) -> None:
        s = self.settings
        if target == "files":
            write_files(rendered, job.out, stem=job.name)
        elif target == "email":
            send_email(digest, list(job.email), SmtpSettings.from_settings(s), attach=rendered)
        elif target == "telegram":
            bot = BotSettings.from_settings(s)
            send_telegram(digest, job.bot_chat, bot)

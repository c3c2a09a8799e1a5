"""Scheduled digests: the jobs of ``[[digest.jobs]]`` and the rules of their state.

A job says when (``schedule``), what (``period``, ``top``, ``topic`` / ``group`` / ``lang``, ``tz``,
``language``, ``formats``) and where (``out`` folder, ``email`` recipients, ``bot_chat``)::

    [[digest.jobs]]
    name = "morning"
    schedule = "every day at 08:00 Europe/Moscow"
    email = ["me@example.org"]

or, for one digest, ``schedule`` (and ``email``, ``bot_chat``) in ``[digest]`` itself (:func:`jobs_from`).

Its :class:`JobState` (a record of :mod:`svodka.digest.model`) lives in the store (``store.digest_jobs``,
migration 0008): the next slot, and the slot being built and delivered (:class:`Pending`, with the targets
already done). A slot is opened once —
``next_due`` moves past it in the same write — so a restart never repeats a digest, and the pending slot
is finished after a restart, so none is skipped. Slots missed while svodka was down collapse into one run
covering the latest of them. The pure rules are here; :mod:`svodka.scheduled` builds, saves and
delivers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from svodka.digest.deliver import FORMATS
from svodka.digest.model import DigestQuery, JobState, Pending
from svodka.digest.period import parse_span
from svodka.digest.schedule import Schedule, parse_schedule
from svodka.errors import ConfigError
from svodka.i18n import AUTO, check_language, display_tz
from svodka.pipeline.story_topics import TOPICS

KEYS = (
    "name",
    "schedule",
    "period",
    "top",
    "topic",
    "group",
    "lang",
    "tz",
    "language",
    "formats",
    "out",
    "email",
    "bot_chat",
)
TARGETS = ("files", "email", "telegram")  # in the order they are delivered
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True, slots=True)
class DigestJob:
    """One configured digest: what it covers, when it is due, where it goes."""

    name: str
    schedule: Schedule
    period: str = "last"  # "last": since the previous digest of this job; or a span: 24h, 3d
    top: int = 15
    topic: str | None = None
    group: str | None = None
    lang: str | None = None
    tz: str = "UTC"  # auto: the zone of the language its posts settle (svodka.digest.voice.settle)
    language: str = "en"  # the labels' language: en, ru or auto (digest.language)
    formats: tuple[str, ...] = ("md", "html")
    out: str = "."  # folder for <name>.<format>; "" writes no files
    email: tuple[str, ...] = ()
    bot_chat: str = ""

    @property
    def targets(self) -> tuple[str, ...]:
        wanted = {"files": bool(self.out), "email": bool(self.email), "telegram": bool(self.bot_chat)}
        return tuple(t for t in TARGETS if wanted[t])

    def query(self, since: datetime, until: datetime) -> DigestQuery:
        return DigestQuery(
            since, until, self.topic, self.group, self.lang, self.top, self.tz, self.name, self.language
        )

    def period_for(self, slot: datetime, last_until: datetime | None) -> tuple[datetime, datetime]:
        """``(since, until)`` of the digest for ``slot``: it ends at the slot; "last" starts where the
        previous digest of this job ended (the first one: one schedule step back)."""
        if self.period != "last":
            return slot - parse_span(self.period), slot
        if last_until is not None and last_until < slot:
            return last_until, slot
        return self.schedule.previous_run(slot - timedelta(microseconds=1)), slot


def _text(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be text, not {value!r}")
    return str(value).strip() or None


def _items(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f'{where}: {key} must be a list such as ["a", "b"], not {value!r}')
    return tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))


def _job(raw: Mapping[str, Any], index: int, settings: Mapping[str, Any]) -> DigestJob:
    where = f"digest.jobs[{index}]"
    name = _text(raw, "name", where)
    if name is None or not _NAME.fullmatch(name):
        raise ConfigError(
            f"{where}: give each job a name of letters, digits, '-', '_' or '.' "
            f"(it names the files and the job's state), not {raw.get('name')!r}"
        )
    where = f"digest job {name!r}"
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(KEYS)}")
    period = (_text(raw, "period", where) or "last").lower()
    try:
        schedule = parse_schedule(_text(raw, "schedule", where) or str(settings["digest.schedule"]))
        if period != "last":
            parse_span(period)
    except ConfigError as e:
        raise ConfigError(f"{where}: {e}") from None
    top = raw.get("top", settings["digest.top"])
    if not isinstance(top, int) or isinstance(top, bool) or top < 1:
        raise ConfigError(f"{where}: top must be a whole number of stories, at least 1, not {top!r}")
    topic = _text(raw, "topic", where)
    if topic is not None and topic not in TOPICS:
        raise ConfigError(f"{where}: unknown topic {topic!r}; one of: {', '.join(TOPICS)}")
    language = _text(raw, "language", where) or str(settings["digest.language"])
    try:
        check_language(language, "language")
        # Times are shown in the job's tz, else in the zone a schedule someone wrote names, else in
        # display.tz (auto: the zone of the job's language, settled with it by the digest's posts when that
        # is auto too); the default schedule's "UTC" says when to run, not how to show times.
        origin = getattr(settings, "origin", None)
        written = "schedule" in raw or origin is None or origin("digest.schedule") != "default"
        zoned = schedule.tz if schedule.zoned and written else None
        tz = _text(raw, "tz", where) or zoned or str(settings["display.tz"])
        tz = display_tz(tz, language) if tz != AUTO or language != AUTO else AUTO
    except ConfigError as e:
        raise ConfigError(f"{where}: {e}") from None
    formats = _items(raw, "formats", where) or tuple(settings["digest.formats"])
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ConfigError(f"{where}: unknown format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    out = raw.get("out", settings["digest.out"])
    if not isinstance(out, str):
        raise ConfigError(f'{where}: out must be a folder ("" for no files), not {out!r}')
    email = _items(raw, "email", where) or ()
    bad = [a for a in email if "@" not in a]
    if bad:
        raise ConfigError(f"{where}: not an e-mail address: {', '.join(bad)}")
    job = DigestJob(
        name=name,
        schedule=schedule,
        period=period,
        top=top,
        topic=topic,
        group=_text(raw, "group", where),
        lang=(_text(raw, "lang", where) or "").lower() or None,
        tz=tz,
        language=language,
        formats=formats,
        out=out.strip(),
        email=email,
        bot_chat=_text(raw, "bot_chat", where) or "",
    )
    if not job.targets:
        raise ConfigError(f"{where}: nowhere to deliver it: set out, email or bot_chat")
    return job


def compact(settings: Mapping[str, Any]) -> bool:
    """Whether the compact form is used: ``digest.schedule`` set (file, environment) and no jobs table."""
    origin = getattr(settings, "origin", None)
    return not settings["digest.jobs"] and origin is not None and origin("digest.schedule") != "default"


def jobs_from(settings: Mapping[str, Any]) -> list[DigestJob]:
    """The configured jobs, checked (a bad one is one clear ConfigError): the ``[[digest.jobs]]`` tables,
    or, when only ``digest.schedule`` is set, one job named ``digest`` from the ``[digest]`` settings
    (period ``digest.since``, recipients ``digest.email``, chat ``digest.bot_chat``)."""
    tables = list(settings["digest.jobs"])
    if compact(settings):
        tables = [
            {
                "name": "digest",
                "period": settings["digest.since"],
                "email": list(settings["digest.email"]),
                "bot_chat": settings["digest.bot_chat"],
            }
        ]
    jobs = [_job(raw, i, settings) for i, raw in enumerate(tables, start=1)]
    names = [j.name for j in jobs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"digest.jobs: job name(s) used twice: {', '.join(twice)}")
    return jobs


def sync(job: DigestJob, state: JobState, now: datetime) -> JobState:
    """The state for the job as configured now: a new job, or one whose schedule was changed, waits for
    its next slot (it does not fire at once)."""
    if state.next_due is None or state.schedule != job.schedule.text:
        return replace(state, schedule=job.schedule.text, next_due=job.schedule.next_run(now))
    return state


def open_slot(job: DigestJob, state: JobState, now: datetime) -> tuple[JobState, Pending | None]:
    """If a slot is due at ``now``: the state with that slot pending and ``next_due`` past ``now``, and
    the pending slot it replaces (never finished), if any. Several missed slots give one: the latest."""
    if state.next_due is None or state.next_due > now:
        return state, None
    slot = max(job.schedule.previous_run(now), state.next_due)
    since, until = job.period_for(slot, state.last_until)
    pending = Pending(slot=slot, since=since, until=until, started=now)
    opened = replace(state, next_due=job.schedule.next_run(now), pending=pending, failures=0)
    return opened, state.pending


def retry_delay(failures: int, base: float, cap: float) -> float:
    """Seconds before the next attempt after ``failures`` failed ones: base·2^(n-1), capped."""
    return min(base * 2.0 ** max(failures - 1, 0), cap)


def describe(state: JobState, targets: Sequence[str] = TARGETS) -> str:
    """A few words for `svodka status`: ok, delivering, or failing and when it retries."""
    p = state.pending
    if p is None:
        if state.failures:
            return f"{state.failures} failure(s)"
        return "ok" if state.last_run is not None else "not run yet"
    left = ", ".join(t for t in targets if t not in p.done)
    if state.failures == 0:
        return f"delivering slot {p.slot:%Y-%m-%d %H:%M} (to {left or 'nothing'})"
    when = f" - retry at {p.retry_at:%Y-%m-%d %H:%M:%S}" if p.retry_at else ""
    return f"{state.failures} failure(s){when} (not yet: {left})"

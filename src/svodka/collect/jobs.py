"""What the collector works on (a :class:`Job`: one source of one channel) and what a run did."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from svodka.collect.config import CollectConfig
from svodka.collect.registry import source_for, why_not_collected
from svodka.model import Channel


@dataclass(frozen=True, slots=True)
class Job:
    """One source to collect: ``kind`` names a registered source (:mod:`svodka.collect.registry`):
    web (t.me/s), mtproto, rss, or one a package adds."""

    kind: str
    channel: Channel

    @property
    def key(self) -> str:
        """The source_state key: ``web:rian_ru``, ``mtproto:rian_ru``, ``rss:https://…``."""
        name = self.channel.handle or self.channel.ext_id or f"#{self.channel.id}"
        return f"{self.kind}:{name}"


@dataclass(frozen=True, slots=True)
class NotCollected:
    """A channel no registered source takes under the current settings, and what it would need."""

    channel: Channel
    why: str

    def line(self) -> str:
        ch = self.channel
        name = f"{ch.name} ({ch.ext_id})" if ch.ext_id and ch.ext_id != ch.name else ch.name
        return f"{name}: not collected ({self.why})"


@dataclass(frozen=True, slots=True)
class Plan:
    """What a collection covers: one job per collectable channel, and the channels left out."""

    jobs: tuple[Job, ...]
    not_collected: tuple[NotCollected, ...] = ()


def plan_for(channels: Collection[Channel], cfg: CollectConfig, handed_over: Collection[str] = ()) -> Plan:
    """Each channel's job: the first registered source of its platform that takes it (for Telegram: the
    web preview unless ``collect.telegram_via`` says mtproto, the channel has no username, or — ``auto`` —
    its web preview was found missing, a key in ``handed_over``)."""
    jobs, left = [], []
    for channel in channels:
        source = source_for(channel, cfg, handed_over)
        if source is None:
            left.append(NotCollected(channel, why_not_collected(channel)))
        else:
            jobs.append(Job(source.kind, channel))
    return Plan(tuple(jobs), tuple(left))


def job_for(channel: Channel, telegram_via: str, no_preview: bool = False) -> Job:
    """The job of one channel with MTProto taken as set up (see :func:`plan_for`); ValueError if no
    source takes it."""
    handed_over = {f"web:{channel.handle}"} if no_preview else set()
    plan = plan_for([channel], CollectConfig(telegram_via=telegram_via), handed_over)
    if not plan.jobs:
        raise ValueError(plan.not_collected[0].line())
    return plan.jobs[0]


@dataclass(slots=True)
class Outcome:
    """What one collection of one source did (acknowledged: everything counted here is stored)."""

    key: str
    new: int = 0
    edited: int = 0
    deleted: int = 0
    restored: int = 0
    pages: int = 0
    through: int | None = None  # highest message id stored for the source
    error: str | None = None
    skipped: str | None = None  # why it was not run (rate limited, breaker open)

    def line(self) -> str:
        if self.skipped:
            return f"{self.key}: skipped ({self.skipped})"
        if self.error:
            return f"{self.key}: error: {self.error}"
        through = f"; stored through #{self.through}" if self.through is not None else ""
        return (
            f"{self.key}: {self.new} new, {self.edited} edited, {self.deleted} deleted"
            f"{', ' + str(self.restored) + ' restored' if self.restored else ''}{through}"
        )

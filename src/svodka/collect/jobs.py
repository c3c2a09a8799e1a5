"""What the collector works on (a :class:`Job`: one source of one channel) and what a run did."""

from __future__ import annotations

from dataclasses import dataclass

from svodka.model import PLATFORM_RSS, Channel


@dataclass(frozen=True, slots=True)
class Job:
    """One source to collect: ``kind`` is web (t.me/s), mtproto or rss."""

    kind: str
    channel: Channel

    @property
    def key(self) -> str:
        """The source_state key: ``web:rian_ru``, ``mtproto:rian_ru``, ``rss:https://…``."""
        name = self.channel.handle or self.channel.ext_id or f"#{self.channel.id}"
        return f"{self.kind}:{name}"


def job_for(channel: Channel, telegram_via: str, no_preview: bool = False) -> Job:
    """The source for a channel: RSS for feeds; for Telegram the web preview unless ``telegram_via``
    says mtproto, the channel has no username, or (``auto``) its web preview was found missing."""
    if channel.platform == PLATFORM_RSS:
        return Job("rss", channel)
    if telegram_via == "mtproto" or (channel.handle is None and channel.ext_id is not None):
        return Job("mtproto", channel)
    if telegram_via == "auto" and no_preview:
        return Job("mtproto", channel)
    return Job("web", channel)


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

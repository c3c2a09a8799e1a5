"""Live sources of posts, listed in one place, so a new platform is one module plus one line.

A :class:`Source` reads the channels of one ``platform`` in one way (its ``kind``: the prefix of its
``source_state`` keys): it reads the references users paste (``parse``), says whether it can collect a
channel under the current settings (``takes``), and collects one channel from its saved position
(``collect``: page by page or batch by batch, each stored and checkpointed in the source's state before
the next, so an interrupted run resumes there). The collector's fault handling — retries, backoff,
breaker, Retry-After, host rate, proxies — stays around ``collect`` in :mod:`svodka.collect.runner` and
:mod:`svodka.collect.http`, the same for every source.

The built-in sources are the modules of :data:`SOURCE_MODULES`, each with a module-level ``SOURCE``; other
packages add theirs through the entry point group ``svodka.sources`` (``name = "pkg.module:SOURCE"``, an
object or a class to instantiate). Order matters: references are parsed by the first source that knows
them, and a channel is collected by the first source of its platform that takes it.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Collection
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from svodka.errors import ConfigError, InputError, NotFoundError
from svodka.model import Channel, ChannelRef, SourceState

if TYPE_CHECKING:  # the collector's records, for the signatures only (jobs imports this module)
    from svodka.collect.config import CollectConfig
    from svodka.collect.context import Context
    from svodka.collect.jobs import Job, Outcome

log = logging.getLogger(__name__)

ENTRY_POINTS = "svodka.sources"

# Built-in sources, in order: Telegram's web preview before MTProto (a handle is read without an
# account), feeds last (a t.me link is also an http URL).
SOURCE_MODULES = (
    "svodka.collect.web",
    "svodka.collect.mtproto",
    "svodka.collect.feeds",
)


@runtime_checkable
class Source(Protocol):
    kind: str  # "web", "mtproto", "rss": the source_state key is "<kind>:<channel>"
    platform: str  # the channels it reads: model.PLATFORM_TELEGRAM, PLATFORM_RSS, …
    examples: str  # the references it reads, for messages: "@name, t.me/name"
    needs: str  # what it takes to collect a channel this way, for "not collected" messages
    settings: tuple[str, ...]  # its rows of the settings table (svodka.settings.TABLE)

    def parse(self, text: str) -> ChannelRef | None:
        """The channel ``text`` names, or None if this source does not read such references;
        InputError when the reference is recognisably its own but cannot be followed."""

    def takes(self, channel: Channel, cfg: CollectConfig, handed_over: Collection[str]) -> bool:
        """Whether this source collects ``channel``; ``handed_over`` holds the source keys whose source
        found the channel unreadable and left it to another source of the platform."""

    async def collect(self, job: Job, state: SourceState, ctx: Context) -> tuple[SourceState, Outcome]:
        """One collection of ``job.channel`` from ``state``; raises SourceError (or OSError) on failure,
        with what it stored already checkpointed."""


def _load(target: object, where: str) -> Source:
    source = target() if isinstance(target, type) else target
    if not isinstance(source, Source):
        raise ConfigError(f"{where} is not a svodka Source (kind, platform, parse, takes, collect …)")
    return source


@cache
def sources() -> tuple[Source, ...]:
    """Every registered source: the built-in ones, then those of installed packages."""
    found = [_load(importlib.import_module(m).SOURCE, m) for m in SOURCE_MODULES]
    for ep in entry_points(group=ENTRY_POINTS):
        try:
            found.append(_load(ep.load(), f"entry point {ep.name} ({ep.value})"))
        except ConfigError:
            raise
        except Exception as e:  # a broken plug-in must not stop the built-in sources
            log.warning("source %s (%s) not loaded: %s", ep.name, ep.value, e)
    kinds = [s.kind for s in found]
    dup = {k for k in kinds if kinds.count(k) > 1}
    if dup:
        raise ConfigError(f"two sources of kind {', '.join(sorted(dup))}")
    return tuple(found)


def by_kind(kind: str) -> Source:
    for source in sources():
        if source.kind == kind:
            return source
    raise ConfigError(f"unknown source kind {kind!r} (known: {', '.join(s.kind for s in sources())})")


def parse_channel(text: str) -> ChannelRef:
    """The channel a pasted reference names, as the first source that reads it says; InputError if none."""
    raw = text.strip()
    for source in sources():
        ref = source.parse(raw)
        if ref is not None:
            return ref
    known = "; ".join(dict.fromkeys(s.examples for s in sources()))
    raise InputError("<argument>", f"{raw!r} is not a channel: use {known}")


class Channels(Protocol):
    """What :func:`channel_named` needs of the store's channel repository."""

    def find(self, ref: ChannelRef) -> Channel | None: ...

    def by_id(self, channel_id: int) -> Channel: ...

    def list(self, group: str | None = None) -> list[Channel]: ...


def channel_named(channels: Channels, text: str) -> Channel:
    """The stored channel a user's words name: any reference a source reads (``@name``, ``t.me/…``, a
    ``-100…`` id, a feed URL …), else svodka's own channel number, else an exact title or handle."""
    raw = text.strip()
    for source in sources():
        try:
            ref = source.parse(raw)
        except InputError:
            ref = None
        found = channels.find(ref) if ref is not None else None
        if found is not None:
            return found
    if raw.isdigit():
        try:
            return channels.by_id(int(raw))
        except NotFoundError:
            pass
    for channel in channels.list():
        if raw in (channel.title, channel.handle):
            return channel
    raise NotFoundError(f"unknown channel {raw!r} (see `svodka channels list`)")


def source_for(channel: Channel, cfg: CollectConfig, handed_over: Collection[str] = ()) -> Source | None:
    """The source that collects ``channel``, or None when none can (see :func:`why_not_collected`)."""
    for source in sources():
        if source.platform == channel.platform and source.takes(channel, cfg, handed_over):
            return source
    return None


def why_not_collected(channel: Channel) -> str:
    """What it would take to collect a channel no source takes."""
    ways = [s.needs for s in sources() if s.platform == channel.platform]
    if not ways:
        return f"no source reads platform {channel.platform!r}"
    return "it needs " + ", or ".join(ways)

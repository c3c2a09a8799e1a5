"""All exceptions svodka raises on purpose.

The tree::

    SvodkaError                 base: the CLI prints str(err) as one line and exits non-zero
    ├── ConfigError             a bad setting, config file or environment override
    ├── StoreError              the database cannot be opened, written, or is locked / read-only / full
    │   └── NotFoundError       a channel, post, story or digest that does not exist
    ├── InputError              a file that cannot be read as the format it claims (names file and position)
    │   └── FormatError         the format cannot be detected or is not supported
    ├── SourceError             a remote source failed (HTTP status, markup change, no preview, blocked)
    │   └── RateLimited         the source asked us to wait (429 Retry-After, Telegram FloodWait)
    ├── ClaimLost               a collector's claim on a source may have expired (it stops)
    ├── LeaseLost               `svodka process` lost its placement lease (it stops before the next batch)
    ├── DeliveryError           a digest could not be delivered (SMTP, bot)
    └── QueryError              a search or watchlist query that cannot be read (svodka.query)

Every message is meant to be read by a person: it names the thing (file, channel, setting) and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class SvodkaError(Exception):
    """Base of every error svodka raises on purpose."""

    exit_code = 1


class ConfigError(SvodkaError):
    exit_code = 2


class StoreError(SvodkaError):
    exit_code = 3


class NotFoundError(StoreError):
    exit_code = 4


class InputError(SvodkaError):
    """A file that cannot be read as the format it claims.

    ``where`` names the position ("line 12", "byte 40961", "row 3") so the user can look at it.
    """

    exit_code = 5

    def __init__(self, path: object, message: str, where: str | None = None) -> None:
        self.path = str(path)
        self.where = where
        self.reason = message
        loc = f"{self.path}, {where}" if where else self.path
        super().__init__(f"{loc}: {message}")


class FormatError(InputError):
    pass


class SourceError(SvodkaError):
    exit_code = 6


class RateLimited(SourceError):
    """The source asked us to wait ``retry_after`` seconds; never retried earlier."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ClaimLost(SvodkaError):
    """A collector's claim on a source may have expired mid-collection; it stops, keeping what it stored."""

    exit_code = 6


class Committed(Protocol):
    """What a run reports of the batches it committed (:class:`svodka.process.ProcessReport` is one): how
    many posts, and every count by name (a number, or numbers by key: seconds per stage, languages)."""

    @property
    def posts(self) -> int: ...

    def counts(self) -> Mapping[str, float | Mapping[str, float]]: ...


class LeaseLost(SvodkaError):
    """A `svodka process` worker's placement lease is no longer its own (taken over by another worker, or,
    on PostgreSQL, the session of its lock ended): the batch in flight is not committed, every batch before
    it is kept (``done``: the run's report of them)."""

    exit_code = 3

    def __init__(self, message: str, done: Committed) -> None:
        super().__init__(message)
        self.done = done


class DeliveryError(SvodkaError):
    exit_code = 7


class QueryError(SvodkaError):
    """A search or watchlist query that cannot be read: an unclosed quote, a lone NOT, nothing to look for."""

    exit_code = 8


class CorrectionError(SvodkaError):
    """An analyst's correction that cannot be made as asked (svodka.pipeline.corrections)."""

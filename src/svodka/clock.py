"""The store's "now": where a window that counts back ("the last 24 hours") ends.

On a live store that is the wall clock. On an imported archive the wall clock finds nothing, so a window
counts back from the newest stored post instead, whenever the store holds no post inside the window ending
now. A person can also pick the time (``?as_of=`` on the pages, ``--as-of`` in the CLI). The home page,
trending, ``svodka credibility`` and ``svodka stories --since`` all ask :func:`store_now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from svodka.errors import InputError
from svodka.model import utc

if TYPE_CHECKING:
    from svodka.store.base import Store

LIVE, ARCHIVE, PICKED = "live", "archive", "picked"  # Now.basis


@dataclass(frozen=True, slots=True)
class Now:
    at: datetime  # aware, UTC
    basis: str  # LIVE: the wall clock; ARCHIVE: the newest stored post; PICKED: the time asked for

    @property
    def is_live(self) -> bool:
        return self.basis == LIVE


def store_now(
    store: Store, window: timedelta, as_of: datetime | None = None, wall: datetime | None = None
) -> Now:
    """The end of a ``window`` counted back from now: ``as_of`` when given; the wall clock (``wall``, for
    tests) when some post is dated inside the window ending there; else the newest post before it (the
    wall clock again in an empty store)."""
    if as_of is not None:
        return Now(utc(as_of), PICKED)
    wall = utc(wall) if wall is not None else datetime.now(UTC)
    if store.browse.has_posts(wall - window, wall):
        return Now(wall, LIVE)
    newest = store.browse.newest_post(before=wall)
    if newest is None:
        return Now(wall, LIVE)
    # One second past the newest post, so a window ending "now" includes it.
    return Now(newest + timedelta(seconds=1), ARCHIVE)


def parse_as_of(text: str | None, name: str = "as_of") -> datetime | None:
    """A picked "as of" time: ``YYYY-MM-DD`` (the end of that day) or an ISO time (UTC unless it says its
    offset); None when not given. :class:`~svodka.errors.InputError` names ``name`` otherwise."""
    if text is None or not text.strip():
        return None
    raw = text.strip()
    try:
        dt = datetime.fromisoformat(raw)
    except ValueError:
        raise InputError(name, f"not a time (YYYY-MM-DD or YYYY-MM-DDTHH:MM): {text!r}") from None
    try:
        dt = utc(dt)
        if len(raw) == 10:  # a bare day: as of its end
            dt += timedelta(days=1)
        dt.timestamp()
    except (OverflowError, ValueError, OSError):
        raise InputError(name, f"time out of range: {text!r}") from None
    return dt

"""Digest periods: ``--since 24h`` (or 90m, 3d, 1w), ``--from/--to`` dates or times in the digest's zone,
and ``last`` — from the end of the previous digest of the same kind."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from svodka.digest.render import zone
from svodka.errors import ConfigError
from svodka.model import utc

_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*(m|min|h|d|w)", re.IGNORECASE)
_UNIT = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_span(text: str) -> timedelta:
    m = _SPAN.fullmatch(text.strip())
    if not m:
        raise ConfigError(f"period {text!r} not understood; write e.g. 24h, 90m, 3d or 1w")
    return timedelta(seconds=float(m.group(1)) * _UNIT[m.group(2).lower()])


def parse_moment(text: str, tz: str) -> datetime:
    """``2024-11-30``, ``2024-11-30 08:00`` or a full ISO time; without an offset it is read in ``tz``."""
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"{text!r} is not a date or time (write 2024-11-30 or 2024-11-30T08:00)") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone(tz))
    return utc(dt)


def resolve_period(
    since: str | None,
    date_from: str | None,
    date_to: str | None,
    tz: str,
    now: datetime,
    last_until: datetime | None = None,
) -> tuple[datetime, datetime]:
    """``(since, until)`` in UTC from the command's options; ``last_until`` is the previous digest's end."""
    until = parse_moment(date_to, tz) if date_to else utc(now)
    if date_from:
        start = parse_moment(date_from, tz)
        if date_to is None and since is None and len(date_from.strip()) == 10:
            until = start + timedelta(days=1)  # --from 2024-11-30 alone: that whole day
    elif since and since.strip().lower() == "last":
        if last_until is None:
            raise ConfigError("no previous digest of this kind: give --since 24h or --from/--to")
        start = last_until
    else:
        start = until - parse_span(since or "24h")
    if until <= start:
        raise ConfigError(f"empty period: {start.isoformat()} … {until.isoformat()}")
    return start, until

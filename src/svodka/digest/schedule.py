"""Schedules for `svodka watch`: ``every day at 08:00 Europe/Moscow``, ``every 6h``, ``every monday at 9:30``.

:func:`parse_schedule` reads the phrase; :meth:`Schedule.next_run` says when it next fires after a moment
and :meth:`Schedule.previous_run` when it last fired up to one (aware datetimes; the wall-clock time is kept
across daylight-saving changes in the schedule's zone). Scheduled digests themselves: :mod:`.jobs`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from svodka.errors import ConfigError
from svodka.model import utc

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNITS = {
    "m": 60,
    "min": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}
_INTERVAL = re.compile(r"every\s+(\d+)\s*(m|min|minutes?|h|hours?|d|days?)", re.IGNORECASE)
_AT = re.compile(
    r"every\s+(day|weekday|" + "|".join(_DAYS) + r")\s+at\s+(\d{1,2}):(\d{2})(?:\s+(\S+))?", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Schedule:
    text: str
    interval: timedelta | None = None  # "every 6h"
    at: time | None = None  # "every day at 08:00"
    days: tuple[int, ...] = tuple(range(7))  # Monday = 0
    tz: str = "UTC"
    zoned: bool = False  # the phrase names its time zone ("… at 08:00 Europe/Moscow")

    def due(self, last_run: datetime | None, now: datetime) -> bool:
        """Whether a run is owed at ``now`` when the last one was at ``last_run`` (None: never ran)."""
        if last_run is None:
            return True
        return self.next_run(last_run) <= utc(now)

    def next_run(self, after: datetime) -> datetime:
        """The first moment strictly after ``after`` when the schedule fires (UTC)."""
        after = utc(after)
        if self.interval is not None:
            step = self.interval.total_seconds()
            # Aligned to the Unix epoch, so "every 6h" fires at 00, 06, 12, 18 UTC whenever it starts.
            n = int(after.timestamp() // step) + 1
            return datetime.fromtimestamp(n * step, after.tzinfo)
        assert self.at is not None
        zone = ZoneInfo(self.tz)
        local = after.astimezone(zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            candidate = datetime.combine(day, self.at, tzinfo=zone)
            if utc(candidate) > after:
                return utc(candidate)
        raise AssertionError("a weekly schedule fires within 8 days")

    def previous_run(self, at: datetime) -> datetime:
        """The last moment at or before ``at`` when the schedule fired (UTC): the slot a run at ``at``
        covers, however many slots were missed before it."""
        at = utc(at)
        if self.interval is not None:
            step = self.interval.total_seconds()
            return datetime.fromtimestamp(int(at.timestamp() // step) * step, at.tzinfo)
        assert self.at is not None
        zone = ZoneInfo(self.tz)
        local = at.astimezone(zone)
        for offset in range(8):
            day = local.date() - timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            candidate = utc(datetime.combine(day, self.at, tzinfo=zone))
            if candidate <= at:
                return candidate
        raise AssertionError("a weekly schedule fired within 8 days")


def parse_schedule(text: str) -> Schedule:
    phrase = " ".join(text.split())
    m = _INTERVAL.fullmatch(phrase)
    if m:
        seconds = int(m.group(1)) * _UNITS[m.group(2).lower()]
        if seconds < 60:
            raise ConfigError(f"schedule {text!r}: the interval must be at least one minute")
        return Schedule(phrase, interval=timedelta(seconds=seconds))
    m = _AT.fullmatch(phrase)
    if m:
        which, hh, mm, tz = m.group(1).lower(), int(m.group(2)), int(m.group(3)), m.group(4) or "UTC"
        if hh > 23 or mm > 59:
            raise ConfigError(f"schedule {text!r}: {hh}:{mm:02d} is not a time of day")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"schedule {text!r}: unknown time zone {tz!r}") from None
        days = (
            tuple(range(7))
            if which == "day"
            else tuple(range(5))
            if which == "weekday"
            else (_DAYS.index(which),)
        )
        return Schedule(phrase, at=time(hh, mm), days=days, tz=tz, zoned=m.group(4) is not None)
    raise ConfigError(
        f"schedule {text!r} not understood; write e.g. 'every day at 08:00 Europe/Moscow' or 'every 6h'"
    )

"""When the event a post reports took place, as its text says: «в ночь на 1 декабря», «вчера», "on Saturday".

A post's publication time is when it was written, not when the event it reports took place: the morning's
«ПВО ночью сбила 11 беспилотников» and «вчера вечером в Курске…» are about two different nights, though
written an hour apart. :func:`event_time` reads the time the lead of a post names (its first
``LEAD_CHARS`` characters) against its publication time in Moscow time: a calendar day and, where said, a
part of it (night, morning, afternoon, evening), or None when the lead names no time, or names times of
different days (a roundup), or only a date that cannot be the event's (a deadline «с 1 декабря», a premiere
«22 декабря», a date more than a week back). :func:`common_time` is a development's: what most of its posts
that say one agree on. :func:`apart` tells whether two such times are of different events: different days
(except an evening and the night that follows it, one live event across midnight), or different nights.

Plain rules over word forms, Russian and English, microseconds a post; no model, no store.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

MOSCOW = timezone(timedelta(hours=3), "MSK")  # no daylight saving time since 2014
LEAD_CHARS = 400  # the lead of a post: its headline and first sentence or two
PAST_DAYS = 7  # a date further back is context (an earlier event, an anniversary), not the event's time
FUTURE_DAYS = (
    1  # … and a date ahead a plan, except the night into tomorrow («в ночь на 1 декабря» on the 30th)
)

PARTS = ("night", "morning", "afternoon", "evening")
# the hour each part has begun by (a bare «вечером» written at 10:00 is last evening's or tonight's: unknown)
_PART_START = {"night": 0, "morning": 6, "afternoon": 12, "evening": 18}
PLAN_CHARS = 60  # a date or weekday this close after a word of a plan is the plan's («состоится в субботу»)
_PLAN = re.compile(
    r"\b(?:будет|будут|состоится|состоятся|пройд[её]т|планиру\w+|намерен\w*|ожидается|собирается|начн[её]т|"
    r"will|to\s+be|due|plans?|expected|set\s+to|is\s+to)\b",
    re.IGNORECASE,
)
_EARLY = 6  # before this hour a bare «сегодня» / "today" may still mean the day that just ended


@dataclass(frozen=True, slots=True)
class EventTime:
    """A day (Moscow time) and the part of it where the text says one. ``night`` is the night *into*
    ``day`` («в ночь на 30 ноября»: 29 → 30 November)."""

    day: date
    part: str | None = None

    def __str__(self) -> str:
        return self.day.isoformat() + (f" {self.part}" if self.part else "")


_MONTHS_RU = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6,
    "июл": 7, "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
_MONTHS_EN = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# weekday stems (Monday = 0), in the accusative a date takes («в субботу») and the nominative
_WEEKDAYS_RU = {
    "понедельник": 0,
    "вторник": 1,
    "сред": 2,
    "четверг": 3,
    "пятниц": 4,
    "суббот": 5,
    "воскресень": 6,
}
_WEEKDAYS_EN = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_PART_RU = {
    "утром": "morning",
    "днём": "afternoon",
    "днем": "afternoon",
    "вечером": "evening",
    "ночью": "night",
}
_PART_EN = {"morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night"}


def _month_ru(name: str) -> str:
    return (
        rf"(?P<{name}>январ[яь]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|сентябр[яь]|"
        r"октябр[яь]|ноябр[яь]|декабр[яь])"
    )


def _weekday_ru(name: str) -> str:
    return rf"(?P<{name}>понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)"


def _part_ru(name: str) -> str:
    return rf"(?P<{name}>утром|днём|днем|вечером|ночью)"


def _month_en(name: str) -> str:
    return (
        rf"(?P<{name}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
        r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
    )


def _weekday_en(name: str) -> str:
    return rf"(?P<{name}>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"


_DAY = r"(?:st|nd|rd|th)?"
# Each alternative is one way of naming a time; the first that matches at a position wins (longest first).
_RU = re.compile(
    rf"""
    (?P<night_date>в\s+ночь\s+(?:с\s+\d{{1,2}}\s+)?на\s+(?P<nd>\d{{1,2}})\s+{_month_ru("nmon")})
  | (?P<night_wd>в\s+ночь\s+(?:с\s+\w+\s+)?на\s+{_weekday_ru("nwd")})
  | (?P<deadline>\b(?:с|со|до|по|к|от|после|начиная\s+с)\s+(?:\d{{1,2}}[-–]?)?\d{{1,2}}\s+{_month_ru("dmon")})
  | (?P<date>(?:{_part_ru("dpart0")}\s+)?\b(?P<d>\d{{1,2}})\s+{_month_ru("mon")}
      (?:\s+(?P<y>\d{{4}})\s*(?:г\.|года)?)?(?:\s+{_part_ru("dpart1")})?)
  | (?P<compare>\bкак\s+и\s+(?:накануне|вчера|сегодня))
  | (?P<now>\b(?:прямо\s+)?сейчас\b|\bв\s+(?:эти|данные)\s+минуты\b|\bв\s+данный\s+момент\b)
  | (?P<rel>\b(?P<relw>позавчера|вчера|накануне|сегодня)(?:шн\w+)?
      (?:\s+(?:рано\s+|поздно\s+)?{_part_ru("rpart")})?)
  | (?P<thisnight>\b(?:(?:этой|прошлой|прошедшей|минувшей|сегодняшней)\s+ночью
      |за\s+(?:прошедшую\s+|минувшую\s+)?ночь|в\s+течение\s+(?:прошедшей\s+|минувшей\s+)?ночи)\b)
  | (?P<wday>(?:{_part_ru("wpart0")}\s+)?\bво?\s+(?:эту\s+|прошлую\s+|прошлый\s+|минувшую\s+|минувший\s+)?
      {_weekday_ru("wd")}(?:\s+{_part_ru("wpart1")})?)
  | (?P<bare>\b{_part_ru("bpart")})
    """,
    re.VERBOSE | re.IGNORECASE,
)
_EN = re.compile(
    rf"""
    (?P<deadline>\b(?:(?:from|until|till|by|since|after|before)\s+(?:{_month_en("dmon")}\s+\d{{1,2}}
      |\d{{1,2}}\s+{_month_en("dmon2")}|(?:next\s+)?{_weekday_en("dwd")})|next\s+{_weekday_en("nwd")}))
  | (?P<date>\b(?:on\s+)?(?:{_month_en("mon")}\s+(?P<d>\d{{1,2}}){_DAY}
      |(?P<d2>\d{{1,2}}){_DAY}\s+(?:of\s+)?{_month_en("mon2")})(?:,?\s+(?P<y>\d{{4}}))?\b)
  | (?P<rel>\b(?P<relw>yesterday|today|tonight|overnight)(?:\s+(?P<rpart>morning|afternoon|evening|night))?\b)
  | (?P<lastnight>\b(?:last|this)\s+(?P<lpart>night|morning|afternoon|evening)\b)
  | (?P<wday>\b(?:on\s+|last\s+|this\s+)?{_weekday_en("wd")}
      (?:\s+(?P<wpart>morning|afternoon|evening|night))?\b)
  | (?P<now>\bright\s+now\b|\bat\s+the\s+moment\b)
  | (?P<early>\bearlier\s+today\b)
    """,
    re.VERBOSE | re.IGNORECASE,
)


def moscow_time(ts: float | datetime) -> datetime:
    """``ts`` (a Unix time, or an aware datetime) in Moscow time."""
    if isinstance(ts, datetime):
        return ts.astimezone(MOSCOW)
    return datetime.fromtimestamp(ts, MOSCOW)


# Words one of which every time the patterns read contains: a lead with none of them (nine posts in ten) is
# not matched against the patterns at all (a substring test is ~100 times quicker than the patterns)
_HINTS_RU = (
    "ноч", "вчера", "сегодня", "накануне", "утром", "днём", "днем", "вечером", "сейчас", "минуты", "момент",
    "понедельник", "вторник", "среду", "четверг", "пятниц", "субботу", "воскресенье",
)  # fmt: skip
_HINTS_EN = (
    "yesterday", "today", "tonight", "overnight", "night", "morning", "afternoon", "evening", "right now",
    "moment", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)  # fmt: skip
_DATE_HINT = re.compile(
    r"\d\s+(?:of\s+)?(?:январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.?\s+\d"
)


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
# a sentence of background, not of the event reported («Ранее…», «Напомним…»), and a roundup of several
_BACKGROUND = ("ранее", "напомним", "как сообщалось", "как писал", "earlier", "previously")
_ROUNDUPS = ("главное", "главные новости", "итоги дня", "что известно", "что произошло")


@lru_cache(maxsize=1 << 16)  # the story stage summarises a window's developments again every batch
def event_time(text: str, published: float | datetime) -> EventTime | None:
    """The time of the event ``text`` reports, read from its lead against its ``published`` time: what the
    first sentence of the lead that names a time says (background sentences left out), or None when none
    does, the sentence names times of different days, or the post is a roundup of several events."""
    lead = text[:LEAD_CHARS]
    low = lead.lower()
    dated = _DATE_HINT.search(low) is not None
    ru = dated or any(h in low for h in _HINTS_RU)
    en = dated or any(h in low for h in _HINTS_EN)
    if not (ru or en):
        return None
    if low.lstrip().startswith(_ROUNDUPS):
        return None
    now = moscow_time(published)
    for sentence in _SENTENCE_END.split(lead):
        if sentence.lstrip().lower().startswith(_BACKGROUND):
            continue
        found = [
            t
            for t in (
                *(_read(_RU, sentence, now, _ru) if ru else ()),
                *(_read(_EN, sentence, now, _en) if en else ()),
            )
            if t is not None
        ]
        if found:
            return _one(found)
    return None


def _one(found: Sequence[EventTime]) -> EventTime | None:
    """The one time a sentence's times say: their day (and part, when one), the night an evening ran into
    («вечером в пятницу и в ночь на субботу»), or None when they are of different days."""
    days = {t.day for t in found}
    if len(days) > 1:
        if any(apart(a, b) for a in found for b in found):
            return None
        return max(found, key=lambda t: (t.day, PARTS.index(t.part) if t.part else -1))
    parts = {t.part for t in found if t.part}
    return EventTime(found[0].day, parts.pop() if len(parts) == 1 else None)


_Reader = Callable[[re.Match[str], datetime], EventTime | None]


def _read(pattern: re.Pattern[str], lead: str, now: datetime, read: _Reader) -> list[EventTime | None]:
    """The times ``pattern`` finds in ``lead``, less deadlines, comparisons («как и накануне») and the dates
    and weekdays of a plan."""
    return [
        read(m, now)
        for m in pattern.finditer(lead)
        if not (m.group("deadline") or m.groupdict().get("compare"))
        and not (
            (m.group("date") or m.group("wday"))
            and _PLAN.search(lead, max(0, m.start() - PLAN_CHARS), m.start())
        )
    ]


def _ru(m: re.Match[str], now: datetime) -> EventTime | None:
    today = now.date()
    g = m.groupdict()
    if g["night_date"]:
        return _dated(today, int(g["nd"]), _month_number_ru(g["nmon"]), None, "night", FUTURE_DAYS)
    if g["night_wd"]:
        return _weekday(today, _weekday_number_ru(g["nwd"]), "night", night_into=True)
    if g["date"]:
        part = _PART_RU.get((g["dpart0"] or g["dpart1"] or "").lower())
        return _dated(today, int(g["d"]), _month_number_ru(g["mon"]), g["y"], part)
    if g["rel"]:
        word, part = g["relw"].lower(), _PART_RU.get((g["rpart"] or "").lower())
        if word == "сегодня":
            return _today(now, part)
        back = 2 if word == "позавчера" else 1
        if part == "night":  # «вчера ночью»: the night just passed, into today (one before for «позавчера»)
            back -= 1
        return EventTime(today - timedelta(days=back), part)
    if g["thisnight"]:
        return EventTime(today, "night")
    if g["now"]:
        return _now(now)
    if g["wday"]:
        return _weekday(
            today, _weekday_number_ru(g["wd"]), _PART_RU.get((g["wpart0"] or g["wpart1"] or "").lower())
        )
    return _bare(now, _PART_RU[g["bpart"].lower()])


def _en(m: re.Match[str], now: datetime) -> EventTime | None:
    today = now.date()
    g = m.groupdict()
    if g["date"]:
        mon = _MONTHS_EN[(g["mon"] or g["mon2"]).lower()[:3]]
        return _dated(today, int(g["d"] or g["d2"]), mon, g["y"], None)
    if g["rel"]:
        word, part = g["relw"].lower(), _PART_EN.get((g["rpart"] or "").lower())
        if word == "yesterday":
            return EventTime(today - timedelta(days=1), part)
        if word == "overnight":
            return EventTime(today, "night")
        if word == "tonight":
            return EventTime(today, "evening")
        return _today(now, part)
    if g["lastnight"]:
        part = g["lpart"].lower()
        if part == "night":  # "last night" / "this night": the night into today
            return EventTime(today, "night")
        return _bare(now, part)
    if g["now"]:
        return _now(now)
    if g["wday"]:
        part = _PART_EN.get((g["wpart"] or "").lower())  # "Friday night" is Friday's late evening
        return _weekday(today, _WEEKDAYS_EN[g["wd"].lower()], "evening" if part == "night" else part)
    return EventTime(today)


def _month_number_ru(word: str) -> int:
    w = word.lower()
    return next(n for stem, n in _MONTHS_RU.items() if w.startswith(stem))


def _weekday_number_ru(word: str) -> int:
    w = word.lower()
    return next(n for stem, n in _WEEKDAYS_RU.items() if w.startswith(stem))


def _dated(
    today: date, day: int, month: int, year: str | None, part: str | None, ahead: int = 0
) -> EventTime | None:
    """A day of a month, in the year that puts it nearest ``today`` (a December date said in January is
    last year's); None when not a date, or outside the days an event's time can be: up to ``PAST_DAYS``
    back and ``ahead`` days ahead (a night is named by the day it runs into)."""
    for y in [int(year)] if year else [today.year, today.year - 1, today.year + 1]:
        try:
            d = date(y, month, day)
        except ValueError:
            return None
        if -PAST_DAYS <= (d - today).days <= ahead:
            return EventTime(d, part)
    return None


def _weekday(today: date, weekday: int, part: str | None, night_into: bool = False) -> EventTime:
    """The last ``weekday`` up to ``today`` (today's own); «в ночь на субботу» said on Friday evening is the
    coming one."""
    back = (today.weekday() - weekday) % 7
    if night_into and back == 6:
        back = -1
    return EventTime(today - timedelta(days=back), part)


def _today(now: datetime, part: str | None) -> EventTime | None:
    """«сегодня» (with a part of the day, or not): None for a bare one written before ``_EARLY``."""
    if part is None and now.hour < _EARLY:
        return None
    return EventTime(now.date(), part)


def _now(now: datetime) -> EventTime:
    """«прямо сейчас», "right now": the part of the day the post was written in."""
    return EventTime(now.date(), [p for p in PARTS if _PART_START[p] <= now.hour][-1])


def _bare(now: datetime, part: str) -> EventTime | None:
    """A part of the day alone («ночью», «вечером»): today's when it has begun by the time of writing (a
    night is the one into today), else unknown (last evening's, or tonight's)."""
    if now.hour < _PART_START[part]:
        return None
    return EventTime(now.date(), part)


def common_time(times: Sequence[EventTime | None]) -> EventTime | None:
    """A development's event time from its posts': the day more than half of the posts that say one name
    (and the part most of those say, when more than half of them do), or None."""
    known = [t for t in times if t is not None]
    if not known:
        return None
    (day, n), *_ = Counter(t.day for t in known).most_common(1)
    if 2 * n <= len(known):
        return None
    parts = Counter(t.part for t in known if t.day == day)
    (part, k), *_ = parts.most_common(1)
    return EventTime(day, part if part is not None and 2 * k > n else None)


def apart(a: EventTime | None, b: EventTime | None) -> bool:
    """Whether two event times are of different events: both known, and a day or more apart — except an
    evening (or a day said without its part) and the night into the next day, one live event across
    midnight — or of different nights: the night into a day and that day's evening, which goes on into
    the next night (the night's dispersal and the evening's rally)."""
    if a is None or b is None:
        return False
    if a.day == b.day:
        return {a.part, b.part} == {"night", "evening"}
    early, late = (a, b) if a.day < b.day else (b, a)
    live = (late.day - early.day).days == 1 and late.part == "night" and early.part in ("evening", None)
    return not live

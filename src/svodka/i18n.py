"""The interface's languages: gettext catalogs (Babel), and times written for people.

Strings in code and templates are written in English and marked for translation: ``_("Stories")`` in
Python (``translator(language).gettext``), ``{{ _("Stories") }}`` / ``{% trans %}`` in Jinja templates (the
environments install :func:`translator` through ``jinja2.ext.i18n``). The catalogs are
``svodka/locale/<language>/LC_MESSAGES/<domain>.po``, one domain per surface (``web``: the pages; ``digest``:
digests, e-mails, bot messages); they are read and compiled in memory once per process, so the repository
keeps only the ``.po`` sources. English is the source language: it needs no catalog.

Which language: the ``web.language`` / ``digest.language`` settings, ``ru``, ``en`` or ``auto`` (the language
most of the store's posts are written in, :func:`pick_language`; for a digest, most of its own posts). Which
zone: the one ``display.tz`` setting (old name ``digest.tz``) for the web app, the CLI and the digests alike;
``auto`` is Europe/Moscow when the language in use is Russian, else UTC (:func:`display_tz`).
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from svodka.errors import ConfigError

LANGUAGES = ("en", "ru")  # the interface's languages; English is the source of every string
AUTO = "auto"
DOMAINS = ("web", "digest")
AUTO_ZONES = {"ru": "Europe/Moscow"}  # display.tz = auto: the zone of a language's readers (else UTC)


def check_language(value: str, where: str = "language") -> str:
    """``value`` if it names a language svodka speaks (or ``auto``), else a one-line ConfigError."""
    if value not in (*LANGUAGES, AUTO):
        raise ConfigError(f"{where}: unknown language {value!r}; use one of {', '.join((*LANGUAGES, AUTO))}")
    return value


def pick_language(setting: str, post_languages: Iterable[str | None] = ()) -> str:
    """The interface language for ``setting``: itself, or for ``auto`` Russian when most of
    ``post_languages`` (the stored posts' detected languages, a sample will do) are Russian, else English."""
    check_language(setting)
    if setting != AUTO:
        return setting
    ru = other = 0
    for lang in post_languages:
        if lang == "ru":
            ru += 1
        elif lang:
            other += 1
    return "ru" if ru > other else "en"


def display_tz(setting: str, language: str) -> str:
    """The zone times are shown in: ``setting`` (``display.tz``, an IANA name) or, for ``auto``, Moscow when
    ``language`` is Russian, else UTC. An unknown zone is a one-line ConfigError."""
    if setting == AUTO:
        return AUTO_ZONES.get(language, "UTC")
    try:
        ZoneInfo(setting)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"display.tz: unknown time zone {setting!r} (use an IANA name such as Europe/Moscow, or auto)"
        ) from None
    return setting


@cache
def translator(language: str, domain: str = "web") -> gettext.NullTranslations:
    """The translations of ``domain`` into ``language`` (English: the strings as written)."""
    check_language(language)
    if language == "en" or language == AUTO:
        return gettext.NullTranslations()
    source = resources.files("svodka") / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    if not source.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with source.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


@dataclass(frozen=True, slots=True)
class Display:
    """How times are written for people: the language and the zone (``display.tz``)."""

    language: str = "en"
    tz: str = "UTC"

    def when(self, value: datetime | None) -> str:
        """To the minute in the display zone: «1 декабря 2024, 09:00 МСК» / "1 December 2024, 09:00 UTC"."""
        if value is None:
            return "—"
        local = value.astimezone(ZoneInfo(self.tz)) if value.tzinfo is not None else value
        from babel.dates import format_datetime

        text = format_datetime(local, "d MMMM y, HH:mm", locale=self.language)
        return f"{text} {zone_label(local, self.language)}"

    def local(self, value: datetime) -> datetime:
        return value.astimezone(ZoneInfo(self.tz)) if value.tzinfo is not None else value

    def clock(self, value: datetime) -> str:
        """The time of day alone, «09:00» (a period's own day is said once, in its title)."""
        return f"{self.local(value):%H:%M}"

    def day(self, value: datetime, year: bool = True) -> str:
        """«1 декабря 2024» / "1 December 2024" (without the year: «1 декабря»)."""
        from babel.dates import format_date

        return format_date(self.local(value), "d MMMM y" if year else "d MMMM", locale=self.language)

    def period(self, since: datetime, until: datetime) -> str:
        """A period as a reader says it: «1 декабря 2024» (a day), «1–2 декабря 2024», «30 ноября – 2
        декабря 2024» (whole days), else «1 декабря 2024, 09:00–21:00 МСК»."""
        a, b = self.local(since), self.local(until)
        last = b - timedelta(microseconds=1)
        if a.time() == b.time() == time(0):
            if a.date() == last.date():
                return self.day(a)
            if (a.year, a.month) == (last.year, last.month):
                return f"{a.day}–{self.day(last)}"
            if a.year == last.year:
                return f"{self.day(a, year=False)} – {self.day(last)}"
            return f"{self.day(a)} – {self.day(last)}"
        zone = zone_label(b, self.language)
        if a.date() == last.date():
            return f"{self.day(a)}, {a:%H:%M}–{b:%H:%M} {zone}"
        return f"{self.day(a)}, {a:%H:%M} – {self.day(b)}, {b:%H:%M} {zone}"


def zone_label(value: datetime, language: str) -> str:
    """The zone's short name as a reader knows it (МСК / MSK for Moscow, UTC) or its offset (+05:00)."""
    key = getattr(value.tzinfo, "key", None)
    if key == "Europe/Moscow":
        return "МСК" if language == "ru" else "MSK"
    offset = value.utcoffset()
    if offset is None or not offset:
        return "UTC"
    return value.strftime("%z")[:3] + ":" + value.strftime("%z")[3:]

"""How a digest speaks: its language (``digest.language``) and zone (``display.tz``) for every renderer.

Every label is English in the code, marked for translation (``voice._("first")``, ``voice.n(...)``) and read
from the ``digest`` catalog (:func:`svodka.i18n.translator`). Times: in Russian as people write them
(«1 декабря 2024, 09:00 МСК», periods «1–2 декабря 2024», :class:`svodka.i18n.Display`); in English as
svodka always wrote them («2024-12-01 09:00», periods with the zone's name in brackets).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from svodka.errors import ConfigError
from svodka.i18n import AUTO, Display, display_tz, pick_language, translator
from svodka.pipeline.coordination import Coordinated
from svodka.pipeline.coverage import GroupCoverage
from svodka.pipeline.credibility import TIER_PRIOR, ChannelRecord
from svodka.pipeline.differences import CONFLICT, NAME, Difference


def N_(message: str) -> str:
    """Marks ``message`` for the catalog; it is translated where it is shown."""
    return message


@dataclass(frozen=True, slots=True)
class Voice:
    language: str = "en"
    tz: str = "UTC"

    def _(self, message: str) -> str:
        """``message`` in the digest's language."""
        return translator(self.language, "digest").gettext(message)

    def n(self, singular: str, plural: str, count: int, **values: object) -> str:
        """A counted phrase in the right plural form: ``n("%(num)d post", "%(num)d posts", 5)`` → «5 постов»
        (``values``: the message's other placeholders)."""
        return translator(self.language, "digest").ngettext(singular, plural, count) % {
            "num": count,
            **values,
        }

    @property
    def display(self) -> Display:
        return Display(self.language, self.tz)

    def when(self, value: datetime) -> str:
        """A moment: «2 декабря 2024, 09:15 МСК» / "2024-12-02 09:15"."""
        if self.language == "en":
            return _zoned(value, self.tz).strftime("%Y-%m-%d %H:%M")
        return self.display.when(value)

    def clock(self, value: datetime | str) -> str:
        """The time of day in the digest's zone, «10:12» (an ISO string of the document too)."""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return _zoned(value, self.tz).strftime("%H:%M")

    def period(self, since: datetime, until: datetime) -> str:
        """«1–2 декабря 2024» / "2024-12-01 00:00 – 2024-12-02 00:00 (UTC)"."""
        if self.language == "en":
            return f"{self.when(since)} – {self.when(until)} ({self.tz})"
        return self.display.period(since, until)

    def decimal(self, value: float | str, digits: int = 2, sign: bool = False) -> str:
        """A number svodka writes, with the language's decimal mark: «10,48» / "10.48" (``sign``: «+2,58»).
        Rounded as Python rounds (``f"{value:.2f}"``), so every language shows the same digits; a string
        (a figure the rank already wrote, «4.8») only has its mark changed."""
        text = value if isinstance(value, str) else f"{value:{'+' if sign else ''}.{digits}f}"
        return text.replace(".", _decimal_mark(self.language))

    def languages(self, codes: Iterable[str]) -> str:
        """The posts' languages by name in the digest's language («языки: английский, русский» /
        "language: Russian"), not their codes; "" when every post is in the digest's own language."""
        codes = list(dict.fromkeys(codes))
        if not codes or codes == [self.language]:
            return ""
        names = ", ".join(language_name(code, self.language) for code in codes)
        return self.n("language: %(names)s", "languages: %(names)s", len(codes), names=names)


@cache
def _decimal_mark(language: str) -> str:
    from babel.numbers import get_decimal_symbol

    return get_decimal_symbol(language)


@cache
def language_name(code: str, language: str) -> str:
    """A language's name in ``language`` («английский», "Russian"), the code itself where babel has none."""
    from babel import Locale

    return Locale.parse(language).languages.get(code, code)


def _zoned(value: datetime, tz: str) -> datetime:
    try:
        return value.astimezone(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {tz!r} (use an IANA name such as Europe/Moscow)") from None


def settle(language: str, tz: str, post_languages: Iterable[str | None] = ()) -> tuple[str, str]:
    """The language and zone a digest is written in: ``auto`` language → the one most of its posts are in
    (:func:`~svodka.i18n.pick_language`), ``auto`` zone → that language's (``i18n.display_tz``)."""
    if language == AUTO:
        language = pick_language(AUTO, post_languages)
    return language, display_tz(tz, language)


_MARKS = (  # the kinds of mark svodka.pipeline.coordination finds, as the digest's language says them
    (re.compile(r"label"), N_("label")),
    (re.compile(r"link (?P<target>.+)"), N_("link %(target)s")),
    (re.compile(r"promo (?P<code>.+)"), N_("promo %(code)s")),
)


def said_marks(marks: Iterable[str], gettext: Callable[[str], str]) -> str:
    """A coordinated burst's shared marks («erid 2vtz…, label, link vtb.promo/x») in the digest's language
    (``gettext``: its translator's); an erid, and any mark of another kind, as found."""
    out = []
    for mark in marks:
        for pattern, message in _MARKS:
            if (m := pattern.fullmatch(mark)) is not None:
                mark = gettext(message) % m.groupdict()
                break
        out.append(mark)
    return ", ".join(out)


# The labels of a story's evidence, each said once for every renderer (digest, bot, print layout, CLI).
COORDINATED = N_("Coordinated posting")
GROUPS = N_("Groups")
DIFFERENCES = N_("How sources differ")


def coordinated_words(channels: int, minutes: int, marks: Iterable[str], only: bool, v: Voice) -> str:
    """What a coordinated burst shows after its label (:data:`COORDINATED`): «the same text in 3 unrelated
    channels within 15 min, sharing erid …; no independent report»."""
    text = v._(
        "the same text in %(channels)s unrelated channels within %(minutes)s min, sharing %(marks)s"
    ) % {
        "channels": channels,
        "minutes": minutes,
        "marks": said_marks(marks, v._),
    }
    return text + ("; " + v._("no independent report") if only else "")


def coordinated_line(c: Coordinated, v: Voice) -> str:
    """«Coordinated posting: the same text in 3 unrelated channels within 15 min, sharing erid …» in the
    digest's language (:meth:`Coordinated.line` is the machine's English, kept in the JSON)."""
    return f"{v._(COORDINATED)}: {coordinated_words(len(c.channels), c.minutes, c.marks, c.only, v)}"


_INNER = str.maketrans({"«": "„", "»": "“"})
_STRAIGHT = re.compile(r'"([^"]*)"')


def quoted(text: str) -> str:
    """``text`` in «», its own «» (and straight quotes in pairs) made the inner „“ («Байден: „Я подписал
    указ“.»), so a sentence that opens with a quotation does not open with ««. A sentence cut from a
    quotation that the cut leaves open or closed alone is closed or opened where it was cut («„С того
    дня … в судебном порядке“, — заявил …»); a lone mark at the sentence's edge is left to the outer
    ones («У нас не хватает сил …»)."""
    opened, closed = text.count("«"), text.count("»")
    if opened > closed:
        text = text[1:] if text.startswith("«") else text + "»"
    elif closed > opened:
        text = text[:-1] if text.endswith("»") else "«" + text
    text = text.translate(_INNER)
    if text.count('"') % 2 == 0:  # straight quotes in pairs: „“ too («что „американцы поймут“»)
        text = _STRAIGHT.sub(r"„\1“", text)
    return f"«{text}»"


def channel_label(name: str) -> str:
    """A channel's name where punctuation follows it (a card's «first: …, 09:00»): a name that ends a
    sentence of its own («Раньше всех. Ну почти.») is put in «», so no «почти.,» is printed."""
    return quoted(name) if name.rstrip()[-1:] in (".", "!", "?", "…") else name


def coverage_line(groups: Iterable[GroupCoverage], when: Callable[[datetime], str], v: Voice) -> str:
    """«Groups: официальные 2 (first ТАСС, 12:05) · независимые 1 (first Медуза, 13:10)», "" if none;
    ``when`` writes the first post's time (:meth:`Voice.when`; :meth:`Voice.clock` where space is short)."""
    parts = [
        v._("%(group)s %(count)d (first %(channel)s, %(when)s)")
        % {
            "group": g.group,
            "count": len(g.channels),
            "channel": channel_label(g.first_channel),
            "when": when(g.first_date),
        }
        for g in groups
    ]
    return f"{v._(GROUPS)}: {' · '.join(parts)}" if parts else ""


def only_in_title(group: str, v: Voice) -> str:
    """The heading of an «only in …» section: «Only in «военкоры»»."""
    return v._("Only in «%(group)s»") % {"group": group}


def only_in_words(channels: int, posts: int, first: str, when: str, v: Voice) -> str:
    """One story of an «only in …» section, after its headline: «3 channels, 4 posts; first ТАСС, …»."""
    return v._("%(channels)s, %(posts)s; first %(channel)s, %(when)s") % {
        "channels": v.n("%(num)d channel", "%(num)d channels", channels),
        "posts": v.n("%(num)d post", "%(num)d posts", posts),
        "channel": channel_label(first),
        "when": when,
    }


def difference_line(d: Difference, v: Voice) -> str:
    """««5 задержанных» vs «7 задержанных» — the figures conflict» («… против … — цифры расходятся»: one
    sentence without a colon, as the quotes follow one; :meth:`Difference.line` is the machine's English);
    for a figure or claim only some sources give, ««по данным МВД» — in only 1 of 4 sources» («— только в 1
    из 4 источников»: no colon, as the quotes follow one); for a name, ««Грузия» is named by only 1 of 4
    sources» («упоминается только в 1 из 4 источников»: the name in the nominative, the quotes that follow
    show each source's form), in the digest's language."""
    if d.kind == NAME:
        return v.n(
            "%(name)s is named by only %(sources)d of %(num)d source",
            "%(name)s is named by only %(sources)d of %(num)d sources",
            d.of,
            name=quoted(d.subject),
            sources=d.sources,
        )
    what = v._(" vs ").join(dict.fromkeys(quoted(q.what) for q in d.quotes))
    if d.kind == CONFLICT:  # one sentence: the quotes follow after its colon
        return v._("%(what)s — the figures conflict") % {"what": what}
    return v.n(
        "%(what)s — in only %(sources)d of %(num)d source",
        "%(what)s — in only %(sources)d of %(num)d sources",
        d.of,
        sources=d.sources,
        what=what,
    )


def credibility_line(r: ChannelRecord, v: Voice) -> str:
    """A cited channel's credibility and why (:meth:`ChannelRecord.explain`), in the digest's language,
    each count with the plural of its own number («1 из 1 сюжета», "0 of 1 shared story")."""
    tier = v._("tier %(tier)d") % {"tier": r.tier} if r.tier else v._("no tier")
    head = v._("%(name)s: %(score)s — %(tier)s (prior %(prior)s)") % {
        "name": channel_label(r.name),
        "score": v.decimal(r.score),
        "tier": tier,
        "prior": v.decimal(TIER_PRIOR.get(r.tier, 0.6)),
    }
    parts = (
        v.n(
            "corroborated by other channels in %(part)d of %(num)d story",
            "corroborated by other channels in %(part)d of %(num)d stories",
            r.stories,
            part=r.corroborated,
        ),
        v.n(
            "first in %(part)d of %(num)d shared story",
            "first in %(part)d of %(num)d shared stories",
            r.multi,
            part=r.first,
        ),
        v.n(
            "%(part)d of %(num)d post is a copy",
            "%(part)d of %(num)d posts are copies",
            r.posts,
            part=r.copies,
        ),
    )
    return "; ".join((head, *parts))


# The notes svodka.pipeline.rank writes beside each score term, as patterns of the catalog's messages: a
# note that matches none (a coordinated burst's evidence) is shown as the rank wrote it. A note that counts
# posts is a function of the voice and the note's values, so its count has its plural.
Note = Callable[["Voice", dict[str, str]], str]
_NOTES: tuple[tuple[re.Pattern[str], str | Note], ...] = (
    (re.compile(r"(?P<num>\d+) independent"), N_("%(num)s independent")),
    (
        re.compile(
            r"; coordinated: the same text in (?P<channels>\d+) unrelated channels within "
            r"(?P<minutes>\d+) min, sharing (?P<marks>.+?)(?=; coordinated: |\Z)"
        ),
        N_(
            "; coordinated: the same text in %(channels)s unrelated channels within %(minutes)s min, "
            "sharing %(marks)s"
        ),
    ),
    (  # depth: copies left out
        re.compile(r"(?P<num>\d+) posts"),
        lambda v, x: v.n("%(num)d original post", "%(num)d original posts", int(x["num"])),
    ),
    (re.compile(r"; coverage ×(?P<cover>[\d.]+)"), N_("; coverage ×%(cover)s")),
    (re.compile(r"mean (?P<value>[\d.]+)"), N_("mean %(value)s")),
    (re.compile(r"best (?P<value>[\d.]+)"), N_("best %(value)s")),
    (
        re.compile(r"(?P<ratio>[\d.]+)× norm over (?P<num>\d+) posts"),
        lambda v, x: v.n(
            "%(ratio)s× norm over %(num)d post",
            "%(ratio)s× norm over %(num)d posts",
            int(x["num"]),
            ratio=x["ratio"],
        ),
    ),
    (re.compile(r"no views"), N_("no views")),
    (re.compile(r"(?P<num>\d+) ch within (?P<hours>[\d.]+) h"), N_("%(num)s ch within %(hours)s h")),
    (re.compile(r"(?P<hours>[\d.]+) h old"), N_("%(hours)s h old")),
    (
        re.compile(
            r"(?P<topic>[a-z ]+), soft (?P<soft>[\d.]+), hard (?P<hard>[\d.]+), (?P<share>\d+%) soft channels"
        ),
        N_("%(topic)s, soft %(soft)s, hard %(hard)s, %(share)s soft channels"),
    ),
    (re.compile(r", tier 1–2 (?P<high>\d+%) / 4–5 (?P<low>\d+%)"), N_(", tier 1–2 %(high)s / 4–5 %(low)s")),
    (re.compile(r", a tier 1–2 source"), N_(", a tier 1–2 source")),
    (re.compile(r", tier 4–5 sources only"), N_(", tier 4–5 sources only")),
    (
        re.compile(r", boosted (?P<boosted>\d+%) / muted (?P<muted>\d+%)"),
        N_(", boosted %(boosted)s / muted %(muted)s"),
    ),
    (
        re.compile(r", a state act in (?P<share>\d+%) of posts: weighed as politics"),
        N_(", a state act in %(share)s of posts: weighed as politics"),
    ),
)


_DECIMALS = ("value", "ratio", "hours", "cover", "soft", "hard")  # the notes' values with a decimal mark


def term_note(note: str, v: Voice) -> str:
    """A score term's note in the digest's language, piece by piece from its start (its decimals with the
    language's mark: «4,8 ч назад»)."""
    out, rest = [], note
    while rest:
        for pattern, message in _NOTES:
            if m := pattern.match(rest):
                values = m.groupdict()
                for key in _DECIMALS:
                    if key in values:
                        values[key] = v.decimal(values[key])
                if "topic" in values:
                    values["topic"] = topic_label(values["topic"], v)
                if "marks" in values:
                    values["marks"] = said_marks(values["marks"].split(", "), v._)
                out.append(v._(message) % values if isinstance(message, str) else message(v, values))
                rest = rest[m.end() :]
                break
        else:
            out.append(rest)
            break
    return "".join(out)


# The topics (svodka.pipeline.story_topics.TOPICS) as the catalog knows them; English keeps the keys.
TOPIC_LABELS = {
    "politics": N_("politics"),
    "economy": N_("economy"),
    "society": N_("society"),
    "incidents": N_("incidents"),
    "war and security": N_("war and security"),
    "technology": N_("technology"),
    "science": N_("science"),
    "sport": N_("sport"),
    "culture": N_("culture"),
    "other": N_("other"),
}


def topic_label(topic: str, v: Voice) -> str:
    """A topic as the digest's language names it (the topics' keys are English)."""
    return v._(TOPIC_LABELS[topic]) if topic in TOPIC_LABELS else topic

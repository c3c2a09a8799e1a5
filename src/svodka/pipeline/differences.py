"""How a story's sources differ: figures that conflict, and figures and attributed claims some sources
report and others do not — each quoted verbatim from its post, nothing generated.

Only for stories with :data:`MIN_SOURCES` or more independent sources
(:func:`svodka.pipeline.credibility.independent_sources`, network-aware), and only from original posts (a
copy repeats its origin). Precision first: a figure is a number (digits or a cheap Russian number word,
«пятеро», «двое») followed by the noun it counts, matched across sources by the noun's lemma (simplemma);
dates, times, years, phone numbers, ages, article numbers and durations are not figures. Two sources
**conflict** when each states one value for the same noun and the values differ, posted close enough
together (:attr:`DifferenceOptions.update_gap_s`) that it is not simply a later count; a noun one post
counts twice («2 человека погибли, 5 человек ранены») is ambiguous and left out. A figure or an
attributed claim («заявил», «по данным», «сообщает») is **only in some** when a minority of the sources
state it and no other source has the same value (in any words) or most of the claim's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import simplemma

from svodka.model import Story, StoryMember
from svodka.pipeline.credibility import Networks, independent_sources
from svodka.pipeline.summarize import sentences, web_url
from svodka.stopwords import RUSSIAN_FUNCTION_WORDS

CONFLICT = "conflict"  # the same quantity counted differently
FIGURE = "figure"  # a figure only some sources give
CLAIM = "claim"  # an attributed claim only some sources carry

MIN_SOURCES = 3
DIGEST_TOP = 5  # a digest shows the differences of its first this many stories


@dataclass(frozen=True, slots=True)
class DifferenceOptions:
    min_sources: int = MIN_SOURCES
    max_shown: int = 6  # per story: conflicts first, then figures, then claims
    update_gap_s: float = 3 * 3600.0  # a larger figure this much after a smaller one is a later count
    claim_overlap: float = 0.5  # another source with this share of a claim's words carries it too
    conflict_context: float = 0.25  # sentences of conflicting figures share this share of their words


@dataclass(frozen=True, slots=True)
class Figure:
    value: float
    noun: str  # the counted noun's lemma: what is counted
    text: str  # the words as the post has them («5 задержанных»)


@dataclass(frozen=True, slots=True)
class Quote:
    """One post's statement of a difference: its sentence verbatim, and the part that differs."""

    post_id: int
    channel_id: int
    channel: str
    url: str | None  # the post's link (summarize.web_url), None if it has none
    sentence: str
    what: str  # the figure as written, or the claim's source («по данным МЧС»)


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str  # CONFLICT, FIGURE or CLAIM
    subject: str  # the counted noun's lemma, or the claim's attribution
    quotes: tuple[Quote, ...]
    sources: int  # independent sources that state it
    of: int  # independent sources of the story

    def line(self) -> str:
        what = " vs ".join(dict.fromkeys(f"«{q.what}»" for q in self.quotes))
        if self.kind == CONFLICT:
            return f"figures conflict on {self.subject}: {what}"
        return f"only {self.sources} of {self.of} sources: {what}"


# --- figures -------------------------------------------------------------------------------------------
_WORDS = {  # collective numerals, and cardinals from five («две трети», «три акции» count nothing here)
    "двое": 2, "трое": 3, "четверо": 4, "пять": 5, "пяти": 5, "пятеро": 5,
    "шесть": 6, "шести": 6, "шестеро": 6, "семь": 7, "семи": 7, "семеро": 7, "восемь": 8, "восьми": 8,
    "девять": 9, "девяти": 9, "десять": 10, "десяти": 10, "десятеро": 10,
}  # fmt: skip
_SCALE = {"тыс": 1e3, "тысяч": 1e3, "тысячи": 1e3, "тысяча": 1e3, "млн": 1e6, "миллион": 1e6,
          "миллиона": 1e6, "миллионов": 1e6, "млрд": 1e9, "миллиард": 1e9, "миллиарда": 1e9,
          "миллиардов": 1e9}  # fmt: skip
# Nouns that date, time or measure duration, and words that make a number a label, not a count.
_NOT_COUNTED_WORDS = (
    "год лет летие час минута секунда сутки день неделя месяц век утро вечер ночь раз процент январь "
    "февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь января февраля марта "
    "апреля мая июня июля августа сентября октября ноября декабря числа число номер статья часть пункт "
    "место уровень класс этаж км/ч градус балл треть половина четверть "
)
_NOT_COUNTED = frozenset(_NOT_COUNTED_WORDS.split())
_LABEL_BEFORE = re.compile(
    r"(?:№|\b(?:ст\.|стать[а-я]+|част[а-я]+|пункт[а-я]*|п\.|номер[а-я]*|в|во|с|до|к|по|от))\s*$"
)
_NUMBER = re.compile(
    r"(?<![\w.,:/+-])(\d{1,3}(?:[  ]\d{3})+|\d+(?:[.,]\d+)?)(?![\w:/-]|[.,]\d)"
    r"(?:\s*(тыс\.?|тысяч[аи]?|млн|миллион(?:а|ов)?|млрд|миллиард(?:а|ов)?)(?![\w]))?"
    r"\s+([а-яёa-z]{3,})",
    re.IGNORECASE,
)
_WORD_NUMBER = re.compile(r"(?<![\w-])(" + "|".join(_WORDS) + r")\s+([а-яё]{3,})", re.IGNORECASE)
_PHONE = re.compile(r"\+?\d[\d\s()-]{8,}\d")


@lru_cache(maxsize=20_000)
def lemma(word: str) -> str:
    return str(simplemma.lemmatize(word.lower(), lang="ru")).lower().replace("ё", "е")


def _counted(noun: str) -> str | None:
    """The lemma a figure counts, or None for a noun that dates, times or labels."""
    low = noun.lower().replace("ё", "е")
    if low in _NOT_COUNTED:
        return None
    lem = lemma(low)
    return None if lem in _NOT_COUNTED or low[:3] in ("год", "лет") else lem


def _blank_phone(m: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in m.group(0))
    return " " * len(m.group(0)) if digits >= 10 else m.group(0)


def figures(sentence: str) -> list[Figure]:
    """The counted figures of one sentence: ``Figure(5, "задержать", "5 задержанных")``."""
    text = _PHONE.sub(_blank_phone, sentence)
    out: list[Figure] = []
    for m in _NUMBER.finditer(text):
        if _LABEL_BEFORE.search(text[: m.start()].lower()) and m.group(2) is None:
            continue  # «в 15 часов», «ст. 105», «до 3 лет»: a label or a bound, not a count
        noun = _counted(m.group(3))
        if noun is None:
            continue
        value = float(re.sub(r"\s", "", m.group(1)).replace(",", "."))
        if m.group(2):
            value *= _SCALE[m.group(2).lower().rstrip(".")]
        out.append(Figure(value, noun, sentence[m.start() : m.end()]))
    for m in _WORD_NUMBER.finditer(text):
        noun = _counted(m.group(2))
        if noun is not None and not _LABEL_BEFORE.search(text[: m.start()].lower()):
            out.append(Figure(float(_WORDS[m.group(1).lower()]), noun, sentence[m.start() : m.end()]))
    return out


# --- claims --------------------------------------------------------------------------------------------
_ATTRIBUTION = re.compile(
    r"\b(по (?:данным|словам|информации|сообщению|оценкам|версии)|заявил[аи]?|сообщил[аи]?|сообщает|"
    r"сообщают|передает|передаёт|утверждает|утверждают|отметил[аи]?|рассказал[аи]?|уточнил[аи]?|"
    r"признал[аи]?)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[\w-]+")
_NAMED = re.compile(r"^[А-ЯЁA-Z][\w-]+$")
_CLAUSE_END = re.compile(r"[,.;:—(]|\bчто\b")
_CLAUSE_START = re.compile(r"[,;:—()«»\"]")
_SELF = re.compile(r"корреспондент|журналист|редакци|репортер|репортёр", re.IGNORECASE)
_CONTENT = re.compile(r"[а-яёa-z]{4,}", re.IGNORECASE)


def _named(word: str) -> bool:
    return bool(_NAMED.match(word)) and word.lower() not in RUSSIAN_FUNCTION_WORDS


def claim(sentence: str) -> tuple[str, tuple[str, ...]] | None:
    """An attributed claim's attribution as written («по данным МВД», «Зурабишвили заявила») and its named
    speaker's words; None without a named speaker, or when the channel's own correspondent speaks. The
    speaker is looked for within its clause: up to three words after the verb (before a comma or «что»),
    else up to three words before it (after a comma)."""
    for m in _ATTRIBUTION.finditer(sentence):
        tail = _CLAUSE_END.split(sentence[m.end() :], maxsplit=1)[0]
        head = _CLAUSE_START.split(sentence[: m.start()])[-1]
        after = list(_TOKEN.finditer(tail))[:3]
        before = list(_TOKEN.finditer(head))[-3:]
        if _SELF.search(tail[: after[-1].end()] if after else "") or _SELF.search(head):
            continue
        named = [t for t in after if _named(t.group(0))]
        if named:
            end = m.end() + named[-1].end()
            end += sentence[end : end + 1] in ("»", '"')
            return sentence[m.start() : end], tuple(t.group(0) for t in named)
        first = m.start() - len(head)  # a capital at the sentence's start is no name of itself
        named = [t for t in before if _named(t.group(0)) and (first + t.start() > 0 or t.group(0).isupper())]
        if named and not m.group(1).lower().startswith("по"):
            start = first + named[0].start()
            return sentence[start : m.end()], tuple(t.group(0) for t in named)
    return None


def _lemmas(text: str) -> set[str]:
    return {lemma(w) for w in _CONTENT.findall(text)}


# --- differences ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Said:
    source: int
    member: StoryMember
    sentence: str


def _by_source(story: Story, networks: Networks | None) -> tuple[int, list[_Said]]:
    groups = independent_sources(story, networks)
    where = {c: i for i, g in enumerate(groups) for c in g}
    said = [
        _Said(where[m.post.channel_id], m, s)
        for m in story.originals
        if m.post.channel_id in where
        for s in sentences(m.post.text)
    ]
    return len(groups), said


def differences(
    story: Story, networks: Networks | None = None, opt: DifferenceOptions | None = None
) -> tuple[Difference, ...]:
    """The story's differences between sources, conflicts first; none below ``min_sources`` sources."""
    opt = opt or DifferenceOptions()
    n, said = _by_source(story, networks)
    if n < opt.min_sources:
        return ()
    stated = [(s, f) for s in said for f in figures(s.sentence)]
    found = [*_conflicts(stated, n, opt), *_lone_figures(stated, n), *_lone_claims(said, n, opt)]
    return tuple(found[: opt.max_shown])


def _quote(s: _Said, what: str) -> Quote:
    p = s.member.post
    return Quote(p.id, p.channel_id, p.channel, web_url(p.url), s.sentence, what)


def _ambiguous(stated: Sequence[tuple[_Said, Figure]]) -> set[str]:
    """Nouns one post counts with two values: they count different things here."""
    seen: dict[tuple[int, str], set[float]] = {}
    for s, f in stated:
        seen.setdefault((s.member.post.id, f.noun), set()).add(f.value)
    return {noun for (_, noun), values in seen.items() if len(values) > 1}


def _conflicts(
    stated: Sequence[tuple[_Said, Figure]], n: int, opt: DifferenceOptions
) -> Iterable[Difference]:
    ambiguous = _ambiguous(stated)
    by_noun: dict[str, dict[float, list[_Said]]] = {}
    texts: dict[tuple[str, float], str] = {}
    for s, f in stated:
        if f.noun not in ambiguous:
            by_noun.setdefault(f.noun, {}).setdefault(f.value, []).append(s)
            texts.setdefault((f.noun, f.value), f.text)
    for noun, values in sorted(by_noun.items()):
        if len(values) < 2:
            continue
        sources = {v: {s.source for s in ss} for v, ss in values.items()}
        if any(
            len([v for v in values if src in sources[v]]) > 1
            for src in {x for v in sources.values() for x in v}
        ):
            continue  # a source that gives two values itself is updating, not disagreeing
        if _rising(values, opt.update_gap_s) or not _same_context(values, noun, opt.conflict_context):
            continue
        quotes = tuple(
            _quote(min(ss, key=lambda s: s.member.post.date), texts[(noun, v)])
            for v, ss in sorted(values.items())
        )
        yield Difference(CONFLICT, noun, quotes, len({x for v in sources.values() for x in v}), n)


def _same_context(values: Mapping[float, list[_Said]], noun: str, least: float) -> bool:
    """Whether the sentences of each two values share enough words (besides the noun) to count the same
    thing: «курс ЦБ 109 рублей» and «на бирже 113 рублей» do not."""
    words = [set().union(*(_lemmas(s.sentence) for s in ss)) - {noun} for ss in values.values()]
    return all(len(a & b) >= least * len(a | b) for a, b in pairwise(words))


def _rising(values: Mapping[float, list[_Said]], gap_s: float) -> bool:
    """Whether each larger value came well after every smaller one: a count that grew, not a conflict."""
    spans = sorted(
        (v, min(s.member.post.date for s in ss), max(s.member.post.date for s in ss))
        for v, ss in values.items()
    )
    return all((b[1] - a[2]).total_seconds() >= gap_s for a, b in pairwise(spans))


def _lone_figures(stated: Sequence[tuple[_Said, Figure]], n: int) -> Iterable[Difference]:
    values: dict[float, set[int]] = {}
    nouns: dict[str, set[int]] = {}
    for s, f in stated:
        values.setdefault(f.value, set()).add(s.source)
        nouns.setdefault(f.noun, set()).add(s.source)
    shown: set[tuple[str, float]] = set()
    for s, f in stated:
        if (f.noun, f.value) in shown or len(nouns[f.noun]) > 1 or len(values[f.value]) > 1:
            continue  # another source counts this noun (a conflict, if any) or states this value
        if len(nouns[f.noun]) * 2 >= n:
            continue
        shown.add((f.noun, f.value))
        yield Difference(FIGURE, f.noun, (_quote(s, f.text),), 1, n)


def _lone_claims(said: Sequence[_Said], n: int, opt: DifferenceOptions) -> Iterable[Difference]:
    words: dict[int, set[str]] = {}
    names: dict[int, set[str]] = {}
    for s in said:
        words.setdefault(s.source, set()).update(_lemmas(s.sentence))
        names.setdefault(s.source, set()).update(lemma(w) for w in _TOKEN.findall(s.sentence))
    shown: set[str] = set()
    for s in said:
        found = claim(s.sentence)
        if found is None or s.sentence in shown:
            continue
        who, speaker = found
        own = _lemmas(s.sentence) - _lemmas(who)
        if len(own) < 4 or any(w.lower() in s.member.post.channel.lower() for w in speaker):
            continue  # too short, or the channel citing itself («По данным SHOT» in SHOT)
        others = [src for src in words if src != s.source]
        if any(lemma(w) in names[src] for w in speaker for src in others):
            continue  # another source names the speaker: it may carry the claim in its own words
        if any(len(own & words[src]) >= opt.claim_overlap * len(own) for src in others):
            continue
        shown.add(s.sentence)
        yield Difference(CLAIM, who, (_quote(s, who),), 1, n)

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
from svodka.pipeline.entities import EntityFinder
from svodka.pipeline.entities import NatashaEntities as NatashaEntities  # the finder, where it was
from svodka.pipeline.entities import natasha_entities as natasha_entities
from svodka.pipeline.features import stem
from svodka.pipeline.quotes import CAPTION, PLUG, SHORT, quote_problems
from svodka.pipeline.summarize import sentences, web_url
from svodka.stopwords import RUSSIAN_FUNCTION_WORDS

CONFLICT = "conflict"  # the same quantity counted differently
FIGURE = "figure"  # a figure only some sources give
CLAIM = "claim"  # an attributed claim only some sources carry
NAME = "name"  # a person, place or organisation only some sources name (an EntityFinder's spans)

MIN_SOURCES = 3
DIGEST_TOP = 5  # a digest shows the differences of its first this many stories


@dataclass(frozen=True, slots=True)
class DifferenceOptions:
    min_sources: int = MIN_SOURCES
    max_shown: int = 6  # per story: conflicts first, then figures, then claims, then names
    max_names: int = 3  # names only a minority gives, per story
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
    # The ``t.me/c`` link, second, when ``url`` is the post's page in svodka's web app (as Cited.alt_url)
    alt_url: str | None = None


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str  # CONFLICT, FIGURE or CLAIM
    subject: str  # the counted noun's lemma, the claim's attribution, or the name in the nominative
    quotes: tuple[Quote, ...]
    sources: int  # independent sources that state it
    of: int  # independent sources of the story

    def line(self) -> str:
        what = " vs ".join(dict.fromkeys(f"«{q.what}»" for q in self.quotes))
        if self.kind == NAME:
            return f"only {self.sources} of {self.of} sources name {what}"
        if self.kind == CONFLICT:
            return f"figures conflict on {self.subject}: {what}"
        return f"{what} — in only {self.sources} of {self.of} sources"


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
    story: Story,
    networks: Networks | None = None,
    opt: DifferenceOptions | None = None,
    names: EntityFinder | None = None,
) -> tuple[Difference, ...]:
    """The story's differences between sources, conflicts first; none below ``min_sources`` sources.
    With ``names``, also the people, places and organisations only a minority of the sources name."""
    opt = opt or DifferenceOptions()
    n, said = _by_source(story, networks)
    if n < opt.min_sources:
        return ()
    stated = [(s, f) for s in said for f in figures(s.sentence)]
    found = [*_conflicts(stated, n, opt), *_lone_figures(stated, n), *_lone_claims(said, n, opt)]
    if names is not None:
        found += _new_sentences(found, _lone_names(said, n, names))[: opt.max_names]
    return tuple(found[: opt.max_shown])


def _new_sentences(shown: Sequence[Difference], candidates: Iterable[Difference]) -> list[Difference]:
    """The name differences that quote a sentence not quoted yet: a sentence that names two people only
    some sources name (or already states a lone figure) is shown once."""
    quoted = {(q.post_id, q.sentence) for d in shown for q in d.quotes}
    out = []
    for d in candidates:
        keys = {(q.post_id, q.sentence) for q in d.quotes}
        if keys <= quoted:
            continue
        quoted |= keys
        out.append(d)
    return out


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


# --- names (an EntityFinder's spans: svodka.pipeline.entities) ------------------------------------------
# Outlets credited in a sentence («сообщает ТАСС», «пишет РБК»): a credit, not a fact of the story.
_MEDIA_WORDS = (
    "риа новости тасс интерфакс рбк коммерсант ведомости известия reuters bloomberg ap afp bbc би-би-си "
    "cnn rt euronews mash shot baza readovka медуза meduza дождь эхо лента газета telegram телеграм канал сми"
)
_MEDIA = frozenset(stem(w) for w in _MEDIA_WORDS.split())
PREFIX = 5  # letters of a word that say it is the same name in another case («Лавровым», «Лавров»)
# One place or body, named in other words: «РФ», «Россия», «Москва»; «ЕС», «Евросоюз»; «ФРГ», «Германия» …
_SAME_WORDS = (
    "россия рф москва кремль российский", "сша америка вашингтон штаты американский",
    "ес евросоюз брюссель европейский", "фрг германия берлин немецкий германский",
    "великобритания британия лондон британский", "украина киев украинский", "кабмин правительство",
    "севпоток северный поток", "грузия тбилиси грузинский", "сирия дамаск сирийский",
    "иран тегеран иранский", "турция анкара турецкий", "китай пекин кнр китайский",
    "кндр пхеньян северокорейский корея", "израиль израильский", "япония токио японский",
)  # fmt: skip
# Short forms that name no one: a sabotage group, drones, air defence, a road accident …
_NOT_NAMES = frozenset(["дрг", "бпла", "пво", "дтп", "сво", "впк"])
_LATIN = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        [
            "а",
            "б",
            "к",
            "д",
            "е",
            "ф",
            "г",
            "х",
            "и",
            "дж",
            "к",
            "л",
            "м",
            "н",
            "о",
            "п",
            "к",
            "р",
            "с",
            "т",
            "у",
            "в",
            "в",
            "кс",
            "й",
            "з",
        ],
        strict=True,
    )
)
_BYLINE = re.compile(r"корреспондент|журналист|репортер|репортёр|фотограф|ведущ", re.IGNORECASE)
_CREDIT = re.compile(
    r"(сообщил[аи]?|заявил[аи]?|сообщает|сообщают|пишет|пишут|передает|передаёт|по данным|по информации)"
    r"\s+(?:в\s+|во\s+)?$",
    re.IGNORECASE,
)


def _key(words: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in _TOKEN.findall(words) if len(w) > 1)


def _forms(word: str) -> set[str]:
    """What a word of a name is matched by in another source's text: its stem, and its first letters."""
    low = word.lower().replace("ё", "е")
    return {stem(low), low[:PREFIX] if len(low) >= PREFIX else low}


_SAME = [set().union(*(_forms(w) for w in group.split())) for group in _SAME_WORDS]


def _name_forms(text: str) -> list[set[str]]:
    """Per word of a name, the forms another source may name it by: its own, in Cyrillic letters, every
    word of its group (:data:`_SAME_WORDS`); and the name's initials («Хайят Тахрир аш-Шам»: «ХТШ»)."""
    out = []
    for w in _TOKEN.findall(text):
        if len(w) < 2:
            continue
        f = _forms(w)
        if re.fullmatch(r"[A-Za-z]+", w):
            f |= _forms("".join(_LATIN[c] for c in w.lower()))
        for group in _SAME:
            if f & group:
                f |= group
        out.append(f)
    caps = [p[0] for p in re.split(r"[\s-]+", text) if p[:1].isupper()]
    if len(caps) >= 2:
        out.append({"".join(caps).lower()})
    return out or [set()]


def _initials(sentence: str) -> set[str]:
    """The initials of each run of capitalised words («Хайят Тахрир аш-Шам»: «хтш»), lower-cased."""
    out, run = set(), []
    for word in re.findall(r"[\w-]+", sentence):
        parts = [p for p in word.split("-") if p]
        if any(p[:1].isupper() for p in parts):
            run += [p[0] for p in parts if p[:1].isupper()]
            continue
        if not (parts and all(len(p) <= 3 for p in parts)):  # «аш», «аль», «де» stay inside a name
            if len(run) >= 2:
                out.add("".join(run).lower())
            run = []
    if len(run) >= 2:
        out.add("".join(run).lower())
    return out


def _lone_names(said: Sequence[_Said], n: int, finder: EntityFinder) -> Iterable[Difference]:
    """People, places and organisations a minority of the sources name, and no other source mentions in
    any form (the stem of a word of the name, or its first five letters, anywhere in its text)."""
    usable = [s for s in said if not {PLUG, CAPTION, SHORT} & set(quote_problems(s.sentence))]
    spans = finder.entities([s.sentence for s in usable])
    forms: dict[int, set[str]] = {}
    for s in said:  # every word of each source, in Cyrillic letters too, and the initials of its names
        have = forms.setdefault(s.source, set())
        have.update(f for w in _TOKEN.findall(s.sentence) for f in _name_forms(w)[0] if len(w) > 1)
        have.update(_initials(s.sentence))
    named: dict[tuple[str, ...], list[tuple[_Said, str]]] = {}
    kinds: dict[tuple[str, ...], str] = {}
    for s, found in zip(usable, spans, strict=True):
        channel = set(_key(s.member.post.channel))
        for kind, text in found:
            key = _key(text)
            if not key or kind not in ("PER", "LOC", "ORG") or set(key) & (channel | _MEDIA | _NOT_NAMES):
                continue  # the channel itself, an outlet credited, a short form that names no one
            at = s.sentence.find(text)
            if (kind == "PER" and _BYLINE.search(s.sentence)) or (at > 0 and _CREDIT.search(s.sentence[:at])):
                continue  # a reporter's byline, or a credit («сообщили в МИД России»)
            if kind == "ORG" and text.split()[0].lower().endswith(("ые", "ие", "ая", "ий", "ый")):
                continue  # «Антиправительственные митинги»: words, not a name
            named.setdefault(key, []).append((s, text))
            kinds.setdefault(key, kind)
    shown: set[str] = set()
    for key, mentions in named.items():
        mine = _name_forms(mentions[0][1])
        holders = {src for src, have in forms.items() if any(f & have for f in mine)}
        if len(holders) * 2 >= n or any(f & shown for f in mine):
            continue  # most sources name it; or it is a name shown already («Асад», «Башара Асада»)
        shown.update(x for f in mine for x in f)
        first: dict[int, tuple[_Said, str]] = {}
        for s, text in mentions:
            first.setdefault(s.source, (s, text))
        by_date = sorted(first.values(), key=lambda x: x[0].member.post.date)
        (s, text) = mentions[0]
        name = finder.nominative(
            s.sentence, text, kinds[key]
        )  # «Грузия», as a line names it; quotes as written
        yield Difference(NAME, name, tuple(_quote(s, text) for s, text in by_date), len(holders), n)

"""One clean headline: a post's lead as an editor would title the story (issue 14 §3).

The headline is taken from a post, never written: :func:`clean_headline` only removes decoration
(letter-spaced shouting such as «В С Ё», a leading «Срочно:», a trailing «, — МЧС.» attribution) and
:func:`shorten` only cuts at a sentence or clause boundary. :func:`headline_problems` names what is wrong
with a headline as shown, for the summariser's choice and for checks on rendered digests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from svodka.pipeline.quotes import is_volatile

MAX_CHARS = 120
MIN_CUT = 50  # a clause cut keeps at least this much

TOO_LONG = "longer than 120 characters"
SPACED = "letter-spaced word"
DECORATION = "emoji or markdown"
FRAGMENT = "starts mid-phrase"
TRAILER = "trailing attribution fragment"
TEASE = "question or teaser"
FOOTER = "channel footer"

# «В С Ё», «С Р О Ч Н О»: three or more single letters in a row, separated by spaces.
_SPACED = re.compile(r"(?<!\w)(?:[^\W\d_] ){2,}[^\W\d_](?!\w)")
_LEAD_TAG = re.compile(r"^(срочно|молния|breaking|эксклюзив|важно|upd|апд)\s*[:!.—–-]+\s*", re.IGNORECASE)
# «…, — МЧС.», «— пишет Reuters.», «— ТАСС»: who said it, after a dash at the end.
_TRAILER = re.compile(
    r"\s*,?\s*[—–]\s*(?:(?:пишет|пишут|сообщает|сообщают|передает|передаёт|заявили?|заявил[аи]?)\s+)?"
    r"[«\"]?[A-ZА-ЯЁ][\w.\-«»\" ]{0,30}[»\"]?\s*\.?\s*$"
)
_SPACE_PUNCT = re.compile(r"\s+([,.;:!?…])")
_SPACES = re.compile(r"\s{2,}")
# Emoji and the symbols channels use as bullets (⏺ ⏩ ⌚: Miscellaneous Technical; ▪ ▶ ◾: Geometric Shapes).
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\u2b00-\u2bff\u2300-\u23ff\u25a0-\u25ff\ufe0f\u200d]"
)
_MARKDOWN = re.compile(r"\*\*|__|~~|`|\]\(")
# «Подписывайтесь», «подписка» — not «Путин подписал закон».
_FOOTER = re.compile(
    r"подпис(?:ывайтесь|ывайся|аться|ка|ки|ку|чик)|подпишись|подпишитесь|наш канал|прислать новость|"
    r"без vpn|@\w{3,}|t\.me/",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[,;:]\s|\s[—–]\s|[.!?…]\s")
# A comma before «что», «который», «чтобы» … ends no thought: «Генпрокурор заявил Spiegel, что …».
_SUBORDINATE = re.compile(
    r"(что|чтобы|который|которая|которое|которые|которого|которой|которым|где|когда|если|ли|как|"
    r"поскольку|потому|хотя|that|which|who)\b",
    re.IGNORECASE,
)
# Where no other boundary fits, a comma before «который …» will do: the relative clause only adds to a
# noun of a main clause that is whole («Байден помиловал сына Хантера, который был признан виновным …»).
_RELATIVE = re.compile(r"(который|которая|которое|которые|которого|которой|которым|которых)\b", re.IGNORECASE)
# … and so will a comma before «чтобы» after a noun: a purpose added to a whole clause («США рассматривают
# возможность снятия санкций с Башара Асада, чтобы …»), not what a verb or «важно» asks for («хочет, чтобы»).
_PURPOSE = re.compile(r"чтобы\b", re.IGNORECASE)
_ASKS_FOR = re.compile(r"(\w+(л|ла|ли|ло|ть|т|ся|сь|о)|то|того|так|такой|таким)$", re.IGNORECASE)
# Nor a comma before a participle: «приняли закон, ограничивающий продажу …».
_PARTICIPLE = re.compile(
    r"\w+(щий|щая|щее|щие|щих|щим|вший|вшая|вшее|вшие|вших|нный|нная|нное|нные|нных|емый|имый)\b"
)
# A phrase set off by commas: a subordinate clause, a participle or a gerund («, ссылаясь на …»).
_OPENS = re.compile(
    _SUBORDINATE.pattern + "|" + _PARTICIPLE.pattern + r"|\w+(ясь|аясь|вшись|ив|ав|ыв|ев)\b", re.IGNORECASE
)


def clean_headline(text: str) -> str:
    """``text`` (one sentence of a post's clean text) without letter-spacing, lead tags and trailers."""
    s = _EMOJI.sub(" ", _SPACED.sub(" ", text))
    s = _LEAD_TAG.sub("", s.strip())
    s = _SPACES.sub(" ", s).strip(" -—–•·,")
    trimmed = _TRAILER.sub("", s).rstrip(" ,")
    if trimmed != s and len(trimmed.split()) >= 4:
        s = trimmed
    s = _SPACE_PUNCT.sub(r"\1", s)
    return s.strip()


def shorten(text: str, limit: int = MAX_CHARS) -> str | None:
    """``text`` if it fits ``limit``; else its longest head that ends at a sentence or clause boundary
    (at least :data:`MIN_CUT` characters) — or, where there is none, before a relative clause
    («…, который …») or a purpose after a noun («…Асада, чтобы …») where what it drops names no speaker;
    None when there is no such boundary. The comma that closes a phrase a comma opened
    («Адвокаты Трампа, ссылаясь на помилование, потребовали …») is no boundary: the main clause goes on."""
    if len(text) <= limit:
        return text
    cut = relative = None
    inside = False  # after «, который / , ссылаясь …»: the next comma closes that phrase
    for m in _CLAUSE.finditer(text):
        end = m.start() + (1 if text[m.start()] in ".!?…" else 0)
        if end > limit:
            break
        comma = text[m.start()] == ","
        was_inside, inside = inside, comma and bool(_OPENS.match(text, m.end()))
        if not comma:
            was_inside = False
        if end < MIN_CUT or was_inside:
            continue
        if comma and (_SUBORDINATE.match(text, m.end()) or _PARTICIPLE.match(text, m.end())):
            if _RELATIVE.match(text, m.end()) or (
                _PURPOSE.match(text, m.end()) and not _ASKS_FOR.search(text[: m.start()])
            ):
                relative = end
            continue
        cut = end
    if cut is None and relative is not None and not _SAID_IN_TAIL.search(text, relative):
        cut = relative  # … but not a purpose or a relative clause with who said it behind it
    if cut is None:
        return None
    return text[:cut].rstrip(" ,;:—–")


def last_resort(text: str) -> str:
    """The headline of a lead when no sentence of the story makes a clean one: cleaned, cut at a clause
    where it can be, and a teaser's colon dropped («Правительство назвало причину падения рубля:» — what
    followed was a picture); never cut elsewhere, so it may still be too long."""
    s = clean_headline(text)
    s = shorten(s) or s
    return s.rstrip(" :") if s.endswith(":") and len(s.split()) >= 4 else s


def headline_problems(text: str) -> list[str]:
    """What is wrong with a headline as shown (an empty list: nothing)."""
    s = text.strip()
    problems: list[str] = []
    if len(s) > MAX_CHARS:
        problems.append(TOO_LONG)
    if _SPACED.search(s):
        problems.append(SPACED)
    if _EMOJI.search(s) or _MARKDOWN.search(s):
        problems.append(DECORATION)
    if s[:1] and (s[0].islower() or s[0] in ",.;:)—–-"):
        problems.append(FRAGMENT)
    if re.search(r"^[\w\s,]{0,30}\s*,\s*[—–]\s*\S+\.?$", s):
        problems.append(TRAILER)
    if s.endswith((":", "?")):
        problems.append(TEASE)
    if _FOOTER.search(s):
        problems.append(FOOTER)
    return problems


# Who said it (issue 14 §3): a claim is shown with its speaker or not at all. A reporting verb …
_SAY = (
    r"(?:заяви|сообщи|сказа|отмети|подчеркну|рассказа|указа|добави|уточни|поясни|предупреди|призна|"
    r"напомни|опроверг)(?:л|ла|ли|ло)\b|(?:считает|считают|заявляет|заявляют|утверждает|утверждают|"
    r"полагает|пишет|пишут|сообщает|сообщают|передает|передаёт|говорит|говорят|уверен|уверена|уверены)\b"
)
# A claim's speaker after it («…, рассказал РИА Новости боец …»): no cut may drop it.
_SAID_IN_TAIL = re.compile(rf"[,—–]\s*(?:[—–]\s*)?(?:{_SAY})", re.IGNORECASE)
# … and whom it was said to, between the verb and the speaker («рассказал РИА Новости командир …»).
_TO = (
    r"(?:(?:журналистам|репортерам|репортёрам|РИА Новости|ТАСС|РБК|Интерфаксу|(?:изданию|агентству|"
    r"телеканалу|газете|радио)\s+[«\"]?[A-ZА-ЯЁ][\w-]*[»\"]?|в (?:сво[её]м )?(?:telegram-|телеграм-)?канале|"
    r"в интервью\s+[«\"]?[A-ZА-ЯЁ][\w-]*[»\"]?)\s+)?"
)
# «…, заявила официальный представитель МИД РФ Мария Захарова.»: the claim, then who said it.
_SAID_AFTER = re.compile(
    rf"^(?P<claim>.{{20,}}?),\s*(?:[—–]\s*)?(?P<verb>{_SAY})\s+{_TO}(?P<who>[^,;:]{{2,80}}?)\s*\.?$"
)
# «…, — Захарова.»: the speaker alone after a dash.
_DASH_AFTER = re.compile(r"^(?P<claim>.{20,}?),?\s+[—–]\s*(?P<who>[A-ZА-ЯЁ][\w\-. ]{1,40}?)\s*\.?$")
# «Захарова заявила, что …», «В Минобороны сообщили, что …»: who said it, then the claim.
_SAID_BEFORE = re.compile(
    rf"^(?P<who>[A-ZА-ЯЁ][^,;:]{{1,80}}?)\s+(?P<verb>{_SAY})(?:\s+[^\s,]+){{0,3}}?,?\s+(?:в том, )?"
    r"что\s+(?P<claim>.{20,})$"
)
# «Она подчеркнула, что …»: a later sentence of the same post, its speaker named by a pronoun.
_PRONOUN_SAID = re.compile(
    rf"^(?P<pronoun>Он|Она|Они)\s+(?:также\s+|еще\s+|ещё\s+)?(?P<verb>{_SAY}),?\s+(?:[^\s,]+\s+){{0,2}}?"
    r"что\s+(?P<claim>.{20,})$"
)
_FROM_ORG = re.compile(r"\s+(?:из|от)\s+[«\"]?[A-ZА-ЯЁ][\w-]*[»\"]?$")
_CAP = re.compile(r"^[«\"]?[A-ZА-ЯЁ][\w-]*[»\"]?$")
_ABBR = re.compile(r"^[A-ZА-ЯЁ]{2,}$")
# Ministries whose short names do not decline («в Минобороны», «в Минцифры»): the name reads as a subject.
_MINISTRY = re.compile(r"^Мин\w+[ыи]$")
_COUNTRY = frozenset({"России", "РФ", "США", "Украины"})
_OBLIQUE = ("ии", "ы", "ой", "ого", "ому", "ым", "ом", "ей")  # endings no subject's name has


def _name(who: str) -> str | None:
    """The short name of a speaker as the sentence gives it: a surname after a first name («Мария
    Захарова» → «Захарова»), a one-word name, an abbreviation («МИД», «МЧС»), an indeclinable ministry
    («в Минобороны») — never a word in another case than the subject's («президента Франции»)."""
    words = _FROM_ORG.sub("", who).split()  # «аналитик Бенджмин Пиктон из Rabobank» → «… Пиктон»
    if words[0].lower() in ("в", "во"):
        org = words[1:]
        if org and (_ABBR.match(org[0]) or _MINISTRY.match(org[0])) and all(w in _COUNTRY for w in org[1:]):
            return " ".join(org)
        return None
    if not _CAP.match(words[-1]):
        return None
    last = words[-1]
    if _ABBR.match(last) or _MINISTRY.match(last):
        return last
    if last.endswith(_OBLIQUE) or last in _COUNTRY:  # «Премьер Японии заявил»: the subject is no name
        return None
    if len(words) == 1 or (_CAP.match(words[-2]) and not _ABBR.match(words[-2])):
        return last.strip('«»"')
    return None


def _gender(verb: str) -> str:
    return "pl" if verb.endswith("ли") else "f" if verb.endswith("ла") else "m" if verb.endswith("л") else ""


def attribution(sentence: str) -> tuple[str, str, str] | None:
    """``sentence`` split into who said it, what was said and the verb's gender («m», «f», «pl» or «» for
    a present tense) where it reports speech by a named speaker; None otherwise."""
    s = clean_headline_keep_trailer(sentence)
    for pattern in (_SAID_AFTER, _DASH_AFTER, _SAID_BEFORE):
        m = pattern.match(s)
        if m and (who := _name(m["who"].strip())):
            verb = m.groupdict().get("verb") or ""
            return who, m["claim"].strip(" ,—–"), _gender(verb)
    return None


def clean_headline_keep_trailer(text: str) -> str:
    """``text`` cleaned as :func:`clean_headline` cleans it, except that who said it stays."""
    s = _EMOJI.sub(" ", _SPACED.sub(" ", text))
    s = _LEAD_TAG.sub("", s.strip())
    return _SPACE_PUNCT.sub(r"\1", _SPACES.sub(" ", s).strip(" -—–•·,")).strip()


def speaker_headline(lead: str, later: str | None = None, limit: int = MAX_CHARS) -> str | None:
    """A headline that keeps who said it: «Захарова: Москва …» — the speaker the sentence names, then the
    claim, cut at a clause boundary to fit ``limit``. With ``later``, a sentence of the same post whose
    speaker is a pronoun («Она подчеркнула, что …»): its claim, under the speaker of ``lead`` (of the
    pronoun's gender). None when there is no named speaker or the claim cannot be cut to fit."""
    said = attribution(lead)
    if said is None:
        return None
    who, claim, gender = said
    if later is not None:
        m = _PRONOUN_SAID.match(clean_headline_keep_trailer(later))
        pronoun = {"Он": "m", "Она": "f", "Они": "pl"}[m["pronoun"]] if m else None
        if m is None or _gender(m["verb"]) not in ("", pronoun) or gender not in ("", pronoun):
            return None
        claim = m["claim"].strip()
    claim = claim.rstrip(".")
    cut = shorten(claim, limit - len(who) - 2)
    if cut is None or len(cut.split()) < 4:
        return None
    head = f"{who}: {cut}"
    return head if not headline_problems(head) else None


def post_speaker_headline(sentences: Sequence[str]) -> tuple[int, str] | None:
    """The speaker's headline of a post whose lead is ``sentences[0]``: from the lead itself, else from the
    first later sentence that names the lead's speaker by a pronoun; the index of the sentence its claim
    is from, and the headline (room left for a changing figure's time). None when there is none."""
    for i, later in enumerate(sentences):
        room = MAX_CHARS - len(" (00:00)") if is_volatile(later) else MAX_CHARS
        if head := speaker_headline(sentences[0], later if i else None, room):
            return i, head
    return None

"""One clean headline: a post's lead as an editor would title the story (issue 14 §3).

The headline is taken from a post, never written: :func:`clean_headline` only removes decoration
(letter-spaced shouting such as «В С Ё», a leading «Срочно:», a trailing «, — МЧС.» attribution) and
:func:`shorten` only cuts at a sentence or clause boundary. :func:`headline_problems` names what is wrong
with a headline as shown, for the summariser's choice and for checks on rendered digests.
"""

from __future__ import annotations

import re

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
    («…, который …»); None when there is no such boundary. The comma that closes a phrase a comma opened
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
            if _RELATIVE.match(text, m.end()):
                relative = end
            continue
        cut = end
    cut = cut or relative
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

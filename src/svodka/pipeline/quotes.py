"""Quotes an editor would keep: the checks a key sentence and a story card must pass, as named functions.

A key sentence must be informative on its own. :func:`quote_problems` names what is wrong with one
sentence (an empty list: nothing); :func:`card_problems` names what is wrong with a card's quotes taken
together (the same post twice, two sentences that say the same thing, a key sentence that repeats the
headline, a changing figure without its time); :func:`digest_problems` what is wrong across a digest's
cards (a post quoted on two). The summariser uses the first two to choose, and the tests and
``benchmarks/bench_quotes.py`` run all three on rendered digests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from svodka.pipeline.features import extract

QUESTION = "question to the reader"
TEASER = "teaser ending in a colon"
PLUG = "channel plug"
SCAFFOLD = "UPD/Подробности scaffolding"
POINTS_BACK = "points back to an earlier sentence"
CAPTION = "caption of media the reader cannot see"
FILLER = "filler"
READER = "addresses the reader"
SHORT = "too short to inform"
FRAGMENT = "starts mid-phrase"
LIST_ITEM = "an item out of its list"
FOOTNOTE = "a footnote or disclaimer"
LINK_LABEL = "a link's label"
UNNAMED_OUTLET = "an outlet pointed at but not named"
LIST_HEADING = "a list's heading"
CUT_OFF = "cut off mid-sentence"
NO_SPEAKER = "a statement whose speaker is not named"
QUIP = "a quip with no fact"

SAME_POST = "post quoted twice"
OTHER_CARD = "post quoted on another card too"
DUPLICATE = "says the same as another quote"
REPEATS_HEADLINE = "repeats the headline"
UNTIMED = "changing figure without its time"

_QUESTION = re.compile(r"\?[»\"')\s]*$")
_TEASER = re.compile(r"[:：][\s»\"')]*$")
_PLUG = re.compile(
    r"^(полный отч[её]т|подробн(ее|ости) (в|на|читайте|—|-|:)|читайте|читать (далее|полностью|в)|смотрите в|"
    r"подпис|источник\s*[:—-]|прислать новость|предложить новость|наш канал|ссылка (в|на))|"
    r"подпис(аться|ывайтесь|ывайся|ка|чик)|наш(ем|его)? канал|в нашем (канале|чате)|"
    r"(отч[её]т|подробности|продолжение|материал|видео) (в|на) [«\"]?[А-ЯЁA-Z@][\w\s-]{0,25}[»\"]?\.?$|"
    r"\bboost|бусты?\b|без vpn|читать нас|@\w{3,}|"
    r"^(наш )?(подкаст|стрим|прямой эфир|новый выпуск|выпуск)\b",  # the channel's other media
    re.IGNORECASE,
)
_SCAFFOLD = re.compile(
    r"^((upd|апд|update)\d*|обновлено|дополнено|подробности|срочно|молния|breaking|эксклюзив|важно|"
    r"главное|итоги дня|коротко)\b\.?",
    re.IGNORECASE,
)
# Openings that need the sentence before them. Hard: a time, place or thing named only by pointing
# («Тогда…», «Там…», «Это…», «Он…»); soft: a connector («А…», «Но…») that is fine with a figure or a name.
_HARD_BACK = re.compile(
    r"^(тогда|там|тут|здесь|туда|оттуда|вот|так|такой|такая|такие|такое|такую|таких|таким|это|этот|эта|"
    r"эти|этого|этой|этим|этих|этому|эту|тот|та|те|того|тем|той|именно|само|сам|сама|сами|работает так|"
    r"он|она|они|оно|его|ее|её|их|ему|ей|им|мы|нам|нас|я|об этом|при этом|в этом|после этого|до этого|"
    r"по (его|ее|её|их) (словам|данным|мнению|информации|сведениям|оценкам?)|"
    r"\w+ же|после (этого|этой|того)|до (этого|этой|того)|из-за (этого|того)|"
    r"поэтому|потому|в результате|вс[её] из-за|в то же время|в ответ|помимо этого|благодаря этому)\b",
    re.IGNORECASE,
)
_SOFT_BACK = re.compile(
    r"^(а|но|и|однако|зато|причем|причём|также|кроме того|ещ[её]|к тому же|впрочем|тем временем|"
    r"в свою очередь|ранее|позже|позднее|сейчас|теперь|also|but|and|this|it|he|she|they)\b",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"^(вот (что|как|так|это|какой|какая|какие)|кадры|видео|фото|смотрите|смотреть|показываем|публикуем|"
    r"так выглядит|так выглядят|как это было|момент|(обстановка|ситуация) (на месте|у|около|возле|сейчас))\b|"
    r"\b(на видео|на кадрах|на фото|видео|кадры|кадрах|"
    r"фото|фотографи\w+|снимк\w*|в кадре|запечатлел\w*|(под|за)снял\w*)\b",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"подтверждени\w* (этой|данной)? ?информации (пока )?нет|информаци\w* уточняется|подробности "
    r"(уточняются|выясняются|позже)|ждем подробност|ждём подробност|следим за (развитием|ситуацией)|"
    r"официальн\w* (комментари\w*|подтверждени\w*) (пока )?нет|(всё|все) в порядке|"
    r"на месте (сейчас )?работа\w* (все )?(экстренные|оперативные|профильные) службы|"
    r"^(пока )?неизвестно\.?$|^(это|что) (ещ[её] )?не вс[её]",
    re.IGNORECASE,
)
_READER = re.compile(
    r"\b(вы|вас|вам|вами|ваш\w*|пишите|напишите|расскажите|делитесь|поделитесь|голосуйте|ставьте|"
    r"переходите|жмите|нажмите|you|your)\b",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"\d")
# A name: a capitalised word that is not the first word and not a quote's opening word.
_NAME = re.compile(r"(?<=[\s«\"(])[A-ZА-ЯЁ][a-zа-яё]+|(?<=[\s«\"(])[A-ZА-ЯЁ]{2,}\b")
# Figures that change during the day: exchange rates and market prices (a rate word near the figure; a sum
# in roubles or dollars is not one).
_MARKET = re.compile(
    r"\bкурс\w*|\bза (доллар|евро|юань)\b|мосбирж\w*|биржев\w*|\bна бирже\b|\bторг(ах|ов)\b|imoex|"
    r"\bторгует\w*|\bна отметке\b|\bиндекс\w* (мосбиржи|ртс)|\bфьючерс\w*|\bкотировк\w*",
    re.IGNORECASE,
)
_INSTRUMENT = re.compile(r"\b(доллар|евро|юан|рубл|биткоин|bitcoin|нефт|brent)\w*", re.IGNORECASE)
_MOVES = re.compile(
    r"\b(выше|ниже|превысил\w*|опустил\w*|поднял\w*|упал\w*|вырос\w*|раст[её]т|подорожал\w*|"
    r"подешевел\w*|укрепил\w*|ослаб\w*|отыграл\w*|стоит|достиг\w*|обвалил\w*|пробил\w*|снизил\w*|"
    r"по \d[\d\s.,]*(рубл\w*|₽)|(доллар|евро|юан)\w*\s+(уже\s+|снова\s+|опять\s+)?по\s+\d)",
    re.IGNORECASE,
)
TIME_MARK = re.compile(r"\(\d{1,2}:\d{2}\)\s*$")


def _stripped(sentence: str) -> str:
    return sentence.strip().strip("«»\"' ").strip()


# «К счастью, его заметил прохожий»: a short opening phrase, then a pronoun as the subject.
_INTRO_PRONOUN = re.compile(r"^[^,]{1,20},\s*(он|она|они|его|ее|её|их|ему|ей|им)\b", re.IGNORECASE)
# «Что ещё произошло с картами…», «Что известно о…»: a question without its mark, a teaser for a link.
_HIDDEN_QUESTION = re.compile(
    r"^(что|как|почему|зачем|кто|где|сколько|чем)\s+(\w+\s+)?(ещ[её]|известно|произошл\w*)\b", re.IGNORECASE
)


# «…, он упоминал накануне»: a third person named only by a pronoun, in a sentence that names nobody.
_PRONOUN = re.compile(r"(?<![\w.-])(он|она|они|ему|нему|ней|него|неё|нее|них)(?![\w.-])", re.IGNORECASE)
# A list's item out of it: a bullet («▪ доллар 108,01 рубля»), or a live blog's entry under its time
# («03:39 Почему Байден нарушил обещание…»).
_LIST_ITEM = re.compile(r"^([▪▫•●○◦■□▶►✔✅☑➖➡→·]|[-–]\s|\d{1,2}:\d{2}\s+\S)")
# «*Движение признано террористическим в РФ.»: a footnote, a label the law asks for.
_FOOTNOTE = re.compile(
    r"^\*|\bпризна\w* (в (россии|рф) )?"
    r"(террористическ|экстремистск|нежелательн|иностранн\w* агент|иноагент)\w*"
    r"( организаци\w*)? (в|на территории) (россии|рф)\b",
    re.IGNORECASE,
)


# «…», — считает он.: a statement attributed to a pronoun, whoever else the sentence names.
_SAID_BY_PRONOUN = re.compile(
    r"[,—–-]\s*(—\s*)?(считает|заявил|заявила|заявили|сказал|сказала|сказали|отметил|отметила|добавил|добавила|"
    r"подчеркнул|подчеркнула|уточнил|уточнила|пишет|пояснил|пояснила)\s+(он|она|они)\b",
    re.IGNORECASE,
)


# «Подробнее о новых правилах – читайте здесь»: the words a link was set on; its target is gone.
_LINK_LABEL = re.compile(
    r"\b(читайте|читать|смотрите|подробн\w+|узнайте|слушайте) (здесь|тут|по ссылке|в источнике)\b|"
    r"^подробнее (о|об|про)\b|[–—-]\s*(читайте|смотрите)\s*\.?$",
    re.IGNORECASE,
)
# «…, сообщает телеканал.», «По данным издания, …»: an outlet pointed at, its name left to a link or an
# earlier sentence; with its name («сообщает телеканал «Дождь»», «издание The Insider») it is a source.
_OUTLET = r"(телеканал\w*|издани[еяюи]|газет[аыуе]|агентств[оау]|портал\w*|(?:телеграм|telegram)-канал\w*)"
_UNNAMED_OUTLET = re.compile(
    r"\b(сообща\w+|пиш\w+|переда[её]\w*|по данным|по информации|по сведениям|со ссылкой на|цитиру\w+|"
    r"утвержда\w+|выяснил\w*|узнал\w*)\s+" + _OUTLET + r"(?![\w-])(?!\s+[«\"„A-ZА-ЯЁ])|"
    r"^" + _OUTLET + r"\s+(\w+\s+)?(пиш|сообща|отмеча|утвержда|уточня|выяснил|узнал|напомина)\w*",
    re.IGNORECASE,
)
# «Обстановка и главные события на 27 ноября.»: a list's title, its items left out.
_MONTH = r"(январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*"
_LIST_HEADING = re.compile(
    r"^([\w-]+\.\s+)?(обстановка|главн\w+|итоги|сводка|хроника|дайджест|(основные |ключевые )?события|"
    r"новости|цифры)\b[^.!?]{0,50}\b(на|за|к|от)\s+(\d{1,2}\s+" + _MONTH + r"|сегодня|утро|вечер|неделю)\b"
    r"[^.!?]{0,20}[.:]?$",
    re.IGNORECASE,
)
# A sentence that stops mid-phrase: on a comma or a word that needs the next («…проходят в»).
_OPEN_TAIL = re.compile(
    r"([,;(–—-]|\b(в|во|на|с|со|к|ко|по|о|об|от|до|из|за|для|при|и|а|но|или|что|как|чтобы|the|of|and|to))"
    r"\s*$",
    re.IGNORECASE,
)


_SENTENCE_END = re.compile(r"[.!?…]$")

# Who is speaking (issue 14 §2). A reporting verb …
_SPEECH = (
    r"(?:заяв|сказа|отмет|добав|подчеркн|уточн|поясн|рассказ|призв|призна|написа|пиш|сообщ|предупред|"
    r"напомн|резюмир|заключ|констатир|ответ|говор|счита|отмеча|полага|утвержда|объясн|высказ|пообеща|"
    r"обеща|завер|назва)[а-яё]*"
)
# … whose subject is a pronoun: «…, — призвал он.», «Заявил он в интервью …», «Представляя Кавелашвили, он
# назвал его …», "…, he said."
_PRONOUN_SPEAKER = re.compile(
    rf"(?:^|[,—–-]\s*)(?:—\s*)?{_SPEECH}\s+(?:он|она|они)\b|"
    rf",\s*(?:он|она|они)\s+(?:также\s+|ещ[её]\s+)?{_SPEECH}|"
    r"\b(?:he|she|they)\s+(?:said|says|added|told|wrote|noted|stressed|warned)\b|\bsaid\s+(?:he|she)\b",
    re.IGNORECASE,
)
# Someone's own words: the first person singular (not a capitalised name «Моя цена»), or the plural in a
# quotation of some length («У нас нет сил …», not «Наша нива»).
_FIRST_PERSON = re.compile(
    r"(?<![\w-])(?:я|меня|мне|мной|мой|моя|моё|мое|мои|моего|моей|моих|моим|мою)(?![\w-])"
)
_WE = re.compile(r"(?<![\w-])(?:мы|нас|нам|нами|наш[а-яё]*)(?![\w-])", re.IGNORECASE)
_QUOTED = re.compile(r"«[^»]*(?:»|$)|\"[^\"]*(?:\"|$)|„[^“”]*(?:[“”]|$)")
# Who said it, outside the quotation marks: a name (not a pronoun) with a reporting verb, before a colon
# («Зеленский в интервью Sky News: Я готов …») or after a dash at the end («… — Лавров»).
_NAMED = re.compile(r"(?<![\w-])(?!(?:Он|Она|Они|Я|Мы)\b)(?:[A-ZА-ЯЁ][a-zа-яё]+|[A-ZА-ЯЁ]{2,})")
_SAID_BY = re.compile(
    rf"{_SPEECH}|обрати[а-яё]*|цитир[а-яё]*|приводит слова|^[^:«\"]{{2,60}}:\s|^\s*,?\s*[—–-]\s*\w|"
    r"[—–]\s*[A-ZА-ЯЁ][\w.-]+\.?$",
    re.IGNORECASE,
)
# Where a quotation is left open, who said it may follow a dash inside it («…— говорится в заявлении
# российского Минобороны.»).
_DASH_TAIL = re.compile(r"[,»\"]?\s+[—–-]\s+(?=\S)")


def unnamed_speaker(sentence: str) -> bool:
    """A statement whose speaker the sentence does not name: attributed to a pronoun («…, — заявил он.»),
    or someone's own words — a quotation that is the whole sentence, the first person — with no name
    saying them outside the quotation marks («…», — заявил Кобахидзе; «Зеленский: …»)."""
    s = TIME_MARK.sub("", sentence).strip()
    if _PRONOUN_SPEAKER.search(s):
        return True
    outside = _QUOTED.sub(" ", s)
    if not re.search(r"\w", outside) and len(parts := _DASH_TAIL.split(s)) > 1:
        outside = parts[-1]
    quoted = [m.group(0) for m in _QUOTED.finditer(s)]
    whole_quote = s[:1] in '«"„' and not re.search(r"\w", outside)
    own = (
        whole_quote
        or _FIRST_PERSON.search(outside[1:])
        or any(len(q.split()) >= 4 and _WE.search(q) for q in quoted)
    )
    return bool(own) and not (_SAID_BY.search(outside) and _NAMED.search(outside))


# «Доллар по 112, зато легко запоминается.», «Ну и поиск работы.»: the channel's aside — a «зато» clause or an
# opening «Ну» — of a few words with no figure and no name: a punchline, not a fact.
_ASIDE = re.compile(
    r"(?:^|[,;—–-]\s*)(?:но\s+|ну\s+)?зато\s+(?P<z>[^,;:.!?]*)[.!?…)]*$|^ну\b(?P<n>.*)$", re.IGNORECASE
)
ASIDE_WORDS = 5


def quip(sentence: str) -> bool:
    """The sentence ends on the channel's aside («…, зато легко запоминается»): a short clause with no
    figure and no name."""
    m = _ASIDE.search(TIME_MARK.sub("", sentence).strip())
    if m is None:
        return False
    aside = m["z"] if m["z"] is not None else m["n"]
    return len(aside.split()) <= ASIDE_WORDS and not _FIGURE.search(aside) and not _NAMED.search(aside)


def cut_off(sentence: str) -> bool:
    """The sentence is a fragment: the tail of a quotation whose start is in another sentence
    («Традиционно такие встречи проходят"»), a quotation opened and not ended, or a sentence that stops on
    a comma or a word that needs the next one. A quotation opened by a whole sentence that the next one
    goes on with («У нас есть все шансы закончить войну в 2025 году.) says what it says."""
    s = TIME_MARK.sub("", sentence).strip()
    if s.count("»") > s.count("«") or (s.count('"') % 2 == 1 and not s.startswith('"')):
        return True
    opened = s.count("«") > s.count("»") or s.count('"') % 2 == 1
    return (opened and not _SENTENCE_END.search(s)) or bool(_OPEN_TAIL.search(s))


def points_back(sentence: str) -> bool:
    """The sentence opens by pointing at what came before it, or names its subject only by a pronoun, and
    cannot stand alone."""
    s = _stripped(sentence)
    if _HARD_BACK.match(s) or _INTRO_PRONOUN.match(s):
        return True
    if (_PRONOUN.search(s) and not _NAME.search(s)) or _SAID_BY_PRONOUN.search(s):
        return True
    return bool(_SOFT_BACK.match(s)) and not (_FIGURE.search(s) or _NAME.search(s))


def quote_problems(sentence: str) -> list[str]:
    """What keeps ``sentence`` from being a key sentence on its own (an empty list: nothing)."""
    s = _stripped(TIME_MARK.sub("", sentence))
    problems: list[str] = []
    if len(s.split()) < 4:
        problems.append(SHORT)
    if s[:1].islower():
        problems.append(FRAGMENT)
    if _LIST_ITEM.match(sentence.strip()):
        problems.append(LIST_ITEM)
    if _FOOTNOTE.search(sentence.strip()):
        problems.append(FOOTNOTE)
    if _QUESTION.search(s):
        problems.append(QUESTION)
    if _TEASER.search(s) or _HIDDEN_QUESTION.match(s):
        problems.append(TEASER)
    if _PLUG.search(s):
        problems.append(PLUG)
    if _SCAFFOLD.match(s):
        problems.append(SCAFFOLD)
    if points_back(s):
        problems.append(POINTS_BACK)
    if _CAPTION.search(s):
        problems.append(CAPTION)
    if _FILLER.search(s):
        problems.append(FILLER)
    if _READER.search(s):
        problems.append(READER)
    if _LINK_LABEL.search(s):
        problems.append(LINK_LABEL)
    if _UNNAMED_OUTLET.search(s):
        problems.append(UNNAMED_OUTLET)
    if _LIST_HEADING.match(s):
        problems.append(LIST_HEADING)
    if cut_off(sentence):
        problems.append(CUT_OFF)
    if unnamed_speaker(sentence):
        problems.append(NO_SPEAKER)
    if quip(sentence):
        problems.append(QUIP)
    return problems


def is_volatile(sentence: str) -> bool:
    """A figure that changes during the day (an exchange rate, a market price): it must say when."""
    if not _FIGURE.search(TIME_MARK.sub("", sentence)):
        return False
    return bool(_MARKET.search(sentence) or (_INSTRUMENT.search(sentence) and _MOVES.search(sentence)))


def has_time(sentence: str) -> bool:
    return bool(TIME_MARK.search(sentence))


_TOKEN = re.compile(r"[a-zа-яё]+|\d+(?:[.,]\d+)?", re.IGNORECASE)
_SHORT_STOP = frozenset(
    re.findall(
        r"\S+",
        "и в во на по с со к от до за из у о об не что как это для а но же ли бы то так его ее её "
        "их он она они был была были будет также который которые the a of in on to and is for ",
    )
)
# Who said it is not what was said: attribution verbs do not make two quotes alike.
_SAID = frozenset(
    re.findall(r"\S+", "заяви сообщ расск отмет говор подче завер пишет перед добав уточн said told")
)


def _shingles(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """Content-word prefixes (a crude stem: the first 5 letters) and the numbers of ``text``."""
    words, numbers = set(), set()
    for tok in _TOKEN.findall(TIME_MARK.sub("", text).lower().replace("ё", "е")):
        if tok[0].isdigit():
            numbers.add(tok.replace(",", "."))
        elif tok not in _SHORT_STOP and len(tok) > 2 and tok[:5] not in _SAID:
            words.add(tok[:5])
    return frozenset(words), frozenset(numbers)


def same_thing(a: str, b: str) -> bool:
    """Two quotes that say the same thing: most content words shared, or the same figures on one subject,
    or two readings of one changing figure (two dollar rates of the day)."""
    wa, na = _shingles(a)
    wb, nb = _shingles(b)
    if not wa or not wb:
        return a.strip().lower() == b.strip().lower()
    common = len(wa & wb)
    shared = common / min(len(wa), len(wb))
    if (shared >= 0.6 and common >= 3) or (shared >= 0.4 and common >= 4) or common / len(wa | wb) >= 0.45:
        return True
    if na and na == nb and shared >= 0.3:
        return True
    return bool(
        is_volatile(a)
        and is_volatile(b)
        and _instrument(a) == _instrument(b)
        and (common >= 2 or shared >= 0.25)
    )


# A key sentence most of whose content words (the clusterer's stems, :func:`svodka.pipeline.features.extract`)
# are the headline's says little the headline does not: «Серию терактов предотвратили в Дагестане» under «Пять
# человек задержаны по подозрению в подготовке серии терактов в Дагестане».
REPEAT_SHARE = 0.5


def repeats(headline: str, sentence: str) -> bool:
    """More than half of ``sentence``'s content-word stems (at least two) are in ``headline``."""
    words = extract(TIME_MARK.sub("", sentence)).words
    common = words & extract(TIME_MARK.sub("", headline)).words
    return len(common) >= 2 and len(common) > REPEAT_SHARE * len(words)


def _instrument(sentence: str) -> str:
    """What a changing figure is of: its first instrument («Курс доллара …» → «долл»; Brent is oil), so
    the dollar's rate and Brent's price in one list are two readings of two things."""
    m = _INSTRUMENT.search(sentence)
    word = m.group(0).lower() if m else ""
    return "нефт" if word.startswith("brent") else word[:4]


@dataclass(frozen=True, slots=True)
class Quote:
    """A quoted sentence and the post it is from, as a rendered digest shows it."""

    text: str
    post_id: int


def card_problems(sentences: Sequence[Quote], headline: Quote | None = None) -> list[str]:
    """What is wrong with a card's quotes together: one line per problem, naming the sentence.

    The headline counts like any quote: a post once, nothing said twice, a changing figure with its time."""
    problems: list[str] = []
    quotes = [headline, *sentences] if headline is not None else list(sentences)
    seen_posts: set[int] = set()
    for i, q in enumerate(quotes):
        if q.post_id in seen_posts:
            problems.append(f"{SAME_POST}: {q.text}")
        seen_posts.add(q.post_id)
        if is_volatile(q.text) and not has_time(q.text):
            problems.append(f"{UNTIMED}: {q.text}")
        for earlier in quotes[:i]:
            if same_thing(q.text, earlier.text):
                problems.append(f"{DUPLICATE}: {q.text} ~ {earlier.text}")
                break
        else:
            if i and headline is not None and repeats(headline.text, q.text):
                problems.append(f"{REPEATS_HEADLINE}: {q.text} ~ {headline.text}")
    return problems


def digest_problems(cards: Sequence[Sequence[Quote]]) -> list[str]:
    """What is wrong across a digest's cards (each its headline and key sentences): a post quoted on more
    than one card, named on each card after the first that quotes it."""
    problems: list[str] = []
    first: dict[int, int] = {}
    for n, card in enumerate(cards):
        for q in card:
            if first.setdefault(q.post_id, n) != n:
                problems.append(f"{OTHER_CARD}: {q.text}")
    return problems

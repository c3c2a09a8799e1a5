"""Ads and other non-news: flagged, counted, and kept out of stories (each stays a singleton).

Signals, strongest first: a mandatory ad label (``erid`` token, ``#реклама``, "Реклама." / "на правах
рекламы"), promo and betting vocabulary (промокод, фрибет, скидка по ссылке…), giveaways, polls, and
channel self-promotion (a text that is mostly a call to subscribe or a list of links to other channels).
Each verdict names its reason so `svodka story`/the web app can show why a post was left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from svodka.model import PROGRAMME, REPORT
from svodka.pipeline.normalize import normalize

_LABEL = re.compile(
    r"(\berid\b|#реклама|#ad\b|#promo|\bреклама\s*[.:|]|на правах рекламы|рекламная интеграция|"
    r"\bpartner content\b|\bsponsored\b|\bинформация о рекламодателе\b)",
    re.IGNORECASE,
)
_PROMO = re.compile(
    r"(промокод|promo ?code|фрибет|\bбонус(?:ом|ы)? для новых|кешбэк|кэшбэк|скидк[аиу] по ссылке|"
    r"успейте (купить|заказать|записаться|до)|переходите по ссылке|переходи по ссылке|жми на кнопку|"
    r"\bставк[аиу] на\b|букмекер|казино|купить со скидкой|оформи(те)? заказ|записывайтесь|"
    r"бесплатн(ый|ое) (урок|вебинар|марафон|курс)|вебинар|марафон по|интенсив|"
    r"забирай|врывайся|регистрируйся)",
    re.IGNORECASE,
)
_GIVEAWAY = re.compile(
    r"(розыгрыш|разыгрываем|giveaway|конкурс(?:е)? для подписчиков|итоги конкурса)", re.IGNORECASE
)
_POLL = re.compile(r"(^|\n)\s*(опрос|голосуем|poll)\b|как вы считаете\?|а вы\s", re.IGNORECASE)
# Greetings and rituals that are not events: "Сегодня отмечается …день", "Доброе утро", "Просыпаемся".
_RITUAL = re.compile(
    r"^(\W*)(сегодня (отмечается|всемирный|международный)|доброе утро|доброй ночи|спокойной ночи|"
    r"просыпаемся|с добрым утром|всем хороших выходных|гороскоп)",
    re.IGNORECASE,
)
# Non-news: posts that report no event. Each pattern names a genre, not a story of one day; a post
# matching one is kept out of stories like an ad, with reason "non-news:<genre>".
# "Также сегодня отмечается…", "30 ноября — Международный день…", "Happy World … Day"
_OBSERVANCE = re.compile(
    r"(сегодня|ноября|декабря|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября)"
    r"\s*(отмечается|[—–-]\s*(всемирный|международный|национальный|день))|"
    r"\b(today is|happy) (international|world|national)\b.{0,40}\bday\b",
    re.IGNORECASE,
)
_MEME = re.compile(  # internet-humour vocabulary and captions that frame a picture as a joke
    r"(\bчел\b|\bкотейк|\bмилота\b|\bпроклято\b|\bжиза\b|\bкринж|\bмем(ы|ом|чик)?\b|\bшучу\b|"
    r"\bминутка (юмора|мотивации)|\bкакие подводные\b|\bрофл|\bпиздец|\bбазированн|"
    r"\bmeme\b|\blol\b|\blmao\b|\bbe like\b|\bnobody:)",
    re.IGNORECASE,
)
_EXPERT = r"(врач|невролог|диетолог|нутрициолог|психолог|кардиолог|стоматолог|дерматолог|стилист|сомнолог)"
_ADVICE = re.compile(  # lifestyle advice, horoscopes, "Россиянам посоветовали…", "…, — диетолог."
    r"(\b(россиянам|москвичам|жителям|людям|женщинам|мужчинам)\s+(посоветовали|назвали|рассказали,? как|"
    r"объяснили,? как|напомнили,? как)|\bастролог|\bзнак(ам|ов|и) зодиака|\bгороскоп|\bретроградн|"
    rf"\bлайфхак|[—–-]\s*{_EXPERT}\b|\b{_EXPERT}\w*\s+(посоветовал|назвал|рассказал,? как)|"
    r"\bhoroscope|\blife ?hack|\btips (for|to|on)\b|\bhere'?s how to\b)",
    re.IGNORECASE,
)
_ROUNDUP = re.compile(  # compilations of many items: digests, what-to-see lists, audio/podcast issues
    r"(главное за (день|неделю|сутки|месяц)|итоги (дня|недели)|дайджест|куда сходить|что посмотреть|"
    r"что почитать|есть что посмотреть|подборк[аиу]|полезные (ресурсы|каналы)|популярные ресурсы|"
    r"аудиоверси|в сегодняшнем выпуске|текст недели|"
    r"\b(week|weekend) in review\b|\bweekly digest\b|\bwhat to watch\b|\bin today'?s episode\b)",
    re.IGNORECASE,
)
# The channel's own programme, a podcast or video episode it announces (BBC's «Слушайте подкаст «Что это
# было?»» under a paragraph retelling the news the episode discusses): a call to listen to or watch an
# episode on a line of its own, a title naming the podcast («Подкаст «…»», «… Подкаст «…» в YouTube»), or an
# episode's chapter list (a line at 00:00 in a post that names an episode, its host or its time codes — a
# live blog's «00:00 …» names none). Such a post is coverage, not a report: it stays in its story and
# storyline, but counts for neither the story's rank nor its summary (:func:`svodka.pipeline.rank.reports`).
_PROGRAMME_CALL = re.compile(
    r"^\W*(?:слушайте|послушайте|смотрите|посмотрите)\s+(?:(?:наш|нов|свеж|очередн)\w*\s+)*"
    r"(?:подкаст|выпуск|эпизод)\w*|^\W*подкаст\w*\s+«|\bподкаст\w*\s+«[^»\n]{1,80}»\W*\s+(?:в|на)\s+(?:youtube|ютуб)",
    re.IGNORECASE | re.MULTILINE,
)
_CHAPTERS = re.compile(r"^\W*00:00\b", re.MULTILINE)
_EPISODE = re.compile(r"\b(подкаст|выпуск|эпизод|таймкод|ведущ(ий|ая)|podcast|episode)", re.IGNORECASE)


def post_kind(normalized: str) -> str:
    """What a post is to its story, by its normalised text: :data:`~svodka.model.PROGRAMME` when it announces
    the channel's own podcast or video episode (see the patterns above; the whole post is read: the call or
    the chapter list comes after the lead), else :data:`~svodka.model.REPORT`. The ads stage judges it once
    and stores it with the post's analysis (``PostAnalysis.kind``); ranking and summaries read it there."""
    call = _PROGRAMME_CALL.search(normalized)
    return PROGRAMME if call or (_CHAPTERS.search(normalized) and _EPISODE.search(normalized)) else REPORT


def is_programme(text: str) -> bool:
    """Whether a post (raw or normalised text) is a channel's plug for its own episode (:func:`post_kind`)."""
    return post_kind(normalize(text)) == PROGRAMME


# A news lead names something: a capitalised word inside the sentence, a Latin word, an abbreviation, a
# number or a date, a source ("— СМИ", "заявил", "сообщает"), or reports an act (a third-person verb).
_NAME_INSIDE = re.compile(r"(?<=[\w,;:»\"')]\s)[A-ZА-ЯЁІЇЄҐ][\w-]+|\b[A-ZА-ЯЁ]{2,}\b|\b[A-Za-z]{3,}\b")
_NUMBER = re.compile(r"\d")
_SOURCE = re.compile(
    r"([—–-]\s*\w+\.?$|"
    r"\b(заявил|сообщ|переда[её]т|по данным|по словам|пишет|said|says|reports?|according)\w*)",
    re.IGNORECASE,
)
# A finite verb in the third person (past "объяснили", "выступила"; present "растёт", "вводят") makes a
# headline; a meme caption is a noun phrase, an address to the reader or a first-person remark.
_REPORT_VERB = re.compile(
    r"\b\w{2,}([аяеиыуо]л|л[аои]|[её]т|ит|ут|ют|ат|ят)(а|о|и)?(сь|ся)?\b", re.IGNORECASE
)
# "Видео очевидца", "ещё пара кадров…": footage of an event, which belongs to that event's story.
_FOOTAGE = re.compile(r"(видео|кадр|фото|съёмк|съемк|запись|момент|footage|video|photos?\b)", re.IGNORECASE)
_TOPIC_LEAD = re.compile(r"^[A-ZА-ЯЁІЇЄҐ][\w-]+\s*[,:]")  # "Грузия, митинги, обстановка." — a topic tag first
SHORT_CAPTION = 80  # characters: a one-line caption under a picture or video


def has_news_lead(text: str) -> bool:
    """Whether a short text names or reports anything a story could be about (see the patterns above)."""
    return any(p.search(text) for p in (_NAME_INSIDE, _NUMBER, _SOURCE, _TOPIC_LEAD, _REPORT_VERB, _FOOTAGE))


def classify_non_news(normalized: str) -> str | None:
    """The genre of a post that reports no event (``observance``, ``meme``, ``advice``, ``round-up``,
    ``caption``), or None for a post that may be news. Only the lead is read: a genre shows at the top."""
    head = normalized[:300]
    first = head.split("\n", 1)[0]
    if _OBSERVANCE.search(first[:120]):
        return "observance"
    if _ROUNDUP.search(first):
        return "round-up"
    if _ADVICE.search(head):
        return "advice"
    if _MEME.search(head):
        return "meme"
    flat = " ".join(normalized.split())
    if 0 < len(flat) <= SHORT_CAPTION and not has_news_lead(flat):
        return "caption"
    return None


_SELF_PROMO = re.compile(
    r"(подпис|канал|присоединяйтесь|ресурсы|полезные каналы|читайте также)", re.IGNORECASE
)
_LINK = re.compile(r"\]\(|https?://|t\.me/", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AdVerdict:
    is_ad: bool
    reason: str | None = None  # label, promo, giveaway, poll, ritual, self-promo, non-news:<genre>


NEWS = AdVerdict(False)
NON_NEWS = "non-news"  # reason prefix of posts that are not ads but report no event


def classify_ad(raw_text: str, normalized: str, media: str | None = None) -> AdVerdict:
    """Whether a post is an ad or other non-news (``raw_text`` keeps the links that betray promotion)."""
    if media == "poll":
        return AdVerdict(True, "poll")
    if not normalized.strip() and not raw_text.strip():
        return NEWS  # a media-only post: nothing to judge; clustering keeps it a singleton anyway
    if _LABEL.search(raw_text):
        return AdVerdict(True, "label")
    if _GIVEAWAY.search(normalized):
        return AdVerdict(True, "giveaway")
    if len(_PROMO.findall(normalized)) >= 1 and (
        _LINK.search(raw_text) or len(_PROMO.findall(normalized)) >= 2
    ):
        return AdVerdict(True, "promo")
    if _RITUAL.search(normalized) and len(normalized) < 400:
        return AdVerdict(True, "ritual")
    if _POLL.search(normalized) and len(normalized) < 300:
        return AdVerdict(True, "poll")
    links = len(_LINK.findall(raw_text))
    if links >= 4 and _SELF_PROMO.search(normalized) and links * 40 > len(normalized):
        return AdVerdict(True, "self-promo")
    genre = classify_non_news(normalized)
    if genre is not None:
        return AdVerdict(True, f"{NON_NEWS}:{genre}")
    return NEWS

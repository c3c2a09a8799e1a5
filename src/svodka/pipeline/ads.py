"""Ads and other non-news: flagged, counted, and kept out of stories (each stays a singleton).

Signals, strongest first: a mandatory ad label (``erid`` token, ``#реклама``, "Реклама." / "на правах
рекламы"), promo and betting vocabulary (промокод, фрибет, скидка по ссылке…), giveaways, polls, and
channel self-promotion (a text that is mostly a call to subscribe or a list of links to other channels).
Each verdict names its reason so `svodka story`/the web app can show why a post was left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
_SELF_PROMO = re.compile(
    r"(подпис|канал|присоединяйтесь|ресурсы|полезные каналы|читайте также)", re.IGNORECASE
)
_LINK = re.compile(r"\]\(|https?://|t\.me/", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AdVerdict:
    is_ad: bool
    reason: str | None = None  # label, promo, giveaway, poll, ritual, self-promo


NEWS = AdVerdict(False)


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
    return NEWS

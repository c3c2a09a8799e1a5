"""Quotes an editor would keep (issue 14 §2), the checks a hand read of 50 random quotes of a run of real
digests asked for: no post quoted on two cards of one digest; a list's item, a live blog's timed entry, a
numbered UPD, an attribution to a pronoun, a subject named only by a pronoun, a footnote."""

from __future__ import annotations

import pytest

from svodka.pipeline import quotes
from svodka.pipeline.quotes import Quote, digest_problems, quote_problems


def test_a_post_quoted_on_two_cards_is_named() -> None:
    first = [Quote("Парламент Южной Кореи проголосовал за отмену военного положения.", 1)]
    second = [
        Quote("Президент Южной Кореи объявил военное положение.", 2),
        Quote("Парламент Южной Кореи проголосовал за отмену военного положения.", 1),
    ]
    assert digest_problems([first, second]) == [f"{quotes.OTHER_CARD}: {second[1].text}"]
    assert digest_problems([first, second[:1]]) == []


# Quotes the hand read of 50 random key sentences of the 2024-11-25 … 12-04 digests (tg_ru_news_2024) would
# drop, verbatim, and what each is.
DROPPED = [
    ("▪ доллар 108,01 рубля (+2,95)", quotes.LIST_ITEM),  # a line of the CB's rate list
    ("03:39 Почему Байден нарушил обещание не помиловать сына", quotes.LIST_ITEM),  # a live blog's contents
    ("07:29 Почему иммунитет от преследования Хантера Байдена - на 11 лет", quotes.LIST_ITEM),
    ("UPD2: 24 украинских БПЛА уничтожены над территорией РФ.", quotes.SCAFFOLD),
    (
        "По его данным, шесть БПЛА сбили над Брянской областью, три — над Крымом, "
        "два — над Ростовской областью.",
        quotes.POINTS_BACK,
    ),
    ("О заходе в этот поселок российских войск он упоминал накануне.", quotes.POINTS_BACK),
    ("*Движение признано террористическим в РФ.", quotes.FOOTNOTE),
    # the second read, after the fixes above
    ("Подкаст «Что это было?» в YouTube", quotes.PLUG),
    (
        '"Если линия прекращения огня предусматривает сохранение российского контроля над <...> '
        "территориями, "
        'это означает, что Украина должна навсегда отказаться от этих территорий", — считает он.',
        quotes.POINTS_BACK,
    ),
]


@pytest.mark.parametrize(("sentence", "problem"), DROPPED)
def test_what_the_hand_read_dropped_is_named(sentence: str, problem: str) -> None:
    assert problem in quote_problems(sentence)


@pytest.mark.parametrize(
    "sentence",
    [  # kept by the same read: a pronoun beside a name, a time inside the sentence, an attribution at the end
        "В Грозном примерно в 4:50 утра сегодня была совершена попытка удара беспилотником по зданию казармы "
        "полка ППСН им. А-Х.Кадырова, в результате взрыва пострадавших нет — источник РВНП",
        "«Против Трампа применялись абсолютно нецивилизованные методы борьбы в США, вплоть до попытки "
        "убийства», — добавил президент РФ.",
        "Перемирие между Израилем и Ливаном достигнуто по предложению США, заявил Байден",
        "Сирийские повстанцы зашли в Алеппо, второй по величине город Сирии.",
        "Путин заявил, что он не исключает новых испытаний «Орешника».",
    ],
)
def test_what_the_hand_read_kept_passes(sentence: str) -> None:
    assert quote_problems(sentence) == []

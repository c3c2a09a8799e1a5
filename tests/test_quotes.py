"""Quotes an editor would keep and one clean headline (issue 14 §2–3): the checks, the summariser that
obeys them, and the rendered digest of the bundled day run through them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

import builders
from builders import story
from svodka.pipeline import quotes
from svodka.pipeline.headline import clean_headline, headline_problems, shorten
from svodka.pipeline.quotes import Quote, card_problems, digest_problems, quote_problems, same_thing
from svodka.pipeline.summarize import SummaryOptions, summarize

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2024, 12, 3, 11, 20, tzinfo=UTC)


post = partial(builders.post, start=T0)  # the posts of this file start at T0


# The filler the issue found quoted as key sentences, and what each is.
FILLER = [
    ("У вас нормально работает?", quotes.QUESTION),
    ("Но если вы видите это сообщение, то значит все в порядке.", quotes.READER),
    ("Полный отчёт в Топор.", quotes.PLUG),
    ("Подтверждений этой информации пока нет.", quotes.FILLER),
    ("Правительство назвало причину почему курс рубля так падает:", quotes.TEASER),
    ("Тогда погибли 6 человек, еще 20 пострадали.", quotes.POINTS_BACK),
    ("А еще она высказалась, что инфляция — это как высокая температура у человека.", quotes.POINTS_BACK),
    ("UPD. Спасатели достали тело второго мужчины из пруда.", quotes.SCAFFOLD),
    ("Вот что происходит в Сеуле после объявления военного положения.", quotes.CAPTION),
    ("Подписаться на канал, чтобы не пропустить главное", quotes.PLUG),
    ("Подробности выясняются, следим за развитием событий.", quotes.FILLER),
    ("Что еще произошло с картами Газпромбанка системы Unionpay в разных странах", quotes.TEASER),
    ("К счастью, его заметил прохожий и вызвал полицию.", quotes.POINTS_BACK),
    ("глава региона Сергей Меликов сообщил об атаке.", quotes.FRAGMENT),
    ("Именно с этим, как утверждается, и связано введение военного положения.", quotes.POINTS_BACK),
    ("На месте сейчас работают все экстренные службы.", quotes.FILLER),
]


@pytest.mark.parametrize(("sentence", "problem"), FILLER)
def test_filler_is_named(sentence: str, problem: str) -> None:
    assert problem in quote_problems(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Парламент Южной Кореи проголосовал за отмену военного положения, заявил его спикер.",
        "Но Песков заявил, что оснований для переговоров с Киевом пока нет.",  # a connector, with a name
        "А в Брянской области сбиты 12 беспилотников.",  # a connector, with a figure
        "Ситуация в Сирии обострилась после наступления повстанцев на Алеппо.",
        "ЦБ повысил ключевую ставку до 21%, сообщил регулятор.",
    ],
)
def test_sentences_that_stand_alone_pass(sentence: str) -> None:
    assert quote_problems(sentence) == []


def test_card_problems_name_repeats_posts_and_untimed_figures() -> None:
    rates = [
        Quote(f"Курс доллара на бирже поднялся выше {r} рублей.", i) for i, r in enumerate((106, 108, 110))
    ]
    found = card_problems(rates)
    assert sum(p.startswith(quotes.UNTIMED) for p in found) == 3
    assert sum(p.startswith(quotes.DUPLICATE) for p in found) == 2  # three readings of one figure
    voted = [
        Quote("Парламент Южной Кореи проголосовал за отмену военного положения.", 1),
        Quote("Парламент Южной Кореи проголосовал против введения военного положения.", 2),
    ]
    assert [p.split(":")[0] for p in card_problems(voted)] == [quotes.DUPLICATE]
    twice = [
        Quote("Москву накроет снегопад в выходные.", 7),
        Quote("Морозов пока не ожидается в столице.", 7),
    ]
    assert [p.split(":")[0] for p in card_problems(twice)] == [quotes.SAME_POST]
    timed = [Quote("Курс доллара на бирже поднялся выше 113 рублей. (14:20)", 1)]
    assert card_problems(timed) == []
    assert not same_thing("Трамп пригрозил БРИКС пошлинами.", "Зеленский выступил в Раде с обращением.")


def test_headline_is_cleaned_and_cut_at_a_clause() -> None:
    assert clean_headline("Военное положение в Южной Корее В С Ё") == "Военное положение в Южной Корее"
    assert clean_headline("Срочно: Путин прилетел в Казахстан с государственным визитом") == (
        "Путин прилетел в Казахстан с государственным визитом"
    )
    assert clean_headline("В Москве ожидается ледяной дождь и гололедица , — МЧС.") == (
        "В Москве ожидается ледяной дождь и гололедица"
    )
    long = (
        "Президент Южной Кореи Юн Сок Ёль объявил о введении военного положения в стране, обвинив "
        "оппозицию в антигосударственной деятельности и попытках парализовать работу правительства"
    )
    cut = shorten(long)
    assert cut == "Президент Южной Кореи Юн Сок Ёль объявил о введении военного положения в стране"
    # No cut before «что …» or a participle: the head would end no thought.
    said = "Генпрокурор ФРГ Йенс Роммель заявил Spiegel, что ведомство установило личности " + "x" * 80
    assert shorten(said) is None
    for bad, problem in [
        ("гололедица, — МЧС.", "starts mid-phrase"),
        ("Военное положение в Южной Корее В С Ё", "letter-spaced word"),
        ("А" * 121, "longer than 120 characters"),
    ]:
        assert problem in headline_problems(bad)


def test_summary_quotes_pass_the_checks() -> None:
    s = story(
        post(1, "Военное положение в Южной Корее В С Ё\n\nВот что происходит в Сеуле:", 1),
        post(
            2,
            "Президент Южной Кореи Юн Сок Ёль объявил о введении военного положения.\n\n"
            "Он обвинил оппозицию в антигосударственной деятельности.\n\nПодписаться",
            2,
            3,
        ),
        post(3, "Парламент Южной Кореи проголосовал за отмену военного положения, заявил спикер.", 3, 40),
        post(4, "Парламент Южной Кореи проголосовал против введения военного положения.", 4, 45),
        post(5, "У вас нормально работает?\n\nВоенные вошли в здание парламента в Сеуле.", 5, 50),
        post(6, "Курс доллара на бирже поднялся выше 106 рублей.", 6, 60),
        post(7, "Курс доллара на бирже поднялся выше 113 рублей.", 7, 180),
    )
    summary = summarize(s, SummaryOptions(tz="Europe/Moscow"))
    assert not headline_problems(summary.headline.text)
    assert "В С Ё" not in summary.headline.text
    assert summary.sentences
    for c in summary.sentences:
        assert quote_problems(c.text) == [], c.text
    cards = card_problems(
        [Quote(c.text, c.post_id) for c in summary.sentences],
        Quote(summary.headline.text, summary.headline.post_id),
    )
    assert cards == []
    rates = [c.text for c in summary.sentences if "Курс" in c.text]
    # Only the day's latest reading of the rate, with its time in the digest's zone (11:20 UTC + 3 h).
    assert rates == ["Курс доллара на бирже поднялся выше 113 рублей. (17:20)"]


def test_a_line_break_inside_a_phrase_does_not_cut_the_headline() -> None:
    s = story(
        post(1, "Протесты в Тбилиси: полиция применила водометы около\nздания парламента", 1),
        post(2, "В Тбилиси полиция применила водометы против протестующих у парламента.", 2, 5),
    )
    assert not summarize(s).headline.text.endswith("около")


def test_an_update_gets_the_headline_of_its_newest_development() -> None:
    s = story(
        post(1, "Президент Южной Кореи объявил военное положение в стране.", 1),
        post(2, "В Южной Корее объявлено военное положение, армия у парламента.", 2, 10),
        post(4, "Президент Южной Кореи объявил военное положение, армия вошла в парламент.", 4, 20),
        post(3, "Президент Южной Кореи отменил военное положение после голосования парламента.", 3, 600),
    )
    assert "отменил" not in summarize(s).headline.text
    fresh = summarize(s, SummaryOptions(fresh_after=T0 + timedelta(minutes=60)))
    assert "отменил" in fresh.headline.text


def test_a_credible_channel_leads_the_headline() -> None:
    a = post(1, "В Москве открыли новую станцию метро на юге города.", 1)
    b = post(2, "В Москве открылась новая станция метро на юге столицы.", 2, 1)
    s = story(a, b)
    assert summarize(s, tiers={1: 5, 2: 1}).headline.post_id == 2
    assert summarize(s, tiers={1: 1, 2: 5}).headline.post_id == 1


def test_the_bundled_days_rendered_digest_passes_the_checks(tmp_path: Path) -> None:
    """The real CLI on samples/: import, process (USE), a JSON digest; every quote in it is checked."""
    config = tmp_path / "svodka.toml"
    config.write_text('[pipeline]\nembedder = "use"\n', encoding="utf-8")
    db, out = tmp_path / "s.db", tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    base = [sys.executable, "-m", "svodka", "--db", str(db), "--config", str(config)]
    for args in (
        ["import", str(ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl")],
        ["process"],
        ["digest", "--latest", "--since", "24h", "--no-save", "--format", "json", "--out", str(out)],
    ):
        done = subprocess.run(base + args, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr
    doc = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    assert len(doc["items"]) >= 10
    failing = []
    n = 0
    for it in doc["items"]:
        head = it["headline"]
        failing += [f"headline {p}: {head['text']}" for p in headline_problems(head["text"])]
        sents = [Quote(c["text"], c["post_id"]) for c in it["sentences"]]
        failing += card_problems(sents, Quote(head["text"], head["post_id"]))
        for c in it["sentences"]:
            n += 1
            failing += [f"{p}: {c['text']}" for p in quote_problems(c["text"])]
    assert n >= 20
    cards = [
        [Quote(c["text"], c["post_id"]) for c in (it["headline"], *it["sentences"])] for it in doc["items"]
    ]
    failing += digest_problems(cards)  # no post quoted twice, on one card or two
    assert failing == []
    # One headline and summary everywhere: the story page (and its JSON) shows the digest card's.
    from svodka.store import open_store
    from svodka.web import views

    store = open_store(db)
    try:
        for it in doc["items"]:
            page = views.story_page(store, it["story_id"])
            assert page["story"]["headline"] == it["headline"]["text"]
            assert [c["text"] for c in page["summary"]] == [c["text"] for c in it["sentences"]]
    finally:
        store.close()

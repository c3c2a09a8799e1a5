"""A headline that keeps who said it (issue 14 §3): where no lead of a story makes a clean headline of at
most 120 characters, one is built from the speaker the sentence names and the claim, cut at a clause —
«Захарова: Москва …»; a claim is never shown without its speaker."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial

import builders
from builders import story
from conftest import shared
from svodka.pipeline.headline import MAX_CHARS, attribution, headline_problems, speaker_headline
from svodka.pipeline.summarize import summarize

post = partial(builders.post, start=datetime(2024, 11, 30, 12, tzinfo=UTC))  # stories_dev's day


def real_posts(*ids: int) -> dict[int, str]:
    """The texts of posts of the hand-labelled day (tg_ru_news_2024, 2024-11-30), by message id."""
    texts = {}
    with shared("stories_dev", "posts_2024-11-30.jsonl").open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if record["message_id"] in ids:
                texts[record["message_id"]] = record["text"]
    assert set(texts) == set(ids)
    return texts


def test_zakharova_on_japan_keeps_her_name() -> None:
    # s079 of stories_dev: RIA's lead is 224 characters and cuts only at «, что», Topor's is 124 without
    # a boundary, «Раньше всех» names her in the genitive. On main the headline was RIA's 224-character lead.
    texts = real_posts(271178, 195038, 125808)
    s = story(post(1, texts[271178], 1), post(2, texts[195038], 2, 6), post(3, texts[125808], 3, 80))
    head = summarize(s).headline
    assert head.text == (
        "Захарова: Москва не раз указывала на невозможность полноценного диалога с Токио без отказа Японии "
        "от враждебного курса"
    )
    assert head.post_id == 1 and len(head.text) <= MAX_CHARS and headline_problems(head.text) == []


def test_a_clean_lead_is_still_the_headline() -> None:
    # The speaker's form is a last step: a lead that makes a headline as it stands stays as it was.
    texts = real_posts(271178)
    lead = "Захарова заявила, что Москва не раз указывала Токио на невозможность полноценного диалога."
    s = story(post(1, texts[271178], 1), post(2, lead, 2, 5))
    assert summarize(s).headline.text == lead


def test_the_speaker_is_found_where_the_sentence_names_it() -> None:
    assert attribution(
        "В Брянской области в ночь на воскресенье в результате удара беспилотника погиб ребенок, заявил "
        "глава региона Александр Богомаз"
    ) == (
        "Богомаз",
        "В Брянской области в ночь на воскресенье в результате удара беспилотника погиб ребенок",
        "m",
    )
    said = attribution(
        "Ситуация с курсом рубля в целом под контролем и оснований для паники точно нет, — Путин."
    )
    assert said is not None and said[0] == "Путин"
    said = attribution(
        "Силы ПВО уничтожили восемь БПЛА ВСУ над территорией Белгородской области и три — над акваторией "
        "Черного моря, сообщили в Минобороны"
    )
    assert said is not None and said[0] == "Минобороны"
    said = attribution(
        "Небензя заявил, что Главное управление разведки Украины помогает повстанцам из движения «Хайят "
        "Тахрир аш-Шам»"
    )
    assert said is not None and said[:2] == (
        "Небензя",
        "Главное управление разведки Украины помогает повстанцам из движения «Хайят Тахрир аш-Шам»",
    )


def test_no_claim_without_a_speaker_it_can_name() -> None:
    # A speaker given only in another case than the subject's, or by a title alone, cannot head the claim:
    # no headline rather than «Ирана: …» or the claim as a fact.
    assert (
        attribution(
            "Тегеран готов направить силы в Сирию в случае официального запроса Дамаска, "
            "заявил глава МИД Ирана"
        )
        is None
    )
    assert (
        attribution(
            "Премьер Японии заявил, что Токио не откажется от претензий на Южные Курилы ни при каких условиях"
        )
        is None
    )
    long = (
        "Российские военные ведут охоту за украинскими расчетами FPV-дронов в зоне проведения специальной "
        'военной операции, рассказал РИА Новости командир группы отдельной бригады с позывным "Варяг"'
    )
    assert attribution(long) is None and speaker_headline(long) is None
    # A pronoun of another gender than the lead's speaker is someone else.
    lead = (
        "Москва исходит из того, что под решением территориальной проблемы Японии может подразумеваться "
        "только международно-правовое оформление существующих границ, заявила Мария Захарова."
    )
    assert (
        speaker_headline(lead, "Он подчеркнул, что Москва не раз указывала на невозможность диалога.") is None
    )
    assert speaker_headline(
        lead, "Она подчеркнула, что Москва не раз указывала на невозможность диалога."
    ) == ("Захарова: Москва не раз указывала на невозможность диалога")

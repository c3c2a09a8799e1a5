"""How sources differ: conflicting counts, figures and claims only some sources carry, quoted verbatim."""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from markupsafe import escape

from svodka.digest import DigestQuery, build_digest, render_html, render_markdown
from svodka.digest.render import render_json
from svodka.model import StoredPost, Story, StoryMember
from svodka.pipeline.differences import CLAIM, CONFLICT, DIGEST_TOP, FIGURE, NAME, differences, figures
from svodka.pipeline.summarize import clean_text
from test_web_support import WebEnv, login, web  # noqa: F401

T0 = datetime(2024, 11, 30, 9, 0, tzinfo=UTC)


def story(*reports: tuple[int, int, str]) -> Story:
    """Posts as (channel id, minutes after T0, text); each channel its own source."""
    members = tuple(
        StoryMember(StoredPost(i + 1, ch, f"Ch{ch}", 100 + i, T0 + timedelta(minutes=m), text, None))
        for i, (ch, m, text) in enumerate(reports)
    )
    return Story(1, members, members[0].post.date, members[-1].post.date)


PROTEST = (
    (1, 0, "В центре Тбилиси полиция разогнала акцию протеста. Задержаны 5 участников акции."),
    (2, 10, "Силовики разогнали протестующих у парламента в Тбилиси. По данным МВД, задержаны 7 участников."),
    (3, 20, "Акцию у здания парламента в Тбилиси разогнала полиция, задержаны участники."),
)


def test_conflicting_counts_are_quoted_from_each_post() -> None:
    found = differences(story(*PROTEST))
    conflicts = [d for d in found if d.kind == CONFLICT]
    assert len(conflicts) == 1
    (c,) = conflicts
    assert c.subject == "участник"
    assert [q.what for q in c.quotes] == ["5 участников", "7 участников"]
    assert [q.post_id for q in c.quotes] == [1, 2]
    assert c.quotes[1].sentence == "По данным МВД, задержаны 7 участников."  # verbatim from the post
    assert (c.sources, c.of) == (2, 3)
    assert "«5 участников» vs «7 участников»" in c.line()


def test_area_conflict_in_thousands() -> None:
    s = story(
        (1, 0, "В Подмосковье горит склад, площадь пожара 1200 квадратов."),
        (2, 5, "Пожар на складе в Подмосковье: огонь охватил 2 тыс. квадратов."),
        (3, 15, "Склад горит в Подмосковье, на месте работают пожарные."),
    )
    (c,) = [d for d in differences(s) if d.kind == CONFLICT]
    assert [q.what for q in c.quotes] == ["1200 квадратов", "2 тыс. квадратов"]


def test_same_figure_in_other_words_is_no_difference() -> None:
    s = story(
        (1, 0, "В Казани задержаны пятеро подозреваемых в поджоге автомобилей."),
        (2, 10, "Полиция Казани задержала 5 подозреваемых в поджогах машин."),
        (3, 20, "В Казани задержали подозреваемых в поджоге автомобилей, сообщили в полиции."),
    )
    assert [d for d in differences(s) if d.kind in (CONFLICT, FIGURE)] == []
    assert {f.value for f in figures("задержаны пятеро подозреваемых")} == {5.0}


def test_a_figure_only_one_source_gives() -> None:
    s = story(
        (1, 0, "Над Брянской областью сбиты беспилотники, сообщил губернатор."),
        (2, 10, "Над Брянской областью ПВО сбила беспилотники. Пострадали 3 жителя."),
        (3, 20, "Беспилотники сбиты над Брянской областью."),
        (4, 30, "ПВО отразила атаку беспилотников на Брянскую область."),
    )
    lone = [d for d in differences(s) if d.kind == FIGURE]
    assert [(d.subject, d.quotes[0].what, d.quotes[0].post_id, d.sources, d.of) for d in lone] == [
        ("житель", "3 жителя", 2, 1, 4)
    ]


def test_dates_times_phones_ages_are_not_figures() -> None:
    text = (
        "30 ноября 2024 года в 15:30 на горячую линию +7 (495) 123-45-67 позвонили. "
        "Мужчине 54 года, ему грозит до 5 лет по ст. 105 УК, 12.11.2024, 5-летний сын."
    )
    assert figures(text) == []


def test_a_count_that_grew_hours_later_is_not_a_conflict() -> None:
    s = story(
        (1, 0, "При обрушении дома в Нижнем Тагиле погибли 3 жильца."),
        (2, 5, "В Нижнем Тагиле обрушился подъезд жилого дома, погибли 3 жильца."),
        (3, 300, "Число погибших при обрушении в Нижнем Тагиле выросло: погибли 6 жильцов."),
    )
    assert [d for d in differences(s) if d.kind == CONFLICT] == []


def test_one_post_counting_a_noun_twice_is_ambiguous() -> None:
    s = story(
        (1, 0, "В ДТП под Тулой 2 человека погибли, 5 человек ранены."),
        (2, 10, "Под Тулой столкнулись автобус и грузовик, 4 человека ранены."),
        (3, 20, "Крупное ДТП под Тулой: столкнулись автобус и грузовик."),
    )
    assert [d for d in differences(s) if d.kind == CONFLICT] == []


def test_the_same_noun_counting_other_things_is_no_conflict() -> None:
    s = story(
        (1, 0, "Центробанк установил официальный курс доллара на уровне 109 рублей 58 копеек."),
        (2, 5, "Курс доллара на Мосбирже превысил 113 рублей, евро подорожал до 119 рублей."),
        (3, 15, "Рубль продолжает слабеть к доллару и евро."),
    )
    assert [d for d in differences(s) if d.kind == CONFLICT] == []


def test_an_attributed_claim_only_one_source_carries() -> None:
    s = story(
        (1, 0, "В Самаре загорелся торговый центр, людей эвакуировали."),
        (2, 10, "В Самаре горит торговый центр, посетителей эвакуировали."),
        (
            3,
            20,
            "Пожар в торговом центре Самары. Как заявил источник в МЧС, причиной стал поджог арендатора.",
        ),
    )
    claims = [d for d in differences(s) if d.kind == CLAIM]
    assert [(d.quotes[0].post_id, d.subject) for d in claims] == [(3, "заявил источник в МЧС")]
    assert claims[0].quotes[0].sentence.startswith("Как заявил источник")


def test_a_channel_citing_itself_is_no_attributed_claim() -> None:
    fire = (
        (1, 0, "В Москве на проспекте Багратиона загорелся автомобиль."),
        (2, 10, "На проспекте Багратиона в Москве горит машина."),
    )
    told = "только что вспыхнула BMW X5 на проспекте Багратиона в районе Фили-Давыдково."
    assert [d for d in differences(story(*fire, (3, 20, f"По данным Ch3, {told}"))) if d.kind == CLAIM] == []
    other = differences(story(*fire, (3, 20, f"По данным МЧС, {told}")))
    assert [d.subject for d in other if d.kind == CLAIM] == ["По данным МЧС"]


def test_fewer_than_three_independent_sources_show_nothing() -> None:
    two = story(PROTEST[0], PROTEST[1])
    assert differences(two) == ()
    # a network of channels 2 and 3 is one source: three channels, two sources
    three = story(*PROTEST)
    assert differences(three, networks={2: 9, 3: 9}) == ()


def test_the_story_page_and_api_show_the_differences_quoted_and_linked(web: WebEnv) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev")
    with closing(login(web.base, "viewer")) as client:
        data = client.get(f"/api/stories/{web.story_id}").json()
        html = client.get(f"/stories/{web.story_id}").text
    shown = data["differences"]
    assert shown and {d["kind"] for d in shown} <= {CONFLICT, FIGURE, CLAIM, NAME}
    for d in shown:
        for q in d["quotes"]:
            post = web.store.posts.get(q["post_id"])
            assert q["sentence"] in clean_text(post.text) and q["what"] in q["sentence"]  # verbatim
            assert q["channel"] == post.channel
            assert f'href="/posts/{q["post_id"]}"' in html
    section = html.split('<section class="differences">', 1)[1].split("</section>", 1)[0]
    assert escape(shown[0]["quotes"][0]["sentence"]) in section


def test_the_digest_shows_its_top_stories_differences_in_every_renderer(web: WebEnv) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev")
    day = datetime(2024, 11, 30, tzinfo=UTC)
    digest = build_digest(web.store, DigestQuery(day, day + timedelta(days=1), top=DIGEST_TOP + 3))
    top = [it for it in digest.items if it.differences]
    assert top and all(it.rank <= DIGEST_TOP for it in top)  # the top stories only
    assert all(not it.differences for it in digest.items[DIGEST_TOP:])
    it = top[0]
    d = it.differences[0]
    md = render_markdown(digest)
    assert md.count("How sources differ:") == len(top) and d.quotes[0].what in md
    html = render_html(digest)
    assert "How sources differ:" in html and str(escape(d.quotes[0].sentence)) in html
    doc = orjson.loads(render_json(digest))
    item = next(x for x in doc["items"] if x["story_id"] == it.card.story_id)
    assert item["differences"][0]["line"] == d.line()
    assert item["differences"][0]["quotes"][0]["sentence"] == d.quotes[0].sentence


# --- names only a minority of the sources give (natasha's offline NER) ---------------------------------
PORT = (
    (1, 0, "Протестующие в Грузии заблокировали морской порт города Поти, пишут местные СМИ."),
    (
        2,
        10,
        "В Тбилиси продолжаются протесты у здания парламента Грузии, сообщил корреспондент Нина Ахметели.",
    ),
    (3, 20, "Протесты у парламента в Тбилиси продолжаются вторые сутки, полиция применила водомёты."),
    (4, 30, "Акция протеста в грузинской столице продолжается, у парламента собрались тысячи людей."),
)


def test_a_place_only_one_source_names_is_shown_with_its_sentence() -> None:
    from svodka.pipeline.differences import natasha_entities

    found = [d for d in differences(story(*PORT), names=natasha_entities()) if d.kind == NAME]
    assert [(d.quotes[0].what, d.sources, d.of) for d in found] == [("Поти", 1, 4)]
    (poti,) = found
    assert poti.quotes[0].sentence == PORT[0][2] and poti.quotes[0].post_id == 1
    assert poti.line() == "only 1 of 4 sources name «Поти»"
    # Тбилиси: half the sources name it (not a minority); «Грузии» is named by the others as «грузинской»
    # (its first letters); Нина Ахметели is a reporter's byline; «СМИ» an outlet credited
    assert differences(story(*PORT)) == ()  # without a finder: no names (figures and claims only)


def test_a_lone_name_reads_as_a_sentence_in_the_digests_language() -> None:
    """The line an editor prints before the quotes (voice.difference_line; was «only 1 of 4 sources:
    «Поти»»): the name, then who names it, with the plural of the sources counted."""
    from dataclasses import replace

    from svodka.digest.voice import Voice, difference_line
    from svodka.pipeline.differences import natasha_entities

    (poti,) = [d for d in differences(story(*PORT), names=natasha_entities()) if d.kind == NAME]
    assert difference_line(poti, Voice("ru")) == "«Поти» упоминается только в 1 из 4 источников"
    assert difference_line(poti, Voice("en")) == "«Поти» is named by only 1 of 4 sources"
    many = replace(poti, sources=2, of=21)
    assert difference_line(many, Voice("ru")) == "«Поти» упоминается только в 2 из 21 источника"
    assert difference_line(many, Voice("en")) == "«Поти» is named by only 2 of 21 sources"


def test_a_name_in_other_words_latin_letters_or_initials_is_no_difference() -> None:
    from svodka.pipeline.differences import natasha_entities

    s = story(
        (1, 0, "Трамп пригрозил странам BRICS пошлинами в 100% за отказ от доллара."),
        (2, 5, "Избранный президент США пригрозил странам БРИКС стопроцентными пошлинами."),
        (
            3,
            9,
            "Трамп заявил, что страны БРИКС получат пошлины, если создадут свою валюту, и Америка ответит.",
        ),
        (4, 14, "Боевики «Хайят Тахрир аш-Шам» вошли в Алеппо, сообщили источники."),
        (5, 20, "Боевики ХТШ заняли кварталы Алеппо, сообщают военные."),
    )
    shown = {
        d.subject: (d.sources, [q.what for q in d.quotes]) for d in differences(s, names=natasha_entities())
    }
    # BRICS is БРИКС: 3 of 5 name it, no minority; Америка is США and ХТШ «Хайят Тахрир аш-Шам», each
    # counted as the source naming it, so 2 of 5 name each (one difference, not two)
    assert not any(w in shown for w in ("BRICS", "БРИКС"))
    assert shown["США"] == (2, ["США"]) and shown["Хайят Тахрир аш-Шам"] == (2, ["Хайят Тахрир аш-Шам"])
    assert "Америка" not in shown and "ХТШ" not in shown and shown["Трамп"] == (2, ["Трамп"])


def test_a_sentence_that_names_two_people_only_one_source_names_is_quoted_once() -> None:
    """«Харрис» and «Калифорнии» in one sentence of one channel: one difference, not the sentence twice."""
    from svodka.pipeline.differences import natasha_entities

    s = story(
        (1, 0, "Байден помиловал своего сына Хантера по двум уголовным делам, сообщил Белый дом."),
        (2, 5, "Байден подписал помилование сына Хантера, следует из заявления Белого дома."),
        (3, 9, "Президент США помиловал сына Хантера Байдена, который был осуждён за хранение оружия."),
        (
            4,
            14,
            "Байден юрист, а вице-президент Харрис ещё и бывший генпрокурор Калифорнии, напоминает канал.",
        ),
    )
    names = [d for d in differences(s, names=natasha_entities()) if d.kind == NAME]
    sentences = [q.sentence for d in names for q in d.quotes]
    assert names and len(sentences) == len(set(sentences)), [d.line() for d in names]

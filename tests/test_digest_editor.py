"""The digest as a press-office editor reads it (issue 14): the card text around the quotes — the lines of
«How sources differ», the card line, the marks of an update — each fix on real stories of the bundled day
(samples/tg_ru_news_2024-12-02.jsonl, CC BY 4.0: 654 real posts of 24 Russian channels), grouped as
``svodka process`` groups them on that day (the ids are the posts' own message ids).

Each test names the text as it was printed before (in its docstring) and asserts the text as it is now.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from svodka.digest import DigestQuery, build_digest, render_html, render_markdown, render_telegram
from svodka.digest.compose import DigestOptions
from svodka.digest.model import Digest
from svodka.digest.render import card_line
from svodka.digest.voice import Voice, difference_line, only_in_words, quoted
from svodka.model import StoredPost, Story, StoryMember
from svodka.pipeline.differences import CLAIM, NAME, Difference, differences, natasha_entities

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "tg_ru_news_2024-12-02.jsonl"
MSK = ZoneInfo("Europe/Moscow")
DAY = datetime(2024, 12, 2, tzinfo=MSK)

# Stories of 2 December 2024 as `svodka process` (USE) finds them in the bundled day: (channel, message id)
BIDEN = (  # Biden pardons his son Hunter: 16 posts of 7 channels
    ("РИА Новости", 271303), ("РИА Новости", 271304), ("РИА Новости", 271305), ("Банкста", 61621),
    ("Ньюсач/Двач", 129151), ("SHOT", 74769), ("Топор Live", 125935), ("BBC News | Русская служба", 73619),
    ("Топор Live", 125936), ("РИА Новости", 271313), ("Раньше всех. Ну почти.", 195093),
    ("Раньше всех. Ну почти.", 195103), ("Топор Live", 125956), ("BBC News | Русская служба", 73627),
    ("Банкста", 61639), ("BBC News | Русская служба", 73652),
)  # fmt: skip
PEZESHKIAN = (  # Putin and Pezeshkian on Syria by phone
    ("РИА Новости", 271383), ("РИА Новости", 271384), ("Раньше всех. Ну почти.", 195140),
    ("Топор Live", 125989), ("РИА Новости", 271422), ("Топор Live", 126033),
)  # fmt: skip
TBILISI = (  # the night's dispersal in Tbilisi: Ньюсач/Двач 129160 copies RIA's 271327
    ("РИА Новости", 271315), ("РИА Новости", 271317), ("Топор Live", 125937), ("РИА Новости", 271318),
    ("РИА Новости", 271320), ("Ньюсач/Двач", 129154), ("РИА Новости", 271327), ("Ньюсач/Двач", 129160),
    ("BBC News | Русская служба", 73623),
)  # fmt: skip
SYRIA = (("РИА Новости", 271354), ("Раньше всех. Ну почти.", 195117), ("Топор Live", 125966))
PEACE_PLAN = (  # concessions, Zelensky on the armed forces; then the Kellogg plan (two developments)
    ("Раньше всех. Ну почти.", 195107), ("BBC News | Русская служба", 73624), ("Топор Live", 125953),
    ("Раньше всех. Ну почти.", 195110), ("Топор Live", 125957), ("Ньюсач/Двач", 129176),
    ("РИА Новости", 271385), ("BBC News | Русская служба", 73637), ("Топор Live", 125993),
    ("Ньюсач/Двач", 129186), ("Раньше всех. Ну почти.", 195145), ("Банкста", 61651),
)  # fmt: skip


@cache
def _rows() -> dict[tuple[str, int], dict[str, object]]:
    with SAMPLE.open(encoding="utf-8") as f:
        return {(r["channel"], r["message_id"]): r for r in map(json.loads, f)}


def _post_id(key: tuple[str, int]) -> int:
    return int(str(_rows()[key]["sender_id"]).removeprefix("-100")) * 1_000_000 + key[1]


def real_story(
    keys: tuple[tuple[str, int], ...],
    story_id: int = 1,
    copies: dict[tuple[str, int], tuple[str, int]] | None = None,
) -> Story:
    """The bundled day's posts ``keys`` as one story, each channel by its own id (and so its own source);
    ``copies``: a post → the post it copies (as the pipeline found it)."""
    rows = [_rows()[k] for k in keys]
    origin = {_post_id(k): _post_id(o) for k, o in (copies or {}).items()}
    members = []
    for r in sorted(rows, key=lambda r: str(r["date"])):
        channel_id = int(str(r["sender_id"]).removeprefix("-100"))
        mid = int(str(r["message_id"]))
        members.append(
            StoryMember(
                StoredPost(
                    channel_id * 1_000_000 + mid,
                    channel_id,
                    str(r["channel"]),
                    mid,
                    datetime.fromisoformat(str(r["date"])),
                    str(r["text"]),
                    f"https://t.me/c/{channel_id}/{mid}",
                ),
                "ru",
                origin.get(channel_id * 1_000_000 + mid),
            )
        )
    return Story(story_id, tuple(members), members[0].post.date, members[-1].post.date)


def names_of(keys: tuple[tuple[str, int], ...]) -> list[Difference]:
    return [d for d in differences(real_story(keys), names=natasha_entities()) if d.kind == NAME]


@cache
def day_digest(language: str) -> Digest:
    """The digest of three of the day's stories, in ``language``, in Moscow time."""
    stories = [real_story(BIDEN, 1), real_story(PEACE_PLAN, 2), real_story(PEZESHKIAN, 3)]
    query = DigestQuery(DAY, DAY + timedelta(days=1), top=5, tz="Europe/Moscow", language=language)
    return build_digest(stories, query, DigestOptions(now=DAY + timedelta(days=1)))


def _item(digest: Digest, story_id: int):  # type: ignore[no-untyped-def]
    return next(it for it in digest.items if it.card.story_id == story_id)


# --- 1. names in the differences lines in the nominative ---------------------------------------------
def test_a_name_only_some_sources_give_is_named_in_the_nominative() -> None:
    """Was ««Турции» упоминается только в 1 из 3 источников», ««Министерством юстиции» упоминается …»,
    ««Башара Асада» …»: the name as the post's sentence declines it. Now the nominative (natasha's
    morphology), the quote below it verbatim."""
    (turkey,) = names_of(PEZESHKIAN)
    assert turkey.quotes[0].what == "Турции" and turkey.subject == "Турция"
    assert difference_line(turkey, Voice("ru")) == "«Турция» упоминается только в 1 из 3 источников"
    assert difference_line(turkey, Voice("en")) == "«Турция» is named by only 1 of 3 sources"
    assert "с участием Турции" in turkey.quotes[0].sentence  # the sentence as the post has it
    justice = next(d for d in names_of(BIDEN) if d.quotes[0].what == "Министерством юстиции")
    assert justice.subject == "Министерство юстиции"  # an organisation: its head noun, «юстиции» as is
    assert difference_line(justice, Voice("ru")).startswith(
        "«Министерство юстиции» упоминается только в 2 из"
    )
    syria = {d.quotes[0].what: d.subject for d in names_of(SYRIA)}
    assert syria["Башара Асада"] == "Башар Асад" and syria["Байденом"] == "Байден"


def test_a_name_already_in_the_nominative_stays_as_written() -> None:
    """A name the sentence gives in the nominative («NBC», «ЕС», «Хантер»), or that does not decline, is
    printed as the post wrote it."""
    for d in names_of(BIDEN) + names_of(PEACE_PLAN):
        if re.fullmatch(r"[A-Z.][\w.]*|[А-ЯЁ]{2,}", d.quotes[0].what):  # Latin names and abbreviations
            assert d.subject == d.quotes[0].what


# --- 2. wording, punctuation and consistency ---------------------------------------------------------
def test_a_sentence_cut_from_a_quotation_keeps_its_quotes_whole() -> None:
    """Was «С того дня, как я вступил в должность, … в судебном порядке», — заявил действующий президент
    США …» — the quotation's own closing mark read as the quote's end — and ««У нас не хватает сил, чтобы
    вернуть Крым.» (two opening marks). Now the quotation inside is „…“, opened where the sentence was cut
    from it; a lone mark at the sentence's edge is left to the outer ones."""
    digest = day_digest("ru")
    md, bot = render_markdown(digest), "\n".join(render_telegram(digest))
    shot = next(
        q.sentence for it in digest.items for d in it.differences for q in d.quotes if "SHOT" in q.channel
    )
    assert (
        shot.startswith("С того дня, как я вступил в должность") and "в судебном порядке», — заявил" in shot
    )
    assert quoted(shot).startswith("«„С того дня") and "в судебном порядке“, — заявил" in quoted(shot)
    assert quoted(shot).endswith("что „американцы поймут такой шаг“.»")  # its straight quotes too
    crimea = next(q.sentence for d in _item(digest, 2).differences for q in d.quotes if "Крым" in q.sentence)
    assert (
        crimea == "«У нас не хватает сил, чтобы вернуть Крым."
    )  # the post's quotation, cut at its first sentence
    assert quoted(crimea) == "«У нас не хватает сил, чтобы вернуть Крым.»"
    assert quoted(shot) in md and quoted(crimea) in md and "««" not in md + bot
    assert quoted(shot) in render_html(digest)
    assert quoted(crimea) in bot


def test_a_claim_only_one_source_carries_reads_with_one_colon() -> None:
    """Was «- только 1 из 6 источников: «заявил газете Financial Times»: «Российский олигарх …»» — two
    colons, the second before the quote. Now ««заявил газете Financial Times» — только в 1 из 5
    источников: «…»»."""
    (ft,) = [d for d in differences(real_story(PEACE_PLAN)) if d.kind == CLAIM]
    assert difference_line(ft, Voice("ru")) == "«заявил газете Financial Times» — только в 1 из 6 источников"
    assert difference_line(ft, Voice("en")) == "«заявил газете Financial Times» — in only 1 of 6 sources"
    md = render_markdown(day_digest("ru"))
    (line,) = [x for x in md.splitlines() if "Financial Times» —" in x]
    assert line.startswith(
        "- «заявил газете Financial Times» — только в 1 из 6 источников: «Российский олигарх"
    )
    assert line.count(": «") == 1


def test_a_channel_named_with_a_full_stop_is_quoted_where_a_comma_follows() -> None:
    """Was «первым сообщил Раньше всех. Ну почти., 2 декабря 2024, 10:58 МСК»: «почти.,». Now the name that
    is a sentence of its own is in «»; other names as they are."""
    digest = day_digest("ru")
    v = Voice("ru", "Europe/Moscow")
    peace = card_line(_item(digest, 2), v)
    assert peace.startswith("первым сообщил «Раньше всех. Ну почти.», 2 декабря 2024, 1")
    assert ".," not in peace and ".," not in render_markdown(digest)
    assert card_line(_item(digest, 1), v).startswith("первым сообщил РИА Новости, 2 декабря 2024, ")
    assert only_in_words(2, 3, "Раньше всех. Ну почти.", "10:58", v) == (
        "2 канала, 3 поста; первым сообщил «Раньше всех. Ну почти.», 10:58"
    )


def test_the_card_counts_independent_sources_not_bare_adjectives() -> None:
    """Was «7 каналов · 16 постов · 7 независимых» and «1 независимый» — independent what? Now «7 независимых
    источников», «3 независимых источника», «1 независимый источник» (the score line says «независимых:
    7»)."""
    digest = day_digest("ru")
    v = Voice("ru", "Europe/Moscow")
    for it in digest.items:
        n = it.card.independent
        word = (
            "независимый источник"
            if n % 10 == 1 and n % 100 != 11
            else "независимых источника"
            if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14
            else "независимых источников"
        )
        assert f" · {n} {word} · " in card_line(it, v)
    assert {it.card.independent for it in digest.items} >= {3, 7}
    assert " · 7 independent · " in card_line(_item(day_digest("en"), 1), Voice("en"))


def test_the_storyline_and_an_updates_new_posts_are_in_the_card_line() -> None:
    """Was «*первым сообщил … · политика* · сюжетная линия № 11» in Markdown (the mark outside the card's
    italics) and «— 3 новых поста» there but «· 3 новых поста» in HTML; the bot left both out. Now one card
    line, one separator, in every rendering."""
    digest = day_digest("ru")
    it = replace(_item(digest, 1), storyline=11, update=True, new_posts=3)
    marked = replace(digest, items=(it,))
    md, bot = render_markdown(marked), "\n".join(render_telegram(marked))
    (card,) = [x for x in md.splitlines() if x.startswith("*первым сообщил")]
    assert card.endswith(" · политика · 3 новых поста · сюжетная линия № 11*")
    assert " · 3 новых поста · сюжетная линия № 11</i>" in bot
    html = render_html(marked)
    assert " · 3 новых поста" in html and "сюжетная линия № 11" in html


def test_each_count_of_a_channels_credibility_has_the_plural_of_its_number() -> None:
    """Was «SHOT: 0.63 — …; подтверждено другими каналами: 1 из 1 сюжетов; первым сообщил: 0 из 1 общих»
    and "corroborated by other channels in 1 of 1 stories; first in 0 of 1 shared stories; 0 of 1 posts are
    copies" (one message, «сюжетов» whatever the number), and «Раньше всех. Ну почти.: 0.69». Now each
    count in its own plural, the name that ends a sentence in «»."""
    ru = {line.split(": ", 1)[0]: line for line in day_digest("ru").credibility}
    assert ru["SHOT"].endswith(
        "подтверждено другими каналами: 1 из 1 сюжета; первым сообщил: 0 из 1 общего; "
        "копии среди постов: 0 из 1"
    )
    assert "подтверждено другими каналами: 3 из 3 сюжетов; первым сообщил: 2 из 3 общих" in ru["РИА Новости"]
    assert ru["«Раньше всех. Ну почти.»"].startswith("«Раньше всех. Ну почти.»: 0,")  # the decimal comma
    en = {line.split(": ", 1)[0]: line for line in day_digest("en").credibility}
    assert en["SHOT"].endswith(
        "corroborated by other channels in 1 of 1 story; first in 0 of 1 shared story; 0 of 1 post is a copy"
    )
    assert en["РИА Новости"].endswith(
        "in 3 of 3 stories; first in 2 of 3 shared stories; 0 of 8 posts are copies"
    )


def test_the_depth_term_says_it_counts_original_posts() -> None:
    """Was «9 постов» on the card and «глубина +… (постов: 8)» under it (the depth counts originals, one post
    is a copy): two counts of posts that disagree. Now «оригинальных постов: 8» / "8 original posts"."""
    story = real_story(TBILISI, 4, copies={("Ньюсач/Двач", 129160): ("РИА Новости", 271327)})
    query = DigestQuery(DAY, DAY + timedelta(days=1), top=3, tz="Europe/Moscow", language="ru")
    digest = build_digest([story], query, DigestOptions(now=DAY + timedelta(days=1)))
    (it,) = digest.items
    md = render_markdown(digest)
    assert it.card.posts == 9 and " · 9 постов · " in md
    assert "глубина +" in md and "(оригинальных постов: 8)" in md and "(постов: " not in md
    english = render_markdown(replace(digest, query=replace(digest.query, language="en")))
    assert " · 9 posts · " in english and "(8 original posts)" in english

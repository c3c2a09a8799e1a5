"""The digest as a press-office editor reads it, second pass (issue 14): what svodka itself writes around
the quotes, in the digest's language — on real stories: the bundled Russian day
(samples/tg_ru_news_2024-12-02.jsonl, as tests/test_digest_editor.py groups it), a real figures conflict of
the next day (../shared/data/tg_ru_news_2024, CC BY 4.0) and an English day (../shared/data/
tg_en_bbcbreaking_2017: @bbcbreaking's Telegram posts and the tweets of cnnbrk and presstv around the
Manchester Arena attack, 22–23 May 2017).

Each test names the text as it was printed before (in its docstring) and asserts the text as it is now.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import docx

from conftest import shared
from svodka.digest import DigestQuery, build_digest, render_html, render_markdown, render_telegram
from svodka.digest.compose import DigestOptions
from svodka.digest.docx import render_docx
from svodka.digest.footnotes import print_stories
from svodka.digest.model import Digest, digest_name
from svodka.digest.render import card_line, digest_subject, render_json, render_text, score_line
from svodka.digest.schema import to_dict
from svodka.digest.voice import Voice, difference_line
from svodka.model import StoredPost, Story, StoryMember
from svodka.pipeline.differences import CONFLICT, differences
from test_digest_editor import DAY, day_digest

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
NEWS = ("tg_ru_news_2024", "posts.jsonl")
BBC = ("tg_en_bbcbreaking_2017", "bbcbreaking_telegram_posts.jsonl")
EN_DAY = datetime(2017, 5, 22, 12, tzinfo=UTC)  # 12:00 UTC 22 May – 12:00 UTC 23 May 2017


def _story(story_id: int, posts: list[dict[str, Any]], language: str) -> Story:
    """Real posts as one story, each channel by its own id (and so its own source)."""
    members = []
    for p in sorted(posts, key=lambda p: p["date"]):
        cid, mid = p["channel_id"], p["message_id"]
        pid = hash((cid, mid)) % 2**62  # ints hash as themselves: the same id in every run
        post = StoredPost(pid, cid, p["channel"], mid, p["date"], p["text"], p["url"], p.get("views"))
        members.append(StoryMember(post, language))
    return Story(story_id, tuple(members), members[0].post.date, members[-1].post.date)


# --- the English day -----------------------------------------------------------------------------------
@cache
def _english_posts() -> tuple[dict[str, Any], ...]:
    """The day's @bbcbreaking posts and the cnnbrk / presstv tweets (channel ids 1, 2, 3)."""
    until = EN_DAY + timedelta(days=1)
    out = []
    with shared(*BBC).open(encoding="utf-8") as f:
        for r in map(json.loads, f):
            date = datetime.fromisoformat(r["date"])
            if EN_DAY <= date < until and r["text"]:
                url = f"https://t.me/bbcbreaking/{r['message_id']}"
                out.append(dict(r, channel_id=1, date=date, url=url))
    for cid, name in ((2, "cnnbrk"), (3, "presstv")):
        for t in json.loads(shared(BBC[0], f"{name}_tweets.json").read_text(encoding="utf-8")):
            date = datetime.fromtimestamp(int(t["created_at"]), UTC)
            if EN_DAY <= date < until:
                url = f"https://twitter.com/{name}/status/{t['id']}"
                out.append({"channel_id": cid, "channel": name, "message_id": int(t["id"]) % 10**9,
                            "date": date, "text": t["text"], "url": url})  # fmt: skip
    return tuple(out)


def _about(*words: str) -> list[dict[str, Any]]:
    return [p for p in _english_posts() if all(w.lower() in p["text"].lower() for w in words)]


@cache
def english_digest(language: str = "en", topic: str | None = None) -> Digest:
    """Two of the day's stories: the Manchester Arena attack (all three sources), Trump on the Iran deal."""
    stories = [_story(1, _about("Manchester"), "en"), _story(2, _about("Iran", "Trump"), "en")]
    query = DigestQuery(EN_DAY, EN_DAY + timedelta(days=1), topic=topic, top=5, language=language)
    return build_digest(stories, query, DigestOptions(now=EN_DAY + timedelta(days=1)))


def _docx_text(digest: Digest) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(render_docx(digest))).paragraphs)


def test_an_english_digest_is_titled_and_worded_in_english_everywhere() -> None:
    """Was «# 22 мая 12:00 – 23 мая 12:00» over "Digest 2017-05-22 12:00 – …" — the name (Markdown and HTML
    title, JSON ``name``, the bot's first line, the e-mail's subject, the DOCX heading, the digests' list)
    always in Russian. Now every word svodka writes in an English digest is English: no Cyrillic at all in
    any rendering of an English day."""
    digest = english_digest()
    assert {len(it.card.channels) for it in digest.items} >= {3}  # the attack: bbcbreaking, cnnbrk, presstv
    assert digest.name == "22 May 12:00 – 23 May 12:00"
    md = render_markdown(digest)
    assert md.startswith("# 22 May 12:00 – 23 May 12:00\n\nDigest 2017-05-22 12:00 – 2017-05-23 12:00 (UTC)")
    assert json.loads(render_json(digest))["name"] == digest.name
    renderings = {
        "md": md,
        "html": render_html(digest),
        "json": render_json(digest),
        "bot": "\n".join(render_telegram(digest)),
        "text": render_text(digest, sentences=True),
        "subject": digest_subject(digest),
        "docx": _docx_text(digest),
    }
    assert {k: CYRILLIC.findall(v)[:5] for k, v in renderings.items()} == {k: [] for k in renderings}
    assert f"<title>{digest.name}</title>" in renderings["html"]
    assert renderings["docx"].startswith(digest.name)
    topical = english_digest(topic="war and security")
    assert topical.name == "War and security · 22 May 12:00 – 23 May 12:00"


def test_the_name_follows_the_digests_language_not_the_code() -> None:
    """Was «Экономика · ru · 1 декабря» whatever the digest's language. Now in the digest's language, the
    language filter by its name: «Экономика · русский · 1 декабря» / "Economy · Russian · 1 December"."""
    since = datetime(2024, 11, 30, 21, tzinfo=UTC)
    ru = DigestQuery(
        since, since + timedelta(days=1), "economy", lang="ru", tz="Europe/Moscow", language="ru"
    )
    assert digest_name(ru) == "Экономика · русский · 1 декабря"
    en = DigestQuery(since, since + timedelta(days=1), "economy", lang="ru", tz="Europe/Moscow")
    assert digest_name(en) == "Economy · Russian · 1 December"
    assert day_digest("ru").name == "2 декабря" and day_digest("en").name == "2 December"


# --- 2. the decimal comma ------------------------------------------------------------------------------
OWN_DECIMAL = re.compile(r"\d\.\d")


def test_russian_numbers_svodka_writes_have_a_decimal_comma() -> None:
    """Was «оценка 7.84 = источники +2.81 (независимых: 7), … достоверность +0.12 (лучший источник 0.62),
    … свежесть +0.43 (5.2 ч назад)», «SHOT: 0.63 — уровень не задан (исходно 0.60)», «оценка 7.84 · 7
    каналов» in the print layout. Now «оценка 7,84 = источники +2,81 …», «0,63 … (исходно 0,60)»; English
    keeps the point, and the posts' own text is quoted as written."""
    ru, en = day_digest("ru"), day_digest("en")
    v = Voice("ru", "Europe/Moscow")
    for it in ru.items:
        line = score_line(it.score, v)
        assert not OWN_DECIMAL.search(line) and re.match(r"оценка \d+,\d\d = источники \+\d,\d\d ", line)
        assert "ч назад)" in line and re.search(r"\(\d+,\d ч назад\)", line)
    assert all(not OWN_DECIMAL.search(c) and re.search(r": \d,\d\d — ", c) for c in ru.credibility)
    assert all(re.search(r"\(исходно 0,\d\d\)", c) for c in ru.credibility)
    printed = print_stories(to_dict(ru), v)
    assert all(re.match(r"оценка \d+,\d\d · ", s.summary) for s in printed)
    md = render_markdown(ru)
    cited = [c.text for it in ru.items for c in it.summary.sentences]
    assert any("," in c for c in cited)
    for it in en.items:
        assert re.match(r"score \d+\.\d\d = sources \+\d\.\d\d ", score_line(it.score, Voice("en")))
    assert "оценка " in md and not any(OWN_DECIMAL.search(x) for x in md.splitlines() if "<sub>" in x)


# --- 3. the conflict line ------------------------------------------------------------------------------
LENINGRADSKY = (  # 3 December 2024: a bus and 15 or 16 cars collide on Leningradsky Prospekt, Moscow
    ("Москва с огоньком", 46339), ("РИА Новости", 271452), ("Москва с огоньком Live", 27570),
    ("Раньше всех. Ну почти.", 195179), ("Ньюсач/Двач", 129219), ("Москва с огоньком", 46341),
    ("Москва Live", 19654), ("Москвач • Новости Москвы", 29320),
)  # fmt: skip


@cache
def _crash() -> Story:
    keys = set(LENINGRADSKY)
    posts = []
    with shared(*NEWS).open(encoding="utf-8") as f:
        for r in map(json.loads, f):
            if (r["channel"], r["message_id"]) in keys:
                cid = int(str(r["sender_id"]).removeprefix("-100"))
                url = f"https://t.me/c/{cid}/{r['message_id']}"
                posts.append(dict(r, channel_id=cid, date=datetime.fromisoformat(r["date"]), url=url))
    assert len(posts) == len(keys)
    return _story(7, posts, "ru")


def test_a_figures_conflict_is_one_sentence_before_its_quotes() -> None:
    """Was «расходятся цифры («автомобиль»): «15 автомобилей» против «16 автомобилей»: «Крупная авария …»»
    — the noun's lemma in brackets and two colons, one after the other. Now «цифры расходятся» said once
    after the figures, one colon, then the quotes: as the lines of a figure only some sources give."""
    (conflict,) = [d for d in differences(_crash()) if d.kind == CONFLICT]
    assert [q.what for q in conflict.quotes] == ["15 автомобилей", "16 автомобилей"]
    ru, en = Voice("ru", "Europe/Moscow"), Voice("en")
    assert difference_line(conflict, ru) == "«15 автомобилей» против «16 автомобилей» — цифры расходятся"
    assert difference_line(conflict, en) == "«15 автомобилей» vs «16 автомобилей» — the figures conflict"
    day = datetime(2024, 12, 3, tzinfo=DAY.tzinfo)
    query = DigestQuery(day, day + timedelta(days=1), top=3, tz="Europe/Moscow", language="ru")
    digest = build_digest([_crash()], query, DigestOptions(now=day + timedelta(days=1)))
    (it,) = digest.items
    assert [d.kind for d in it.differences][:1] == [CONFLICT]
    md = render_markdown(digest)
    (line,) = [x for x in md.splitlines() if "цифры расходятся" in x]
    assert line.startswith("- «15 автомобилей» против «16 автомобилей» — цифры расходятся: «Крупная авария")
    assert line.split(" — [")[0].count(":") == 1  # up to the first quote's channel: one colon
    bot = "\n".join(render_telegram(digest))
    assert "≠ «15 автомобилей» против «16 автомобилей» — цифры расходятся: «Крупная авария" in bot
    assert "цифры расходятся: «Крупная авария" in render_html(digest)
    assert "(«автомобиль»)" not in md + bot


# --- 4. the posts' languages on the card ---------------------------------------------------------------
def test_the_card_names_the_posts_languages_only_where_they_differ() -> None:
    """Was «… · 5 независимых источников · ru · политика» — the raw code, on every card, even where every
    post is in the digest's language — and "· en ·" on every English card. Now nothing when the posts are
    all in the digest's language, and the languages by name in the digest's language where they are not:
    an English story in a Russian digest says «язык: английский»."""
    ru = Voice("ru", "Europe/Moscow")
    for it in day_digest("ru").items:
        assert it.card.languages == ("ru",) and " · ru · " not in card_line(it, ru)
    assert " · ru · " not in render_markdown(day_digest("ru")) and " · ru · " not in render_html(
        day_digest("ru")
    )
    for it in english_digest().items:
        assert it.card.languages == ("en",) and " · en · " not in card_line(it, Voice("en"))
    in_russian = english_digest("ru")
    attack = next(it for it in in_russian.items if it.card.story_id == 1)
    assert " · 3 независимых источника · язык: английский · " in card_line(attack, ru)
    assert " · язык: английский · " in render_markdown(in_russian)
    assert ru.languages(("en", "ru")) == "языки: английский, русский"
    assert Voice("en").languages(("en", "uk")) == "languages: English, Ukrainian"


# --- 5. what else the editor found ---------------------------------------------------------------------
def test_an_unnamed_digest_says_its_period_once_in_the_subject_the_bot_and_the_terminal() -> None:
    """Was the subject «Сводка: 2 декабря · 2 декабря 2024», the bot's first message «2 декабря» over «2
    декабря 2024», the terminal's «2 декабря — 2 декабря 2024»: a digest without a job's name is named by
    its period, and these lines wrote the period twice. Now its heading, «Сводка за 2 декабря 2024»."""
    ru, en = day_digest("ru"), day_digest("en")
    assert digest_subject(ru) == "Сводка за 2 декабря 2024"
    assert digest_subject(en) == "Digest 2024-12-02 00:00 – 2024-12-03 00:00 (Europe/Moscow)"
    assert render_telegram(ru)[0].startswith("<b>Сводка за 2 декабря 2024</b>\n")
    assert render_text(ru).startswith("Сводка за 2 декабря 2024\n")
    named = english_digest(topic="war and security")  # a name that says more than the period: both
    assert digest_subject(named) == (
        "Digest: War and security · 22 May 12:00 – 23 May 12:00 · 2017-05-22 12:00 – 2017-05-23 12:00 (UTC)"
    )


def lone_digest() -> Digest:
    """One post alone: IS claims the attack (@bbcbreaking, 11:53) — a headline and no other sentence."""
    lone = _story(3, _about("Islamic State", "claims")[:1], "en")
    return build_digest([lone], english_digest().query, DigestOptions(now=EN_DAY + timedelta(days=1)))


def test_english_score_notes_count_in_the_plural_of_their_number() -> None:
    """Was "depth +0.00 (1 original posts)", "reach +0.28 (0.9× norm over 1 posts)" in English. Now "1
    original post", "over 1 post"; Russian keeps «оригинальных постов: 1»."""
    lines = [score_line(it.score, Voice("en")) for it in english_digest().items]
    iran = next(x for it, x in zip(english_digest().items, lines, strict=True) if it.card.story_id == 2)
    assert re.search(r"depth \+\d\.\d\d \([2-9] original posts\)", iran)
    assert re.search(r"norm over (1 post|[2-9] posts)\)", iran)
    said = " ".join(lines)
    assert not re.search(r"\b1 (original )?posts\b", said) and not re.search(
        r"\b[02-9] (original )?post\b", said
    )
    digest = lone_digest()
    note = score_line(digest.items[0].score, Voice("en"))
    assert "(1 original post)" in note and "norm over 1 post)" in note
    assert "(оригинальных постов: 1)" in score_line(digest.items[0].score, Voice("ru"))


def test_the_print_layout_quotes_a_first_channel_named_with_a_full_stop() -> None:
    """Was «первым сообщил Раньше всех. Ну почти., 2 декабря 2024, 10:58 МСК» in the PDF and DOCX (the card
    of the other renderings had it in «» already). Now «первым сообщил «Раньше всех. Ну почти.», …»."""
    digest = day_digest("ru")
    printed = print_stories(to_dict(digest), Voice("ru", "Europe/Moscow"))
    assert any("первым сообщил «Раньше всех. Ну почти.», 2 декабря" in s.meta for s in printed)
    assert not any(".," in s.meta + s.summary for s in printed)
    assert ".," not in _docx_text(digest)


def test_the_bot_never_ends_a_message_on_the_differences_label() -> None:
    """Was a message ending «В чём расходятся источники:» and the next opening with its first line (the
    label was a piece of its own, and a message is cut between pieces). Now the label travels with its
    first line, at any message size."""
    digest = day_digest("ru")
    for limit in (600, 1000, 1500, 2500, 4096):
        messages = render_telegram(digest, limit=limit)
        assert not any(m.rstrip().endswith("<i>В чём расходятся источники:</i>") for m in messages)
        assert any("<i>В чём расходятся источники:</i>\n≠ " in m for m in messages)


def test_a_story_without_key_sentences_has_one_blank_line_in_markdown() -> None:
    """Was the card line, two blank lines, then the score (a story whose posts gave no sentence beyond the
    headline). Now one blank line, as between every other block."""
    (it,) = lone_digest().items
    assert it.summary.sentences == ()
    md = render_markdown(lone_digest())
    assert "\n\n\n" not in md and "SINGLE SOURCE — unconfirmed*\n\n<sub>score " in md
    assert "\n\n\n" not in render_markdown(day_digest("ru"))

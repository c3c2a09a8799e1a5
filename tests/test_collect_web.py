"""The t.me/s parser against the real saved page (../shared/data/tme_s_html_sample) and newer markup."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from collect_server import FakeChannel, FakePost, render_card, render_page
from conftest import shared
from svodka.collect.registry import parse_channel
from svodka.errors import InputError, SourceError
from svodka.model import PLATFORM_RSS, Entity
from svodka.sources.telegram_web import NoWebPreview, page_url, parse_count, parse_page


@pytest.fixture(scope="module")
def sample() -> str:
    folder = shared("tme_s_html_sample")
    return next(Path(folder).glob("*.html")).read_text(encoding="utf-8")


def test_real_page_channel_and_cursor(sample: str) -> None:
    page = parse_page(sample, "xCareers")
    assert page.channel.title == "xCareers: Digital Jobs"
    assert page.channel.subscribers == 60_000  # "60K members"
    assert page.channel.tg_id == 1179933704  # from data-view
    assert page.before == 1491  # tme_messages_more data-before
    assert page.ids[0] == 1491 and page.ids[-1] == 1511 and len(page.ids) == 20
    assert 1496 not in page.ids


def test_real_page_posts(sample: str) -> None:
    page = parse_page(sample, "xCareers", seen_at=datetime(2020, 5, 4, tzinfo=UTC))
    posts = {p.message_id: p for p in page.posts}
    assert len(posts) == 19 and 1502 not in posts  # 1502 is the "pinned" service message
    first = posts[1491]
    assert first.date == datetime(2020, 4, 30, 17, 0, 4, tzinfo=UTC)
    assert first.views == 4400 and first.channel.handle == "xcareers"
    assert first.text.startswith("РАЗРАБОТЧИК IOS 🔥\n\nФормат: #удаленка (на время карантина) потом #офис\n")
    assert "\n🔸 Опыт написания unit-тестов\n" in first.text
    assert first.text.endswith("Откликнуться: @Levelller\n\n#разработка #ios")
    assert Entity("bold", "РАЗРАБОТЧИК IOS 🔥") in first.entities
    assert Entity("hashtag", "#удаленка") in first.entities
    assert Entity("mention", "@Levelller", "https://t.me/Levelller") in first.entities
    assert not any(e.type == "bold" and e.text == "🔥" for e in first.entities)  # emoji <b> is markup
    assert first.edited is None and posts[1492].edited == datetime(2020, 5, 4, tzinfo=UTC)
    assert {m for m, p in posts.items() if p.edited} == {1492, 1494, 1501}
    assert posts[1501].media == "photo" and posts[1508].media == "video" and posts[1495].media == "webpage"
    assert "https://vk.cc/atoy0q" in posts[1501].links
    assert Entity("text_link", "этого списка", "https://vk.cc/atoy0q") in posts[1501].entities
    assert posts[1495].links[0] == "http://chnly.pro/file/cf505ef9a0ef41d58507cb544ecb0478"  # link preview
    assert posts[1511].views == 1500
    assert all(p.forward is None and p.reply_to is None for p in posts.values())


def test_views_counts() -> None:
    assert parse_count("12.3K") == 12_300
    assert parse_count("1.2M") == 1_200_000
    assert parse_count("987") == 987
    assert parse_count("60K members") == 60_000
    assert parse_count("12 345 subscribers") == 12_345
    assert parse_count("") is None and parse_count("n/a") is None


def _channel() -> FakeChannel:
    d = datetime(2024, 11, 30, 9, 0, tzinfo=UTC)
    return FakeChannel(
        "mash",
        "Mash",
        1117628569,
        2_345_678,
        [
            FakePost(
                100,
                d,
                "Взрыв в центре города #срочно\nhttps://example.org/news/1",
                views=12_345,
                forward=("РИА Новости", "rian_ru", 255_001),
                reactions=(1200, 35),
            ),
            FakePost(101, d, "Продолжение", reply_to=100, photo=True, edited=True),
            FakePost(102, d, "", service=True),
        ],
    )


def test_newer_markup_forward_reply_reactions() -> None:
    page = parse_page(render_page(_channel(), _channel().posts, before=99), "mash")
    a, b = page.posts
    assert a.forward is not None and (a.forward.name, a.forward.handle, a.forward.message_id) == (
        "РИА Новости",
        "rian_ru",
        255_001,
    )
    assert a.reactions == 1235 and a.views == 12_300  # "12.3K" as the page shows it
    assert a.links == ("https://example.org/news/1",)
    assert Entity("url", "https://example.org/news/1", "https://example.org/news/1") in a.entities
    assert b.reply_to == 100 and b.media == "photo" and b.edited is not None
    assert page.ids == (100, 101, 102) and page.channel.subscribers == 2_300_000
    assert page.before == 99


def test_markup_change_truncation_and_no_preview() -> None:
    good = render_page(_channel(), _channel().posts, before=None)
    with pytest.raises(SourceError, match="truncated"):
        parse_page(good[: len(good) // 2], "mash")
    with pytest.raises(SourceError, match="markup changed"):
        parse_page(good.replace("tgme_widget_message", "tgme_post"), "mash")
    with pytest.raises(SourceError, match="markup changed"):
        parse_page(good.replace("tgme_channel_history js-message_history", "x"), "mash")
    with pytest.raises(SourceError, match="no <time datetime>"):
        parse_page(good.replace("<time datetime=", "<time data-x="), "mash")
    with pytest.raises(NoWebPreview, match=r"no public web preview.*svodka login"):
        parse_page(render_card(_channel(), "mash"), "mash", final_url="https://t.me/mash")
    with pytest.raises(NoWebPreview, match="not found"):
        parse_page(render_card(None, "nosuch"), "nosuch", final_url="https://t.me/nosuch")


def test_empty_channel_is_not_an_error() -> None:
    page = parse_page(render_page(_channel(), [], before=None), "mash")
    assert page.posts == () and page.ids == () and page.before is None


def test_page_url_uses_base_setting() -> None:
    assert page_url("http://127.0.0.1:8080/", "rian_ru") == "http://127.0.0.1:8080/s/rian_ru"
    assert page_url("https://t.me", "rian_ru", 500) == "https://t.me/s/rian_ru?before=500"


@pytest.mark.parametrize(
    "text",
    [
        "@rian_ru",
        "rian_ru",
        "t.me/rian_ru",
        "t.me/s/rian_ru",
        "https://telegram.me/rian_ru",
        "https://t.me/rian_ru/123",
        "https://t.me/s/rian_ru?before=5",
        " RIA_RU ",
    ],
)
def test_identifiers(text: str) -> None:
    assert parse_channel(text).handle == "rian_ru" or parse_channel(text).handle == "ria_ru"


def test_identifiers_ids_and_feeds() -> None:
    assert parse_channel("-1001101170442").tg_id == 1101170442
    assert parse_channel("https://t.me/c/1101170442/55").tg_id == 1101170442  # a private post link
    assert parse_channel("tg://resolve?domain=rian_ru").handle == "rian_ru"
    assert parse_channel("HTTPS://T.ME/RIAN_RU").handle == "rian_ru"
    for invite in ("https://t.me/joinchat/AAAAAEZIgmLXFXGrOB6fRg", "https://t.me/+AbCdEf12"):
        with pytest.raises(InputError, match="invite"):  # not mistaken for a feed URL
            parse_channel(invite)
    feed = parse_channel("https://www.bbc.com/russian/index.xml")
    assert feed.platform == PLATFORM_RSS
    with pytest.raises(InputError):
        parse_channel("not a channel!")


def test_album_items_count_as_present() -> None:
    ch = _channel()
    page_html = render_page(ch, ch.posts[:1], before=None).replace(
        '<div class="tgme_widget_message_text',
        '<div class="tgme_widget_message_grouped_wrap js-message_grouped_wrap">'
        '<div class="tgme_widget_message_grouped">'
        '<a class="tgme_widget_message_photo_wrap grouped_media_wrap" href="https://t.me/mash/98?single"></a>'
        '<a class="tgme_widget_message_photo_wrap grouped_media_wrap" href="https://t.me/mash/99?single"></a>'
        '</div></div><div class="tgme_widget_message_text',
        1,
    )
    page = parse_page(page_html, "mash")
    assert [p.message_id for p in page.posts] == [100] and page.posts[0].media == "album"
    assert sorted(page.ids) == [98, 99, 100]  # the album's items are not mistaken for deleted posts


def _text_posts() -> FakeChannel:
    d = datetime(2024, 11, 30, 9, 0, tzinfo=UTC)
    posts = [FakePost(200 + i, d, f"Новость номер {i}", views=100 + i) for i in range(5)]
    posts.insert(2, FakePost(210, d, "Фото с подписью", photo=True))
    return FakeChannel("mash", "Mash", 1117628569, 2_345_678, posts)


def test_renamed_text_element_is_a_markup_error() -> None:
    """The whole-page case: no post has its text element any more, while ids and dates are all there."""
    ch = _text_posts()
    good = render_page(ch, ch.posts, before=None)
    assert len(parse_page(good, "mash").posts) == 6
    renamed = good.replace("tgme_widget_message_text", "tgme_widget_message_body")
    with pytest.raises(SourceError, match=r"no post on the page has a text element.*markup changed"):
        parse_page(renamed, "mash")


def test_one_post_without_text_or_media_is_left_out_not_blanked() -> None:
    """One post loses its text element while the others keep theirs: that post is left out (not stored,
    not taken for deleted, listed as unreadable); the rest of the page is read."""
    ch = _text_posts()
    page_html = render_page(ch, ch.posts, before=None)
    broken = page_html.replace(
        'data-post="mash/203"', 'data-post="mash/203" data-broken="1"', 1
    )  # mark the one post, then rename its text element only
    head, tail = broken.split('data-broken="1"', 1)
    tail = tail.replace("tgme_widget_message_text", "tgme_widget_message_body", 1)
    page = parse_page(head + 'data-broken="1"' + tail, "mash")
    assert page.unreadable == (203,)
    assert 203 in page.ids and 203 not in [p.message_id for p in page.posts]
    assert [p.text for p in page.posts if p.message_id == 204] == ["Новость номер 4"]
    assert len(page.posts) == 5


def test_media_only_post_is_a_post_with_empty_text() -> None:
    """A photo without caption has no text element on t.me: a real post, stored with an empty text."""
    ch = _text_posts()
    page_html = render_page(ch, [p for p in ch.posts if p.photo], before=None)
    start = page_html.index('<div class="tgme_widget_message_text')
    end = page_html.index("</div>", start) + len("</div>")
    page = parse_page(page_html[:start] + page_html[end:], "mash")  # every post on the page media-only
    [post] = page.posts
    assert post.text == "" and post.media == "photo" and page.unreadable == ()


def test_reply_quote_is_not_the_posts_text() -> None:
    ch = _channel()
    page = parse_page(render_page(ch, ch.posts, before=None), "mash")
    assert page.posts[1].reply_to == 100 and page.posts[1].text == "Продолжение"
    # the text element renamed in the post: the reply box's quoted text does not stand in for it
    html_ = render_page(ch, ch.posts[1:2], before=None).replace(
        '<div class="tgme_widget_message_text js-message_text"', '<div class="tgme_widget_message_body"'
    )
    reply_only = parse_page(html_, "mash")
    assert reply_only.posts[0].text == ""  # a photo post: media-only, its quote is not its text

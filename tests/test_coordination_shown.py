"""A story flagged as coordinated posting shows it, with the evidence (channels, window, marks, each seeded
post linked): on its digest card (Markdown, HTML, JSON against the schema, the Telegram bot, PDF's print
HTML), on its story page and in ``/api/stories/{id}`` and ``/api/stories`` — and a story of wire copies
without any mark shows nothing (issue 16 §2)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema

from svodka.digest.compose import DigestOptions, build_digest
from svodka.digest.model import Digest, DigestQuery
from svodka.digest.pdf import render_print_html
from svodka.digest.render import render_html, render_json, render_markdown, render_telegram
from svodka.digest.schema import to_dict
from svodka.model import Channel, ChannelRef, Post, PostAnalysis, StoredPost, Story, StoryMember
from svodka.pipeline.coordination import coordinated_dict, coordination
from svodka.store import Store
from svodka.web.stories_browser import with_coordination
from svodka.web.views import story_page

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 11, 29, 10, 0, tzinfo=UTC)

SEEDED = (
    "🔥 Для тех, у кого инстинкт автосохранения в крови. Геймеры, специально для вас — карта с кешбэком до "
    "30% в играх. Оформить: https://vtb.promo/rushvtb?utm_source=telegram&erid=2VtzqvSBy8B\n\n"
    "Реклама. Банк ВТБ (ПАО), ИНН 7702070139. erid: 2VtzqvSBy8B"
)
WIRE = "Путин посетит с визитом Индию, Москва и Нью-Дели начнут подготовку поездки, сообщил Песков."
CHANNELS = {c: Channel(c, "telegram", f"ch{c}", None, f"Канал {c}") for c in range(1, 6)}


def _story(sid: int, text: str, origin_first: bool) -> Story:
    """Story ``sid``: ``text`` in channels 1–3, 15 minutes apart, the later posts copies of the first."""
    first = sid * 100 + 1
    members = tuple(
        StoryMember(
            StoredPost(
                sid * 100 + c, c, f"ch{c}", sid * 100 + c, T0 + timedelta(minutes=15 * (c - 1)), text,
                f"https://t.me/ch{c}/{sid * 100 + c}",
            ),
            "ru",
            first if origin_first and c > 1 else None,
        )
        for c in (1, 2, 3)
    )  # fmt: skip
    return Story(sid, members, members[0].post.date, members[-1].post.date)


CAMPAIGN = _story(1, SEEDED, origin_first=True)
NEWS = _story(2, WIRE, origin_first=True)


def _digest() -> Digest:
    query = DigestQuery(since=T0, until=T0 + timedelta(days=1), top=10)
    return build_digest(
        [CAMPAIGN, NEWS], query, DigestOptions(channels=CHANNELS, now=T0 + timedelta(hours=3))
    )


def test_the_flag_carries_its_evidence() -> None:
    c = coordination(CAMPAIGN)
    assert c is not None and coordination(NEWS) is None
    assert c.channels == ("ch1", "ch2", "ch3") and c.outlets == 3 and c.only
    assert c.minutes == 30 and c.first == T0 and c.last == T0 + timedelta(minutes=30)
    assert c.marks == ("erid 2vtzqvsby8b", "label", "link vtb.promo/rushvtb")
    assert [p.url for p in c.posts] == [
        "https://t.me/ch1/101",
        "https://t.me/ch2/102",
        "https://t.me/ch3/103",
    ]
    d = coordinated_dict(c)
    assert (
        d is not None
        and d["markers"] == list(c.marks)
        and d["window"]
        == {
            "first": T0,
            "last": T0 + timedelta(minutes=30),
            "minutes": 30,
        }
    )
    assert [link["post_id"] for link in d["links"]] == [101, 102, 103]  # type: ignore[index]
    # a network is one outlet: two of the three channels run as one leave two unrelated outlets
    assert coordination(CAMPAIGN, {1: 9, 2: 9}) is not None
    assert coordination(CAMPAIGN, {1: 9, 2: 9, 3: 9}) is None


def test_the_digest_card_shows_the_flag_in_every_rendering() -> None:
    digest = _digest()
    cards = {it.card.story_id: it.card for it in digest.items}
    assert cards[1].coordinated == coordination(CAMPAIGN) and cards[2].coordinated is None
    md = render_markdown(digest)
    assert (
        "**⚠ Coordinated posting: the same text in 3 unrelated channels within 30 min, sharing "
        "erid 2vtzqvsby8b, label, link vtb.promo/rushvtb; no independent report** "
        "([ch1](https://t.me/ch1/101), [ch2](https://t.me/ch2/102), [ch3](https://t.me/ch3/103))"
    ) in md
    assert md.count("⚠ Coordinated posting") == 1  # the wire story carries no mark
    page = render_html(digest)
    assert page.count('class="card coordinated"') == 1 and "Coordinated posting" in page
    assert '<a href="https://t.me/ch3/103">ch3</a>' in page
    doc = json.loads(render_json(digest))
    jsonschema.validate(doc, json.loads((ROOT / "docs" / "digest-schema.json").read_text()))
    by_story = {it["story_id"]: it["card"] for it in doc["items"]}
    co = by_story[1]["coordinated"]
    assert co["channels"] == ["ch1", "ch2", "ch3"] and co["minutes"] == 30 and co["only"] is True
    assert co["markers"] == ["erid 2vtzqvsby8b", "label", "link vtb.promo/rushvtb"]
    assert co["posts"][0]["url"] == "https://t.me/ch1/101"
    assert co["first_date"] == "2024-11-29T10:00:00+00:00" and by_story[2]["coordinated"] is None
    bot = "\n".join(render_telegram(digest))
    assert bot.count("⚠ <b>Coordinated posting</b>: the same text in 3 unrelated channels within 30 min") == 1
    assert '<a href="https://t.me/ch2/102">ch2</a> 10:15' in bot
    printed = render_print_html(to_dict(digest))
    assert printed.count("evidence coordinated") == 1 and "erid 2vtzqvsby8b" in printed


def _stored(store: Store) -> dict[int, int]:
    """CAMPAIGN and NEWS saved as the pipeline leaves them (the copies' origins in post_analysis); the
    story's id in the store for each."""
    for c in CHANNELS.values():
        store.channels.add(ChannelRef(handle=c.handle))
    stories = (CAMPAIGN, NEWS)
    store.posts.save(
        [
            Post(ChannelRef(handle=m.post.channel), m.post.id, m.post.date, m.post.text)
            for s in stories
            for m in s.members
        ]
    )
    by_handle = {c.handle: c.id for c in store.channels.list()}
    first = store.stories.reserve_ids(len(stories))
    ids: dict[int, int] = {}
    assignments, rows = [], []
    for n, s in enumerate(stories):
        stored = {}
        for m in s.members:
            p = store.posts.by_key(by_handle[m.post.channel], m.post.id)
            assert p is not None
            stored[m.post.id] = p.id
            assignments.append((p.id, first + n, 1.0))
        for m in s.members:
            origin = stored[m.origin_post_id] if m.origin_post_id else None
            rows.append(PostAnalysis(stored[m.post.id], "ru", False, None, m.post.text, n + 1, origin))
        ids[s.id] = first + n
    store.analysis.save(rows)
    store.stories.save(assignments)
    return ids


def test_the_story_page_and_the_api_show_the_flag(store: Store) -> None:
    ids = _stored(store)
    page = story_page(store, ids[1])
    co = page["coordinated"]
    assert co is not None and co["channels"] == ["ch1", "ch2", "ch3"] and co["window"]["minutes"] == 30
    assert co["markers"] == ["erid 2vtzqvsby8b", "label", "link vtb.promo/rushvtb"] and co["only"]
    assert [link["channel"] for link in co["links"]] == ["ch1", "ch2", "ch3"]
    assert story_page(store, ids[2])["coordinated"] is None
    rows = with_coordination(store, [{"id": ids[1]}, {"id": ids[2]}])
    assert rows[0]["coordinated"] == co and rows[1]["coordinated"] is None


def test_the_story_page_partial_shows_the_evidence() -> None:
    from svodka.web.app import environment

    partial = environment().get_template("_coordinated.html")
    page = partial.render(coordinated=coordinated_dict(coordination(CAMPAIGN)), tz="UTC")
    assert "Coordinated posting" in page and "<code>erid 2vtzqvsby8b</code>" in page
    assert page.count('<a href="/posts/') == 3 and "not counted as corroboration" in page
    assert partial.render(coordinated=None).strip() == ""


def test_svodka_story_prints_the_flag_with_its_seeded_posts(store_url: str) -> None:
    """`svodka story ID` (the CLI) prints the campaign below the story's posts; the wire story prints none."""
    from click.testing import CliRunner

    from svodka.cli import cli
    from svodka.store import open_store

    with open_store(store_url) as s:
        ids = _stored(s)
    seeded = CliRunner().invoke(cli, ["--db", store_url, "story", str(ids[1])])
    assert seeded.exit_code == 0, seeded.output
    flag = [line for line in seeded.output.splitlines() if line.startswith("⚠ Coordinated posting: ")]
    assert len(flag) == 1 and "3 unrelated channels" in flag[0] and "erid 2vtzqvsby8b" in flag[0], flag
    assert sum("Канал" in line or " ch" in line for line in seeded.output.splitlines()[-3:]) == 3
    wire = CliRunner().invoke(cli, ["--db", store_url, "story", str(ids[2])])
    assert wire.exit_code == 0 and "oordinated" not in wire.output, wire.output

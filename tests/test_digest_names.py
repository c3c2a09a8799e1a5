"""Issue 14's leftovers: the digest's name in its JSON and as its title, the ``t.me/c`` link as a secondary
citation link, and the web story page stamping changing figures in the digest's time zone.

A real store holds one story of four posts about the dollar's rate: two from a channel whose handle is
known (``t.me/<handle>/<msg>`` opens for anyone), two from channels known only by id (``t.me/c/<id>/<msg>``,
which opens only for a member, in Telegram).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jsonschema
import pytest

from svodka import settings
from svodka.digest import DigestOptions, DigestQuery, build_digest
from svodka.digest.model import Digest
from svodka.digest.render import render_html, render_json, render_markdown, render_telegram
from svodka.errors import ConfigError
from svodka.model import ChannelRef, Post, Story, StoryMember
from svodka.store import Store, open_store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password
from svodka.web.server import running
from test_web_support import PASSWORDS, keep_stories, login

ROOT = Path(__file__).resolve().parents[1]
DAY = datetime(2024, 12, 2, tzinfo=UTC)
PUBLIC_URL = "https://svodka.example.org"
OPEN = ChannelRef(handle="open_rates", title="Открытый курс")
CLOSED = (
    ChannelRef(ext_id="5550001", title="Закрытый курс"),
    ChannelRef(ext_id="5550002", title="Биржа без имени"),
)
TEXTS = (
    "Курс доллара на Мосбирже вырос до 110 рублей впервые с марта 2022 года. "
    "Аналитики связывают ослабление рубля с новыми санкциями против Газпромбанка.",
    "Центробанк установил официальный курс доллара на уровне 109 рублей 58 копеек. "
    "Министерство финансов заявило, что не видит угрозы финансовой стабильности.",
    "Курс доллара на Мосбирже превысил 113 рублей, евро подорожал до 119 рублей. "
    "Крупные банки подняли курсы продажи наличной валюты в отделениях.",
    "Курс юаня на Мосбирже поднялся до 15 рублей 20 копеек. "
    "Экспортёры начали продавать валютную выручку, сообщили участники торгов в Москве.",
)


def _posts() -> list[Post]:
    channels = (OPEN, CLOSED[0], OPEN, CLOSED[1])
    out = []
    for i, (ch, text) in enumerate(zip(channels, TEXTS, strict=True)):
        msg = 200 + i
        url = f"https://t.me/{ch.handle}/{msg}" if ch.handle else f"https://t.me/c/{ch.ext_id}/{msg}"
        out.append(
            Post(
                channel=ch, message_id=msg, date=DAY + timedelta(hours=9, minutes=10 * i), text=text, url=url
            )
        )
    return out


@dataclass
class Env:
    store: Store
    story_id: int
    urls: dict[int, str]  # post id -> its own (Telegram) link


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    store = open_store(tmp_path_factory.mktemp("names") / "names.db")
    store.posts.save(_posts())
    store.users.add("viewer", hash_password(PASSWORDS["viewer"]), "viewer")
    stored = sorted(store.posts.iter(), key=lambda p: p.date)
    members = tuple(StoryMember(p, language="ru") for p in stored)
    keep_stories(store, [Story(id=1, members=members, first_date=stored[0].date, last_date=stored[-1].date)])
    [story] = store.stories.list()
    yield Env(store, story.id, {p.id: p.url or "" for p in stored})
    store.close()


def _digest(env: Env, name: str = "", public_url: str = "") -> Digest:
    since = DAY - timedelta(hours=3)  # midnight in Moscow
    q = DigestQuery(since=since, until=since + timedelta(days=1), tz="Europe/Moscow", name=name)
    return build_digest(env.store, q, DigestOptions(public_url=public_url))


def test_the_json_document_has_the_name_and_the_schema_says_so(env: Env) -> None:
    schema = json.loads((ROOT / "docs" / "digest-schema.json").read_text())
    named = json.loads(render_json(_digest(env, name="Утро: рынки")))
    jsonschema.validate(named, schema)
    assert named["name"] == "Утро: рынки"
    unnamed = json.loads(render_json(_digest(env)))
    jsonschema.validate(unnamed, schema)
    assert unnamed["name"] == "2 December"  # what the period says, in the digest's language and zone (Moscow)
    assert "name" in schema["properties"] and schema["properties"]["name"]["type"] == "string"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**unnamed, "name": 12}, schema)


def test_the_name_is_the_title_of_every_rendering(env: Env) -> None:
    digest = _digest(env, name="Утро: рынки <b>")
    md = render_markdown(digest)
    assert md.startswith(
        "# Утро: рынки &lt;b&gt;\n\nDigest 2024-12-02 00:00 – 2024-12-03 00:00 (Europe/Moscow)\n"
    )
    page = render_html(digest)
    assert "<title>Утро: рынки &lt;b&gt;</title>" in page and "<h1>Утро: рынки &lt;b&gt;</h1>" in page
    assert "Digest 2024-12-02 00:00 – 2024-12-03 00:00 (Europe/Moscow)" in page
    first = render_telegram(digest)[0]
    assert first.startswith(
        "<b>Утро: рынки &lt;b&gt;</b>\n<i>2024-12-02 00:00 – 2024-12-03 00:00 (Europe/Moscow)</i>"
    )


def test_citations_without_a_public_link_carry_the_t_me_c_link_second(env: Env) -> None:
    digest = _digest(env, public_url=PUBLIC_URL)
    [item] = digest.items
    cited = item.summary.cited
    assert {c.url for c in cited} & {u for u in env.urls.values() if "/c/" not in u}, "a public link is cited"
    assert any(c.alt_url for c in cited), "a t.me/c post is cited"
    for c in cited:
        own = env.urls[c.post_id]
        if "/c/" in own:  # no handle: svodka's page first, Telegram's member link second
            assert (c.url, c.alt_url) == (f"{PUBLIC_URL}/posts/{c.post_id}", own)
        else:
            assert (c.url, c.alt_url) == (own, None)
    doc = json.loads(render_json(digest))
    docs = [doc["items"][0]["headline"], *doc["items"][0]["sentences"]]
    assert [(d["url"], d["alt_url"]) for d in docs] == [(c.url, c.alt_url) for c in cited]
    page = render_html(digest)
    alts = re.findall(r'<a class="alt" href="([^"]+)">t\.me</a>', page)
    quoted = [q.alt_url for d in item.differences for q in d.quotes if q.alt_url]  # how the sources differ
    assert alts == [c.alt_url for c in cited if c.alt_url] + quoted
    tg = "\n".join(render_telegram(digest))
    assert all(f'(<a href="{c.alt_url}">t.me</a>)' in tg for c in cited if c.alt_url)
    md = render_markdown(digest)  # Markdown (and the e-mail's text): the t.me/c link second, small
    assert all(f"([t.me]({c.alt_url}))" in md for c in cited if c.alt_url)
    # Without web.public_url nothing changes: the post's own link, no second one.
    assert all(
        c.alt_url is None and c.url == env.urls[c.post_id] for c in _digest(env).items[0].summary.cited
    )


def test_web_config_reads_the_digest_zone() -> None:
    assert WebConfig.from_settings(settings.load(None, {"digest.tz": "Europe/Moscow"})).tz == "Europe/Moscow"
    auto = WebConfig.from_settings(settings.load(None, {}))  # display.tz auto: settled by the language
    assert auto.tz == "auto" and auto.settled("en").tz == "UTC" and auto.settled("ru").tz == "Europe/Moscow"
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        WebConfig.from_settings(settings.load(None, {"digest.tz": "Mars/Olympus"}))


def test_story_page_stamps_changing_figures_in_the_digest_zone(env: Env) -> None:
    with running(create_app(env.store, WebConfig(tz="Europe/Moscow"))) as base:
        viewer: httpx.Client = login(base, "viewer")
        try:
            data = viewer.get(f"/api/stories/{env.story_id}").json()
            page = viewer.get(f"/stories/{env.story_id}").text
        finally:
            viewer.close()
    texts = [data["story"]["headline"], *(s["text"] for s in data["summary"])]
    times = [m for text in texts for m in re.findall(r"\((\d\d:\d\d)\)$", text)]
    assert times, texts
    utc = {(DAY + timedelta(hours=9, minutes=10 * i)).strftime("%H:%M") for i in range(4)}
    moscow = {(DAY + timedelta(hours=12, minutes=10 * i)).strftime("%H:%M") for i in range(4)}
    assert set(times) <= moscow and not set(times) & utc
    assert all(f"({t})" in page for t in times)
    # the story page's citations: a public link as it is; else the post's page here, t.me/c second
    for s in data["summary"]:
        own = env.urls[s["post_id"]]
        assert (s["url"], s["alt_url"]) == ((f"/posts/{s['post_id']}", own) if "/c/" in own else (own, None))
        if s["alt_url"]:
            assert f'<a class="cite alt" href="{s["alt_url"]}">' in page

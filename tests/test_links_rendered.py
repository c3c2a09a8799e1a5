"""Hostile links are never rendered (issue 13 item 4): pages, API answers, digests and the live parsers.

The store holds posts whose ``url``, links and link entities are ``javascript:``, ``data:`` and
`` JaVaScRiPt:`` URLs, written straight through ``store.posts.save`` as an old store or a future importer
might hold them (the import edge, :mod:`svodka.links`, would have refused them). Whatever shows them
filters again with :func:`svodka.links.safe_url`: a link that fails is shown as text, never as a link.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from telethon.tl import types

from conftest import shared
from svodka.digest import DigestQuery, build_digest, save_digest
from svodka.digest.model import Digest
from svodka.digest.render import render_html, render_json, render_markdown, render_telegram, render_text
from svodka.model import ChannelRef, Entity, Post, Story, StoryMember
from svodka.sources.telegram_mtproto import message_to_post
from svodka.sources.telegram_web import parse_page
from svodka.store import Store, open_store
from svodka.web.app import create_app
from svodka.web.auth import hash_password
from svodka.web.server import running
from test_web_support import PASSWORDS, keep_stories, login

JS = "javascript:alert(8)"
DATA = "data:text/html,<script>alert(8)</script>"
MIXED = " JaVaScRiPt:alert(8)"
HOSTILE = (JS, DATA, MIXED)
SAFE = "https://example.org/news/8"
# What a hostile link looks like once written out: as an attribute, a Markdown target or a JSON string.
_BAD = re.compile(r"(?i)\b(javascript|data)\s*:")
DAY = datetime(2024, 12, 2, tzinfo=UTC)
TEXT = (
    "Взрыв на складе боеприпасов в Подмосковье: пострадавших нет, пожар локализован. "
    "Жителей соседних сёл эвакуировали, движение по трассе перекрыто до утра."
)


def _no_hostile(text: str, where: str) -> None:
    """``text`` holds none of the hostile URLs, in any spelling (escaped, as a link or as a value)."""
    for variant in (text, html.unescape(text)):
        found = _BAD.search(variant)
        assert found is None, f"{where}: {variant[max(0, found.start() - 80) : found.end() + 40]!r}"


@dataclass
class Env:
    store: Store
    base: str
    story_id: int
    digest: Digest
    digest_id: int
    old_digest_id: int
    post_ids: list[int]
    channel_ids: list[int]


def _posts() -> list[Post]:
    """Four posts of one story in four channels: three hostile URLs, one safe (which must still link)."""
    out = []
    for i, url in enumerate((*HOSTILE, SAFE)):
        out.append(
            Post(
                channel=ChannelRef(handle=f"hostile_links_{i}", title=f"Hostile {i}"),
                message_id=100 + i,
                date=DAY + timedelta(hours=9, minutes=10 * i),
                text=TEXT if i == 0 else f"{TEXT} Сообщение {i}.",
                entities=(Entity("text_link", "пожар", HOSTILE[i % 3]), Entity("url", url, url)),
                links=(url, *HOSTILE),
                url=url,
                views=1000 + i,
            )
        )
    return out


def _old_digest(digest: Digest) -> Digest:
    """``digest`` as an older version might have stored it: each link hostile but one, which is safe."""
    items = []
    for it in digest.items:
        s = it.summary
        cite = s.sentences[0]
        summary = replace(
            s,
            headline=replace(s.headline, url=DATA),
            sentences=(replace(cite, url=SAFE), replace(cite, url=JS), *s.sentences[1:]),
        )
        items.append(replace(it, summary=summary, card=replace(it.card, first_url=MIXED)))
    return replace(digest, items=tuple(items))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    store = open_store(tmp_path_factory.mktemp("links") / "links.db")
    store.posts.save(_posts())
    for role in ("viewer",):
        store.users.add(role, hash_password(PASSWORDS[role]), role)
    stored = [p for p in store.posts.iter() if p.text.startswith(TEXT[:20])]
    assert len(stored) == 4 and {p.url for p in stored} == {*HOSTILE, SAFE}  # kept as given: the bypass
    members = tuple(StoryMember(p, language="ru") for p in sorted(stored, key=lambda p: p.date))
    story = Story(id=1, members=members, first_date=members[0].post.date, last_date=members[-1].post.date)
    keep_stories(store, [story])
    [story] = store.stories.list()
    digest = build_digest(store, DigestQuery(since=DAY, until=DAY + timedelta(days=1)))
    assert digest.items, "the digest has the story"
    digest = save_digest(store, digest)
    old = save_digest(store, _old_digest(digest))
    with running(create_app(store)) as base:
        yield Env(
            store=store,
            base=base,
            story_id=story.id,
            digest=digest,
            digest_id=digest.id or 0,
            old_digest_id=old.id or 0,
            post_ids=[p.id for p in stored],
            channel_ids=sorted({p.channel_id for p in stored}),
        )
    store.close()


@pytest.fixture(scope="module")
def viewer(env: Env) -> Iterator[httpx.Client]:
    c = login(env.base, "viewer")
    yield c
    c.close()


def _pages(env: Env) -> list[str]:
    did, old, sid = env.digest_id, env.old_digest_id, env.story_id
    return [
        *(f"/posts/{i}" for i in env.post_ids),
        *(f"/channels/{c}" for c in env.channel_ids),
        "/search?q=%D0%92%D0%B7%D1%80%D1%8B%D0%B2",  # "Взрыв"
        f"/stories/{sid}",
        "/trending?hours=336",
        "/",
        "/digests",
        f"/digests/{did}",
        f"/digests/{old}",
    ]


def _api(env: Env) -> list[str]:
    did, old, sid = env.digest_id, env.old_digest_id, env.story_id
    return [
        "/api/posts?limit=50",
        *(f"/api/posts/{i}" for i in env.post_ids),
        *(f"/api/channels/{c}" for c in env.channel_ids),
        "/api/search?q=%D0%92%D0%B7%D1%80%D1%8B%D0%B2",
        "/api/stories",
        f"/api/stories/{sid}",
        "/api/stories/trending?hours=336",
        f"/api/digests/{did}",
        f"/api/digests/{old}",
        f"/digests/{did}?format=json",
        f"/digests/{old}?format=json",
        f"/stories/{sid}?format=json",
        f"/posts/{env.post_ids[0]}?format=json",
    ]


def test_no_page_links_a_hostile_url(env: Env, viewer: httpx.Client) -> None:
    for path in _pages(env):
        r = viewer.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        _no_hostile(r.text, path)
    # The safe one still links, and the hostile posts still show (their text, with no source link).
    safe_id = env.post_ids[3]
    assert f'href="{SAFE}"' in viewer.get(f"/posts/{safe_id}").text
    hostile = viewer.get(f"/posts/{env.post_ids[0]}").text
    assert "Взрыв на складе" in hostile and "source" not in hostile.split("<p class")[0].split("meta")[-1]
    old = viewer.get(f"/digests/{env.old_digest_id}").text
    assert f'href="{SAFE}"' in old  # the safe cite links
    assert f'href="/posts/{env.digest.items[0].summary.headline.post_id}"' in old  # a bad cite: the post


def test_no_api_answer_holds_a_hostile_url(env: Env, viewer: httpx.Client) -> None:
    for path in _api(env):
        r = viewer.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        _no_hostile(r.text, path)
    posts = viewer.get("/api/posts?limit=50").json()["posts"]
    urls = {p["id"]: p["url"] for p in posts}
    assert [urls[i] for i in env.post_ids] == [None, None, None, SAFE]
    old = viewer.get(f"/api/digests/{env.old_digest_id}").json()["digest"]
    assert old["items"] and all(it["card"]["first_url"] is None for it in old["items"])
    assert all(it["headline"]["url"] is None for it in old["items"])


def test_no_digest_rendering_holds_a_hostile_url(env: Env) -> None:
    for digest in (env.digest, _old_digest(env.digest)):
        outputs = {
            "html": render_html(digest),
            "markdown": render_markdown(digest),
            "telegram": "\n".join(render_telegram(digest)),
            "json": render_json(digest),
            "text": render_text(digest, sentences=True),
        }
        for name, out in outputs.items():
            _no_hostile(out, name)
    doc = orjson.loads(render_json(env.digest))
    first = env.store.posts.get(env.post_ids[0])
    assert first.url == JS and doc["items"][0]["card"]["first_url"] is None  # compose filtered it
    # A hostile cite is the channel's name as text; the safe one links (Markdown, Telegram, HTML).
    old = _old_digest(env.digest)
    headline, cite = old.items[0].summary.headline, old.items[0].summary.sentences[0]
    markdown, telegram = render_markdown(old), "\n".join(render_telegram(old))
    assert f"({headline.channel.replace('_', chr(92) + '_')})" in markdown
    assert f"[{cite.channel.replace('_', chr(92) + '_')}]({SAFE})" in markdown
    assert f"</b> — {html.escape(headline.channel)}\n" in telegram and f'<a href="{SAFE}">' in telegram
    assert f'<a href="{SAFE}">' in render_html(old) and SAFE in render_json(old)


# --- the live parsers ----------------------------------------------------------------------------------
def test_tme_page_with_hostile_links_stores_none(tmp_path: Path) -> None:
    real = next(Path(shared("tme_s_html_sample")).glob("*.html")).read_text(encoding="utf-8")
    preview = "http://chnly.pro/file/cf505ef9a0ef41d58507cb544ecb0478"  # message 1495's link preview
    for href in ("https://vk.cc/atoy0q", "http://mycointainer.com/", preview):
        assert f'href="{href}"' in real  # the real markup this test edits
    page_html = (
        real.replace('href="https://vk.cc/atoy0q"', f'href="{JS}"')  # 1501's text link
        .replace('href="http://mycointainer.com/"', f'href="{html.escape(MIXED)}"')
        .replace(f'href="{preview}"', f'href="{html.escape(DATA)}"')
        .replace('href="https://t.me/Levelller"', 'href="java&#9;script:alert(8)"')  # a mention
    )
    page = parse_page(page_html, "xCareers", seen_at=datetime(2020, 5, 4, tzinfo=UTC))
    posts = {p.message_id: p for p in page.posts}
    assert len(posts) == 19
    assert "этого списка" in posts[1501].text  # the link's words stay, as text
    assert not any(e.text == "этого списка" for e in posts[1501].entities)
    assert not any(u.startswith("http://chnly.pro") for u in posts[1495].links)  # its preview's link
    for post in page.posts:  # what collection stores
        _no_hostile(orjson.dumps([e.url for e in post.entities if e.url]).decode(), f"{post.message_id}")
    with open_store(tmp_path / "live.db") as store:
        store.posts.save(page.posts)
        stored = list(store.posts.iter())
        assert len(stored) == 19
        for p in stored:
            _no_hostile(orjson.dumps([*p.links, p.url]).decode(), f"stored t.me post {p.message_id}")
        kept = {p.message_id: p.links for p in stored}
        assert kept[1497] == kept[1498] == ()  # their one link was the hostile one
        assert "https://t.me/joinchat/AAAAAEkfWVr3qi4qft2QOQ" in kept[1501]  # the good links are kept
        assert kept[1503][0] == "http://chnly.pro/file/213d13d73f3e46e08546878c9d3a205f"


def test_mtproto_message_with_hostile_links_keeps_none() -> None:
    text = "Смотрите тут и там: javascript:alert(8) подробнее"
    at = text.index("тут")
    raw = text.index("javascript")
    msg = types.Message(
        id=1,
        peer_id=types.PeerChannel(1101170442),
        date=DAY,
        message=text,
        entities=[
            types.MessageEntityTextUrl(offset=at, length=3, url=MIXED),
            types.MessageEntityTextUrl(offset=text.index("там"), length=3, url=SAFE),
            types.MessageEntityUrl(offset=raw, length=len("javascript:alert(8)")),
        ],
        media=types.MessageMediaWebPage(webpage=types.WebPage(id=1, url=DATA, display_url="x", hash=0)),
        post=True,
    )
    post = message_to_post(msg, ChannelRef(handle="rian_ru"))
    assert post is not None
    assert post.links == (SAFE,)
    assert Entity("text_link", "там", SAFE) in post.entities
    assert [e.url for e in post.entities if e.text == "тут"] == [None]  # the words stay, not the link
    _no_hostile(orjson.dumps([e.url for e in post.entities if e.url]).decode(), "mtproto entities")

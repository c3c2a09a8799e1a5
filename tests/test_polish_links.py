"""A channel is named by its title wherever a digest or the web app shows it, even once its handle is learned
(issue 14 §4: «Банкста», not «banksta»), and a quote of "how sources differ" is linked as a citation is: with
``web.public_url``, a post whose own link does not open (``t.me/c``) points to its page in svodka's web app
with the ``t.me/c`` link second, in every rendering. Real posts: gold story s132 of stories_dev (Biden's
pardon of his son, 2024-11-30), whose sources differ in the names they give; Банкста's handle is learned from
its own footers, BBC Russian's is not in the day.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from conftest import shared
from svodka.digest import DigestOptions, DigestQuery, build_digest
from svodka.digest.deliver import build_email
from svodka.digest.docx import render_docx
from svodka.digest.model import Digest
from svodka.digest.pdf import render_print_html
from svodka.digest.render import render_html, render_markdown, render_telegram
from svodka.digest.schema import to_dict
from svodka.ingest import import_file
from svodka.model import Story, StoryMember
from svodka.pipeline.handles import learn_store_handles
from svodka.store import Store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password
from svodka.web.server import running
from test_web_support import PASSWORDS, keep_stories, login

PUBLIC_URL = "https://svodka.example.org"
DAY = datetime(2024, 11, 30, tzinfo=UTC)
GOLD_STORY = "s132"


@pytest.fixture
def day(store: Store) -> Store:
    data = shared("stories_dev")
    import_file(store, data / "posts_2024-11-30.jsonl")
    learned = {h.handle for h in learn_store_handles(store.channels, store.posts)}
    assert "banksta" in learned
    keys = [
        r["key"]
        for r in map(json.loads, (data / "stories_2024-11-30.jsonl").open(encoding="utf-8"))
        if r["story"] == GOLD_STORY
    ]
    by_ext = {c.ext_id: c.id for c in store.channels.list()}
    posts = []
    for key in keys:
        sender, msg = key.rsplit(":", 1)
        post = store.posts.by_key(by_ext[sender.removeprefix("-100")], int(msg))
        assert post is not None
        posts.append(post)
    posts.sort(key=lambda p: (p.date, p.id))
    members = tuple(StoryMember(p, language="ru") for p in posts)
    story = Story(id=1, members=members, first_date=members[0].post.date, last_date=members[-1].post.date)
    keep_stories(store, [story])
    store.users.add("viewer", hash_password(PASSWORDS["viewer"]), "viewer")
    return store


def _digest(store: Store, public_url: str = PUBLIC_URL) -> Digest:
    q = DigestQuery(since=DAY, until=DAY + timedelta(days=1), tz="Europe/Moscow")
    return build_digest(store, q, DigestOptions(public_url=public_url))


def _story_page(store: Store) -> str:
    """``/stories/1`` as the viewer sees it, from a running app."""
    with running(create_app(store, WebConfig(tz="Europe/Moscow"))) as base:
        viewer = login(base, "viewer")
        try:
            return viewer.get("/stories/1").text
        finally:
            viewer.close()


def test_a_channel_with_a_learned_handle_is_shown_by_its_title(day: Store) -> None:
    banksta = next(c for c in day.channels.list() if c.handle == "banksta")
    assert banksta.title == "Банкста"
    digest = _digest(day)
    [item] = digest.items
    names = {c.channel for c in item.summary.cited} | set(item.card.channels)
    names |= {q.channel for d in item.differences for q in d.quotes}
    assert "Банкста" in names and "banksta" not in names, names
    assert all(not line.startswith("banksta") for line in digest.credibility)
    md = render_markdown(digest)
    tg = "\n".join(render_telegram(digest))
    doc = to_dict(digest)
    docx = zipfile.ZipFile(io.BytesIO(render_docx(digest))).read("word/document.xml").decode()
    for text in (
        md,
        render_html(digest),
        tg,
        render_print_html(doc),
        docx,
        json.dumps(doc, ensure_ascii=False),
    ):
        assert "Банкста" in text
        assert ">banksta<" not in text and "[banksta]" not in text and '"banksta"' not in text
    # the stories browser and the story page name it alike
    assert {m.post.channel for m in day.browse.members([1])[1]} >= {"Банкста"}
    page = _story_page(day)
    assert "Банкста" in page and "[banksta]" not in page and ">banksta<" not in page


def test_a_differences_quote_has_the_second_link_a_citation_has(day: Store) -> None:
    digest = _digest(day)
    [item] = digest.items
    quotes = [q for d in item.differences for q in d.quotes]
    assert quotes
    paged = [q for q in quotes if q.alt_url]
    assert paged, quotes
    for q in quotes:
        post = day.posts.get(q.post_id)
        if post.url and "/c/" in post.url:
            assert (q.url, q.alt_url) == (f"{PUBLIC_URL}/posts/{q.post_id}", post.url)
        else:  # t.me/banksta/… opens by itself: no second link
            assert (q.url, q.alt_url) == (post.url, None)
    md = render_markdown(digest)
    page = render_html(digest)
    tg = "\n".join(render_telegram(digest))
    doc = to_dict(digest)
    print_html = render_print_html(doc)
    mail = build_email(digest, ["editor@example.org"], "svodka@example.org")
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    mail_html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    differences_md = md.split("How sources differ:", 1)[1].split("<sub>", 1)[0]
    for q in paged:
        name = q.channel.replace("|", "|")
        assert f"[{name}]({q.url}) ([t.me]({q.alt_url}))" in differences_md
        assert f"[{name}]({q.url}) ([t.me]({q.alt_url}))" in text
        for html in (page, mail_html):
            assert f'<a href="{q.url}">{q.channel}</a> <a class="alt" href="{q.alt_url}">t.me</a>' in html
        assert f'{q.channel}</a> (<a href="{q.alt_url}">t.me</a>)' in tg
        assert f'<a href="{q.url}">{q.channel}</a> (<a href="{q.alt_url}">t.me</a>)' in print_html
    json_quotes = [q for d in doc["items"][0]["differences"] for q in d["quotes"]]
    assert [(q["url"], q.get("alt_url")) for q in json_quotes] == [(q.url, q.alt_url) for q in quotes]
    # without a public address a quote keeps its own link, and nothing comes second
    plain = _digest(day, "")
    assert all(q.alt_url is None for d in plain.items[0].differences for q in d.quotes)


def test_the_story_pages_differences_link_the_post_here_and_on_telegram(day: Store) -> None:
    digest = _digest(day, "")
    quote = next(q for d in digest.items[0].differences for q in d.quotes if q.url and "/c/" in q.url)
    page = _story_page(day)
    section = page.split('<section class="differences">', 1)[1].split("</section>", 1)[0]
    assert f'href="/posts/{quote.post_id}"' in section
    assert f'<a class="cite alt" href="{quote.url}"><small>t.me</small></a>' in section

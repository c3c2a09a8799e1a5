"""Citations that open (issue 14 §4), end to end on the bundled day's real posts: BBC Russian's handle is
learned from its links to its own posts, RIA's is not in the day; with ``web.public_url`` every rendering
(Markdown, HTML, Telegram, JSON, the PDF's print HTML, DOCX, the e-mail's text and HTML parts) links a RIA
citation to the post's page in svodka's web app with the ``t.me/c`` link second, a BBC citation to
``t.me/bbcrussian/<msg>`` alone, and the web app's page of that post exists and carries the ``t.me/c`` link.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

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
from svodka.pipeline.summarize import Cited
from svodka.store import Store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password
from svodka.web.server import running
from test_web_support import PASSWORDS, keep_stories, login

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"
PUBLIC_URL = "https://svodka.example.org"
DAY = datetime(2024, 12, 2, tzinfo=UTC)
# The dispersal in Tbilisi, as the two channels reported it on 2 December 2024
BBC = "BBC News | Русская служба"
TBILISI = {BBC: (73629, 73647, 73651), "РИА Новости": (271347, 271410, 271415)}


def _digest(store: Store, public_url: str) -> Digest:
    q = DigestQuery(since=DAY, until=DAY + timedelta(days=1), tz="Europe/Moscow")
    return build_digest(store, q, DigestOptions(public_url=public_url))


@pytest.fixture
def day(store: Store) -> Store:
    import_file(store, SAMPLE)
    learned = {h.handle for h in learn_store_handles(store.channels, store.posts)}
    assert "bbcrussian" in learned
    titles = {c.title: c.id for c in store.channels.list()}
    posts = sorted(
        (store.posts.by_key(titles[ch], msg) for ch, ids in TBILISI.items() for msg in ids),
        key=lambda p: p.date if p else DAY,
    )
    members = tuple(StoryMember(p, language="ru") for p in posts if p is not None)
    assert len(members) == 6
    story = Story(id=1, members=members, first_date=members[0].post.date, last_date=members[-1].post.date)
    keep_stories(store, [story])
    store.users.add("viewer", hash_password(PASSWORDS["viewer"]), "viewer")
    return store


def _cited(digest: Digest) -> list[Cited]:
    [item] = digest.items
    return list(item.summary.cited)


def test_every_rendering_links_a_citation_that_opens(day: Store) -> None:
    digest = _digest(day, PUBLIC_URL)
    cited = _cited(digest)
    by_channel = {c.channel for c in cited}
    assert BBC in by_channel and "РИА Новости" in by_channel, by_channel  # by title, not the handle learned
    for c in cited:
        post = day.posts.get(c.post_id)
        if c.channel == BBC:
            assert (c.url, c.alt_url) == (f"https://t.me/bbcrussian/{post.message_id}", None)
        else:
            assert (c.url, c.alt_url) == (f"{PUBLIC_URL}/posts/{c.post_id}", post.url)
            assert post.url == f"https://t.me/c/1101170442/{post.message_id}"
    pages = [c for c in cited if c.alt_url]
    md = render_markdown(digest)
    page = render_html(digest)
    tg = "\n".join(render_telegram(digest))
    doc = to_dict(digest)
    print_html = render_print_html(doc)
    docx = zipfile.ZipFile(io.BytesIO(render_docx(digest))).read("word/_rels/document.xml.rels").decode()
    mail = build_email(digest, ["editor@example.org"], "svodka@example.org")
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    mail_html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for c in pages:
        assert f"[РИА Новости]({c.url}) ([t.me]({c.alt_url}))" in md
        assert f"[РИА Новости]({c.url}) ([t.me]({c.alt_url}))" in text
        for html in (page, mail_html):
            assert f'href="{c.url}"' in html and f'<a class="alt" href="{c.alt_url}">t.me</a>' in html
        assert f'<a href="{c.url}">РИА Новости</a> (<a href="{c.alt_url}">t.me</a>)' in tg
        assert f'(<a href="{c.alt_url}">{c.alt_url}</a>)' in print_html
        assert f'Target="{c.url}"' in docx and f'Target="{c.alt_url}"' in docx
    json_cited = [doc["items"][0]["headline"], *doc["items"][0]["sentences"]]
    assert [(d["url"], d.get("alt_url")) for d in json_cited] == [(c.url, c.alt_url) for c in cited]
    for c in cited:
        if not c.alt_url:  # a citation that opens by itself has no second link anywhere
            assert f"[{BBC}]({c.url})" in md and f"[{BBC}]({c.url}) ([t.me]" not in md


def test_the_web_apps_page_of_a_cited_post_opens(day: Store) -> None:
    pages = [c for c in _cited(_digest(day, PUBLIC_URL)) if c.alt_url]
    assert pages
    with running(create_app(day, WebConfig(tz="Europe/Moscow"))) as base:
        viewer = login(base, "viewer")
        try:
            for c in pages:
                r = viewer.get(c.url.removeprefix(PUBLIC_URL))  # type: ignore[union-attr]
                assert r.status_code == 200 and f'href="{c.alt_url}"' in r.text
        finally:
            viewer.close()


def test_without_a_public_address_a_citation_keeps_its_own_link(day: Store) -> None:
    cited = _cited(_digest(day, ""))
    assert all(c.alt_url is None for c in cited)
    assert {c.url.split("/")[3] for c in cited if c.url} == {"bbcrussian", "c"}
    assert "([t.me](" not in render_markdown(_digest(day, ""))

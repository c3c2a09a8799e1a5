"""The story page's HTML is kept per store state (svodka.web.framework.Renderer.html, a View's ``kept``): a
repeated request renders no template, another user of the same role gets the same page with their own name
and CSRF token, and what changes the page — a post that joins, an edit, an analyst's correction and "not
news", a channel's new tier and handle, the page's language (asked or chosen), the page of the timeline, the
asker's role — is on the next request, byte for byte the page an app that keeps nothing renders.

The story is the bundled day's Tbilisi dispersal, as tests/test_web_story_cache.py builds it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
from jinja2 import Template

from svodka.process.corrections import detach_post, mark_not_news
from svodka.store import Store, open_store
from svodka.web import views
from svodka.web.app import create_app
from svodka.web.auth import hash_password
from svodka.web.server import running
from svodka.web.story_model import Memo
from test_web_story_cache import LATER, NIGHT, _import, _lines, _place
from test_web_support import PASSWORDS, login

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NAME = "o'brien<2>"  # another analyst, whose name the page escapes


class Pages:
    """One story's page from the app under test and from one that keeps no page, and the story.html renders
    each request of the first one made."""

    def __init__(self, kept: str, fresh: str, story_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kept, self.fresh, self.path = kept, fresh, f"/stories/{story_id}"
        self.renders = 0
        render = Template.render

        def counted(template: Template, *args: Any, **kwargs: Any) -> str:
            self.renders += template.name == "story.html"
            return render(template, *args, **kwargs)

        monkeypatch.setattr(Template, "render", counted)

    def get(self, client: httpx.Client, query: str = "") -> tuple[str, int]:
        """The page as ``client`` gets it, and how many times story.html was rendered for it."""
        before = self.renders
        r = client.get(self.kept + self.path + query)
        assert r.status_code == 200
        return r.text, self.renders - before

    def afresh(self, client: httpx.Client, query: str = "") -> str:
        """The page rendered now (the same session, so the same token and name) by the app keeping none."""
        r = client.get(self.fresh + self.path + query)
        assert r.status_code == 200
        return r.text

    def check(self, client: httpx.Client, query: str = "") -> str:
        """The page, which must be rendered for this request (something changed), be the page rendered
        afresh, carry ``client``'s own CSRF token, and be answered as it is by the next request."""
        shown, rendered = self.get(client, query)
        assert rendered == 1 and shown == self.afresh(client, query)
        assert set(CSRF.findall(shown)) == {client.csrf}  # type: ignore[attr-defined]
        assert self.get(client, query) == (shown, 0)
        return shown


def one_thread(app: Any) -> Any:
    """``app`` run by one worker thread: the SQLite stamp moves when a thread opens its reader (it cannot
    tell what was committed before), so a page is found kept on the next request, not after each of the
    pool's threads has looked once."""

    async def served(scope: Any, receive: Any, send: Any) -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1
        await app(scope, receive, send)

    return served


@pytest.fixture
def servers(store: Store) -> Iterator[tuple[str, str]]:
    """The app under test, and one that keeps no rendered page over the same database (opened again, as
    another process opens it: its threads' readers are not the tested store's)."""
    again = open_store(store.url)
    fresh = create_app(again)
    fresh.state.renderer.kept = Memo(0)  # each page computed and dropped at once
    try:
        with running(one_thread(create_app(store))) as kept, running(fresh) as other:
            yield kept, other
    finally:
        again.close()


def test_a_kept_story_page_shows_every_change_and_each_askers_own_parts(
    store: Store, servers: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    night_keys = [(ch, m) for ch, ms in NIGHT.items() for m in ms]
    _import(store, _lines({*night_keys, LATER}), tmp_path / "tbilisi.jsonl")
    sid = store.stories.reserve_ids(1)
    ids = _place(store, sid, night_keys)
    for name in ("analyst", "viewer"):
        store.users.add(name, hash_password(PASSWORDS[name]), name)
    second = store.users.add(NAME, hash_password(PASSWORDS["analyst"]), "analyst")
    monkeypatch.setattr(views, "STORY_PAGE_SIZE", 4)  # the 9 reports: three pages of the timeline
    analyst, viewer = login(servers[0], "analyst"), login(servers[0], "viewer")
    other = login(servers[0], NAME, PASSWORDS["analyst"])
    pages = Pages(*servers, sid, monkeypatch)
    # A user's first view keeps the story read: a commit, so the next page is rendered under the new state.
    for client in (analyst, other, viewer):  # the viewer last: the analysts' page is not kept under it
        pages.get(client)

    first = pages.check(analyst)
    assert (
        'class="timeline"' in first
        and 'action="/marks"' in first
        and '<a href="/account">analyst</a>' in first
    )

    # Another analyst: the same page, not rendered again, with their own token and (escaped) name.
    shown, rendered = pages.get(other)
    assert rendered == 0 and shown == pages.afresh(other) and set(CSRF.findall(shown)) == {other.csrf}  # type: ignore[attr-defined]
    assert '<a href="/account">o&#39;brien&lt;2&gt;</a>' in shown
    assert CSRF.sub("", shown).replace("o&#39;brien&lt;2&gt;", "analyst") == CSRF.sub("", first)

    # A viewer: the page without the analyst's parts, kept beside the analysts' one since the viewer's view.
    shown, rendered = pages.get(viewer)
    assert rendered == 0 and shown == pages.afresh(viewer) and set(CSRF.findall(shown)) == {viewer.csrf}  # type: ignore[attr-defined]
    assert 'action="/marks"' not in shown and 'class="timeline"' in shown

    # The page's language, asked for, and chosen on the account page; another page of the timeline.
    assert "Хронология" in pages.check(analyst, "?lang=ru")
    store.interface.set_user_language(second.id, "ru")
    assert "Хронология" in pages.check(other) and "Хронология" not in pages.get(analyst)[0]
    page2 = pages.check(analyst, "?page=2")
    assert page2 != first and pages.check(analyst, "?page=2&lang=ru") != page2

    # A post joins the story.
    (joined,) = _place(store, sid, [LATER])
    assert "10 reports" in pages.check(analyst)
    assert f'href="/posts/{joined}"' in pages.check(viewer, "?page=3")  # the latest: on the last page

    # An edit of a member's text.
    (row,) = _lines({night_keys[0]})
    edited = "Полиция Тбилиси задержала сорок участников акции у парламента Грузии, сообщило МВД Грузии."
    _import(store, [{**row, "text": edited, "edit_date": "2024-12-02T12:00:00+00:00"}], tmp_path / "e.jsonl")
    assert edited in pages.check(analyst)

    # An analyst's corrections: a post taken out of the story, another marked not news.
    detach_post(store, ids[2], "analyst")
    assert "9 reports" in pages.check(analyst)
    assert all(f'href="/posts/{ids[2]}"' not in pages.check(viewer, f"?page={n}") for n in (1, 2, 3))
    mark_not_news(store, "post", ids[1], "analyst")
    assert "8 reports" in pages.check(analyst)
    assert all(f'href="/posts/{ids[1]}"' not in pages.check(viewer, f"?page={n}") for n in (1, 2))

    # A channel's new tier and new handle.
    channel = store.posts.get(ids[0]).channel_id
    store.channels.set_tier(channel, 1)
    table = pages.check(analyst).split('class="channels"')[1]
    assert "<td>1</td>" in re.search(rf'<a href="/channels/{channel}">.*?</tr>', table, re.S).group(0)  # type: ignore[union-attr]
    store.channels.set_handle(channel, "tbilisi_kept_test")
    assert "tbilisi_kept_test" in pages.check(analyst)

    # The viewer becomes an analyst: their next page has the analyst's parts.
    store.users.set_role("viewer", "analyst")
    assert 'action="/marks"' in pages.check(viewer)

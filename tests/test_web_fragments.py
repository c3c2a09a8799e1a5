"""The story page's rendered parts (svodka.web.fragments): its provenance, channel table, timeline and the
corrections part's list of posts are rendered once per distinct input — a repeated request renders none of
them — and what changes the story (a post that joins, an edit, an analyst's "not news", a channel's new tier)
is on the next page, byte for byte the page rendered without the kept parts.

The story is the bundled day's Tbilisi dispersal, as tests/test_web_story_cache.py builds it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from svodka.process.corrections import mark_not_news
from svodka.store import Store
from svodka.web import fragments, story_model
from svodka.web.app import create_app
from svodka.web.auth import hash_password
from svodka.web.server import running
from svodka.web.story_model import Memo
from test_web_story_cache import LATER, NIGHT, _import, _lines, _place
from test_web_support import PASSWORDS, login


class Rendering:
    """Counts the parts rendered (a miss of the kept parts) while serving one story's page."""

    def __init__(self, client: httpx.Client, story_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
        self.client, self.path = client, f"/stories/{story_id}"
        self.kept: Memo[object] = Memo(fragments.CACHED_FRAGMENTS)
        monkeypatch.setattr(fragments, "RENDERED", self.kept)
        for memo in ("SUMMARIES", "EVIDENCE"):  # this test's own: other tests count what theirs compute
            monkeypatch.setattr(story_model, memo, Memo(story_model.CACHED_STORIES))

    def get(self, query: str = "") -> tuple[str, int]:
        """The page (its CSRF tokens, one per session, left out) and how many parts were rendered for it."""
        before = len(self.kept._data)
        r = self.client.get(self.path + query)
        assert r.status_code == 200
        return re.sub(r'name="csrf_token" value="[^"]+"', "", r.text), len(self.kept._data) - before

    def afresh(self, query: str = "") -> str:
        """The page with no part kept: everything rendered now."""
        self.kept.clear()
        return self.get(query)[0]


def test_the_story_pages_parts_are_rendered_once_and_show_every_change(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    night_keys = [(ch, m) for ch, ms in NIGHT.items() for m in ms]
    _import(store, _lines({*night_keys, LATER}), tmp_path / "tbilisi.jsonl")
    sid = store.stories.reserve_ids(1)
    ids = _place(store, sid, night_keys)
    store.users.add("analyst", hash_password(PASSWORDS["analyst"]), "analyst")
    with running(create_app(store)) as base:
        page = Rendering(login(base, "analyst"), sid, monkeypatch)
        first, rendered = page.get()
        assert rendered == 4  # provenance, channels, timeline, the corrections' posts
        assert 'class="timeline"' in first and 'class="channels"' in first and "<option value=" in first
        assert page.get() == (first, 0)  # the same page, nothing rendered again
        ru, rendered = page.get("?lang=ru")
        assert rendered == 4 and "Хронология" in ru and ru == page.afresh("?lang=ru")
        assert page.get("?lang=ru") == (ru, 0)

        # A post joins the story: the next page shows it in the timeline and in the corrections' choice.
        (joined,) = _place(store, sid, [LATER])
        shown, rendered = page.get()
        assert rendered == 4 and shown.count(f'<option value="{joined}">') == 3
        assert f'href="/posts/{joined}"' in shown.split('class="timeline"')[1]
        assert shown == page.afresh()

        # An edit of a member's text: the timeline shows the new text.
        (row,) = _lines({night_keys[0]})
        edited = "Полиция Тбилиси задержала сорок участников акции у парламента Грузии, сообщило МВД Грузии."
        _import(
            store, [{**row, "text": edited, "edit_date": "2024-12-02T12:00:00+00:00"}], tmp_path / "e.jsonl"
        )
        shown, rendered = page.get()
        assert rendered >= 1 and edited in shown.split('class="timeline"')[1] and shown == page.afresh()

        # An analyst marks a post not news: the page leaves it out at once, everywhere.
        mark_not_news(store, "post", ids[1], "analyst")
        shown, rendered = page.get()
        assert rendered == 4 and f'href="/posts/{ids[1]}"' not in shown and shown == page.afresh()

        # A channel's new tier: the channel table says it on the next page.
        channel = store.posts.get(ids[0]).channel_id
        store.channels.set_tier(channel, 1)
        shown, rendered = page.get()
        row_html = re.search(
            rf'<a href="/channels/{channel}">.*?</tr>', shown.split('class="channels"')[1], re.S
        )
        assert rendered >= 1 and row_html and "<td>1</td>" in row_html.group(0)
        assert shown == page.afresh() and page.get() == (shown, 0)

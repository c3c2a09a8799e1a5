"""The stories browser counts a story as its page does, on every backend: without the posts analysts marked
not news (a story with only some marked keeps the rest), and with a channel network as one independent
source (svodka.pipeline.credibility.independent_units, as the digest card counts)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from svodka.digest.compose import load_stories
from svodka.ingest import import_file
from svodka.process import corrections, process
from svodka.settings import defaults
from svodka.store import Store
from svodka.web import views
from svodka.web.stories_browser import BrowseParams, stories_view
from test_corrections_merges import OFFENSIVE, Keywords, write

EPOCH, END = datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
ALL = BrowseParams(hours=0, min_posts=1)


def three_channels(store: Store, tmp_path: Path) -> int:
    """One story of three posts on Aleppo, each of its own channel; its id."""
    posts = [(1, "08:00", OFFENSIVE[0]), (2, "08:10", OFFENSIVE[1]), (3, "08:20", OFFENSIVE[2])]
    import_file(store, write(tmp_path / "posts.jsonl", posts), fmt="jsonl")
    process(store, dict(defaults(pipeline__sem_floor=0.0).items()), embedder=Keywords())
    (story,) = load_stories(store, EPOCH, END)
    assert len(story.members) == 3 and len(story.channels) == 3
    return story.id


def row(store: Store, story: int, params: BrowseParams = ALL) -> dict[str, Any]:
    (found,) = [r for r in stories_view(store, params, 50)["stories"] if r["id"] == story]
    return found


def figures(data: dict[str, Any]) -> tuple[int, int, int]:
    return data["posts"], data["channels"], data["independent"]


def test_a_partly_marked_story_counts_the_same_in_the_browser_and_on_its_page(
    store: Store, tmp_path: Path
) -> None:
    sid = three_channels(store, tmp_path)
    first, *_rest = store.stories.get(sid).members
    assert figures(row(store, sid)) == figures(views.story_page(store, sid)["story"]) == (3, 3, 3)
    mark = corrections.mark_not_news(store, "post", first.post.id, "ann")
    listed, page = row(store, sid), views.story_page(store, sid)
    assert figures(listed) == figures(page["story"]) == (2, 2, 2)  # the digest's figures too
    assert listed["first"]["post_id"] == page["first"]["id"] != first.post.id  # the first reporter left
    assert listed["first_date"] == page["story"]["first_date"] > first.post.date
    assert sum(h["posts"] for h in listed["hourly"]) == 2
    (digest,) = corrections.without_not_news(store, load_stories(store, EPOCH, END))
    assert len(digest.members) == 2
    # the filters test the figures counted: two posts and two channels now
    assert not [r for r in stories_view(store, BrowseParams(hours=0, min_posts=3), 50)["stories"]]
    assert not [r for r in stories_view(store, BrowseParams(hours=0, min_channels=3), 50)["stories"]]
    corrections.undo(store, mark.id, "bob")
    assert figures(row(store, sid)) == figures(views.story_page(store, sid)["story"]) == (3, 3, 3)


def test_a_story_with_every_post_marked_is_listed_whole_when_shown(store: Store, tmp_path: Path) -> None:
    sid = three_channels(store, tmp_path)
    for m in store.stories.get(sid).members:
        corrections.mark_not_news(store, "post", m.post.id, "ann")
    assert stories_view(store, ALL, 50)["stories"] == []
    shown = row(store, sid, BrowseParams(hours=0, min_posts=1, not_news=True))
    assert shown["not_news"] and figures(shown) == (3, 3, 3)
    assert figures(views.story_page(store, sid)["story"]) == (3, 3, 3)  # its page still opens, whole


def test_the_browser_counts_a_channel_network_once(store: Store, tmp_path: Path) -> None:
    sid = three_channels(store, tmp_path)
    channels = sorted({m.post.channel_id for m in store.stories.get(sid).members})
    network = store.networks.declare("one owner", channels[:2])
    listed, page = row(store, sid), views.story_page(store, sid)
    assert figures(listed) == figures(page["story"]) == (3, 3, 2)
    assert page["independent_sources"] == 2
    by_independent = BrowseParams(hours=0, min_posts=1, min_independent=3)
    assert stories_view(store, by_independent, 50)["stories"] == []
    store.networks.set_state(network.id, "dismissed")  # a dismissed network is no network
    assert figures(row(store, sid)) == figures(views.story_page(store, sid)["story"]) == (3, 3, 3)

"""The story page's "N independent" is the digest card's: a channel network counts as one source there too
(issue 16 §1; the page counted every channel of a network apart while the card counted the network once) —
and so does every other card of the story: a search result's, trending's (they counted every channel)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from svodka.model import ChannelRef, Post, PostAnalysis
from svodka.pipeline.credibility import independent_units
from svodka.pipeline.networks import membership
from svodka.store import Store
from svodka.web.views import SearchParams, search_page, story_page, trending_page

T0 = datetime(2024, 11, 29, 10, 0, tzinfo=UTC)
TEXTS = (
    "Над Брянской областью сбиты три беспилотника, сообщил губернатор.",
    "Губернатор Брянской области сообщил о трёх сбитых беспилотниках над регионом.",
    "В Брянской области ночью сбили три украинских беспилотника, пострадавших нет.",
)


def _story_of_three_channels(store: Store) -> tuple[int, dict[str, int]]:
    """One story of three channels' posts (the story's id, the channels' ids by handle)."""
    handles = ("net_a", "net_b", "other")
    for h in handles:
        store.channels.add(ChannelRef(handle=h))
    store.posts.save(
        [
            Post(ChannelRef(handle=h), 10 + i, T0 + timedelta(minutes=7 * i), TEXTS[i])
            for i, h in enumerate(handles)
        ]
    )
    ids = {c.handle: c.id for c in store.channels.list()}
    story_id = store.stories.reserve_ids(1)
    posts = [store.posts.by_key(ids[h], 10 + i) for i, h in enumerate(handles)]
    assert all(p is not None for p in posts)
    store.analysis.save([PostAnalysis(p.id, "ru", False, None, p.text, 1, None) for p in posts if p])
    store.stories.save([(p.id, story_id, 1.0) for p in posts if p])
    return story_id, ids


def test_the_story_page_counts_a_network_once_as_the_card_does(store: Store) -> None:
    story_id, ids = _story_of_three_channels(store)
    before = story_page(store, story_id)
    assert before["independent_sources"] == 3 and before["story"]["independent"] == 3
    store.networks.declare("Сеть", [ids["net_a"], ids["net_b"]])
    page = story_page(store, story_id)
    story = store.stories.get(story_id)
    card = len(independent_units(story, membership(store.networks.list())))  # the digest card's figure
    assert card == 2
    assert page["independent_sources"] == card and page["story"]["independent"] == card


def test_a_search_result_and_a_trending_card_say_what_the_story_page_says(store: Store) -> None:
    story_id, ids = _story_of_three_channels(store)
    store.networks.declare("Сеть", [ids["net_a"], ids["net_b"]])

    def cards() -> dict[str, int]:
        found = search_page(store, SearchParams(query="беспилотник"), 20)["stories"]
        trending = trending_page(store, hours=6.0)["stories"]
        return {
            "page": story_page(store, story_id)["independent_sources"],
            "search": next(c["independent"] for c in found if c["id"] == story_id),
            "trending": next(c["independent"] for c in trending if c["id"] == story_id),
        }

    assert cards() == {"page": 2, "search": 2, "trending": 2}  # the network once (search, trending said 3)

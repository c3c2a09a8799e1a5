"""The story page's "N independent" is the digest card's: a channel network counts as one source there too
(issue 16 §1; the page counted every channel of a network apart while the card counted the network once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from svodka.model import ChannelRef, Post, PostAnalysis
from svodka.pipeline.credibility import independent_units
from svodka.pipeline.networks import membership
from svodka.store import Store
from svodka.web.views import story_page

T0 = datetime(2024, 11, 29, 10, 0, tzinfo=UTC)
TEXTS = (
    "Над Брянской областью сбиты три беспилотника, сообщил губернатор.",
    "Губернатор Брянской области сообщил о трёх сбитых беспилотниках над регионом.",
    "В Брянской области ночью сбили три украинских беспилотника, пострадавших нет.",
)


def test_the_story_page_counts_a_network_once_as_the_card_does(store: Store) -> None:
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
    before = story_page(store, story_id)
    assert before["independent_sources"] == 3 and before["story"]["independent"] == 3
    store.networks.declare("Сеть", [ids["net_a"], ids["net_b"]])
    page = story_page(store, story_id)
    story = store.stories.get(story_id)
    card = len(independent_units(story, membership(store.networks.list())))  # the digest card's figure
    assert card == 2
    assert page["independent_sources"] == card and page["story"]["independent"] == card

"""The ranking check's unit: which gold stories a card of the pipeline's stories shows.

On stories_dev's real posts, stored and arranged by hand as a clusterer might have (a lead split over two
stories, most of it inside a larger story of another gold label): by the majority unit a card is only the
gold story most of its posts belong to; by the shown unit it also shows every gold story at least half of
whose news posts it holds (:func:`svodka.evaluate.ranking.story_labels`), and a gold story two cards show
counts as twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import shared
from svodka.digest import DigestQuery, build_digest
from svodka.evaluate.gold import gold_stories
from svodka.evaluate.ranking import check_digest, read_grades, story_labels
from svodka.evaluate.stories import read_gold
from svodka.model import bot_api_id
from svodka.store import Store

GRADES = Path(__file__).resolve().parent / "data" / "importance_stories_dev.json"
DAY = datetime(2024, 11, 30, tzinfo=UTC)


def test_a_card_shows_the_gold_stories_it_holds_half_of(store: Store) -> None:
    folder = shared("stories_dev")
    gold_stories(store, folder)  # stores the day's posts
    _, gold, kind = read_gold(folder)
    grades = read_grades(GRADES)
    by_label: dict[str, list[int]] = defaultdict(list)
    for post in store.posts.iter():
        ch = store.channels.by_id(post.channel_id)
        key = f"{bot_api_id(ch.tg_id) if ch.tg_id is not None else ch.name}:{post.message_id}"
        if kind.get(key) == "news":
            by_label[gold[key]].append(post.id)
    # a lead of 4+ posts, and a larger story of another label to hold most of it
    lead = min(k for k, ids in by_label.items() if grades.get(k) == 3 and len(ids) >= 4)
    host = max((k for k in by_label if k != lead), key=lambda k: (len(by_label[k]), k))
    part = by_label[lead][: (len(by_label[lead]) + 1) // 2]  # half of the lead's posts, rounded up
    rest = by_label[lead][len(part) :]
    assert len(by_label[host]) > len(part)
    store.stories.save([(pid, 1, 1.0) for pid in by_label[host] + part] + [(pid, 2, 1.0) for pid in rest])
    labels = story_labels(store, folder)
    assert labels.majority == {1: host, 2: lead}
    assert labels.shown == {1: frozenset({host, lead}), 2: frozenset({lead})}

    digest = build_digest(store, DigestQuery(DAY, DAY + timedelta(days=1), top=15))
    assert {it.card.story_id for it in digest.items} == {1, 2}
    check = check_digest("hand", digest, dict(labels.majority), grades, {lead, host}, labels.shown)
    assert (check.leads, check.leads_top15, check.shown_leads_top15) == (
        1 + (grades.get(host) == 3),
        1 + (grades.get(host) == 3),
        1 + (grades.get(host) == 3),
    )
    assert check.twice == () and check.shown_twice == (lead,)  # the lead on two cards, in the second unit

    # the lead's card gone (its posts in no story): the majority unit misses it, the shown unit does not
    store.stories.save([(pid, 3, 1.0) for pid in rest])  # a story of its own, below the host's card
    labels = story_labels(store, folder)
    assert labels.majority == {1: host, 3: lead} and labels.shown[1] == frozenset({host, lead})
    digest = build_digest(store, DigestQuery(DAY, DAY + timedelta(days=1), top=1))
    assert [it.card.story_id for it in digest.items] == [1]
    check = check_digest("hand", digest, dict(labels.majority), grades, {lead}, labels.shown)
    assert (check.leads, check.leads_top15, check.shown_leads_top15) == (1, 0, 1)
    assert check.lead_share == 0.0 and check.shown_lead_share == 1.0

"""Coverage by channel group (issue 16 §3): the card's groups and who in each was first, and the digest's
«only in …» section — only with two or more groups, listing only stories one group alone carries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from svodka.digest.compose import DigestOptions, build_digest
from svodka.digest.model import Digest, DigestQuery
from svodka.digest.render import render_html, render_json, render_markdown
from svodka.model import Channel, ChannelRef, Post, StoredPost, Story, StoryMember
from svodka.pipeline.coverage import coverage, covered_but_not, group_names, sole_group
from svodka.store import Store
from svodka.web.stories_browser import BrowseParams, stories_view
from svodka.web.views import story_page

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 11, 30, 8, 0, tzinfo=UTC)

CHANNELS = {
    1: Channel(1, "telegram", "tass", None, "ТАСС", groups=("официальные",)),
    2: Channel(2, "telegram", "ria", None, "РИА", groups=("официальные",)),
    3: Channel(3, "telegram", "meduza", None, "Медуза", groups=("независимые",)),
    4: Channel(4, "telegram", "dozhd", None, "Дождь", groups=("независимые", "тв")),
    5: Channel(5, "telegram", "nogroup", None, "Без группы"),
}

TEXTS = [
    "В Москве открылась новая станция метро на Большой кольцевой линии, пассажиры уже едут.",
    "Центробанк сохранил ключевую ставку на уровне 21 процента, сообщил регулятор в пятницу.",
    "В Курской области задержаны пять человек по делу о мошенничестве с выплатами.",
    "Суд арестовал бывшего чиновника министерства по делу о крупной взятке в особо крупном размере.",
]


def _member(pid: int, channel: int, minutes: int, text: str) -> StoryMember:
    ch = CHANNELS[channel]
    post = StoredPost(
        pid, channel, ch.name, pid, T0 + timedelta(minutes=minutes), text, f"https://t.me/{ch.name}/{pid}"
    )
    return StoryMember(post, "ru")


def _story(sid: int, reports: list[tuple[int, int]], text: str) -> Story:
    """Story ``sid``: one post per (channel, minutes after T0), each a variation of ``text``."""
    members = tuple(
        _member(sid * 100 + n, ch, m, f"{text} Сообщает источник номер {n}.")
        for n, (ch, m) in enumerate(reports)
    )
    members = tuple(sorted(members, key=lambda m: (m.post.date, m.post.id)))
    return Story(sid, members, members[0].post.date, members[-1].post.date)


STORIES = [
    _story(1, [(2, 30), (1, 10), (3, 20), (5, 5)], TEXTS[0]),  # both groups; ТАСС first of officials
    _story(2, [(1, 0), (2, 15)], TEXTS[1]),  # officials only (2 channels)
    _story(3, [(3, 40), (4, 45), (5, 50)], TEXTS[2]),  # independents (+ тв) only … and an ungrouped one
    _story(4, [(4, 60)], TEXTS[3]),  # one channel: no blindspot of anyone
]


def _digest(channels: dict[int, Channel] = CHANNELS, group: str | None = None) -> Digest:
    query = DigestQuery(since=T0, until=T0 + timedelta(days=1), top=10, group=group)
    return build_digest(STORIES, query, DigestOptions(channels=channels, now=T0 + timedelta(hours=3)))


def test_coverage_names_each_group_and_its_first_channel() -> None:
    cov = coverage(STORIES[0].members, CHANNELS)
    assert [c.group for c in cov] == ["официальные", "независимые"]  # the earliest group first
    official, independent = cov
    assert official.first_channel == "tass" and official.first_date == T0 + timedelta(minutes=10)
    assert official.channels == ("tass", "ria") and official.posts == 2
    assert independent.first_channel == "meduza" and independent.channels == ("meduza",)
    assert sole_group(cov) is None
    # a channel in two groups counts in each; an ungrouped channel in none
    cov3 = coverage(STORIES[2].members, CHANNELS)
    assert {c.group for c in cov3} == {"независимые", "тв"}
    assert coverage([_member(9, 5, 0, "x")], CHANNELS) == ()
    assert covered_but_not(cov, "официальные", "тв") and not covered_but_not(
        cov, "официальные", "независимые"
    )


def test_every_card_carries_its_coverage() -> None:
    digest = _digest()
    cards = {it.card.story_id: it.card for it in digest.items}
    assert set(cards) == {1, 2, 3, 4}
    for s in STORIES:
        assert cards[s.id].groups == coverage(s.members, CHANNELS)
    assert cards[1].groups[0].first_channel == "tass"
    md = render_markdown(digest)
    assert "Groups: официальные 2 (first tass, 2024-11-30 08:10)" in md


def test_only_in_lists_only_single_group_stories() -> None:
    digest = _digest()
    sections = {o.group: [s.story_id for s in o.stories] for o in digest.only_in}
    # story 1: two groups; story 3: независимые and тв; story 4: one channel — none of them is "only in"
    assert sections == {"официальные": [2]}
    only = digest.only_in[0].stories[0]
    assert only.coverage.first_channel == "tass" and only.channels == 2 and only.posts == 2
    md, page = render_markdown(digest), render_html(digest)
    assert "## Only in «официальные»" in md and "Only in «независимые»" not in md
    assert "Only in «официальные»" in page and only.headline.text in page
    doc = json.loads(render_json(digest))
    jsonschema.validate(doc, json.loads((ROOT / "docs" / "digest-schema.json").read_text()))
    assert [(o["group"], [s["story_id"] for s in o["stories"]]) for o in doc["only_in"]] == [
        ("официальные", [2])
    ]
    assert doc["items"][0]["card"]["groups"][0]["group"] in {"официальные", "независимые"}


def test_a_story_of_one_group_and_ungrouped_channels_is_only_in_that_group() -> None:
    regrouped = {**CHANNELS, 4: Channel(4, "telegram", "dozhd", None, "Дождь", groups=("независимые",))}
    sections = {o.group: [s.story_id for s in o.stories] for o in _digest(regrouped).only_in}
    assert sections == {"официальные": [2], "независимые": [3]}


@pytest.mark.parametrize(
    "channels",
    [
        {
            cid: Channel(cid, "telegram", c.handle, None, c.title, groups=("все",))
            for cid, c in CHANNELS.items()
        },
        {cid: Channel(cid, "telegram", c.handle, None, c.title) for cid, c in CHANNELS.items()},
    ],
    ids=["one group", "no groups"],
)
def test_no_only_in_section_with_fewer_than_two_groups(channels: dict[int, Channel]) -> None:
    digest = _digest(channels)
    assert digest.only_in == ()
    assert "Only in" not in render_markdown(digest) and "Only in" not in render_html(digest)
    assert json.loads(render_json(digest))["only_in"] == []


def test_no_only_in_section_in_a_digest_of_one_group() -> None:
    digest = _digest(group="официальные")
    assert digest.items and digest.only_in == ()


def _stored(store: Store) -> dict[int, Channel]:
    """STORIES saved in ``store`` as the stories stage saves them; the stored channels by id."""
    for c in CHANNELS.values():
        store.channels.add(ChannelRef(handle=c.handle), groups=c.groups)
    first = store.stories.reserve_ids(len(STORIES))
    posts = [
        Post(ChannelRef(handle=CHANNELS[m.post.channel_id].handle), m.post.id, m.post.date, m.post.text)
        for s in STORIES
        for m in s.members
    ]
    store.posts.save(posts)
    by_handle = {c.handle: c for c in store.channels.list()}
    assignments = []
    for n, s in enumerate(STORIES):
        for m in s.members:
            p = store.posts.by_key(by_handle[CHANNELS[m.post.channel_id].handle].id, m.post.id)
            assert p is not None
            assignments.append((p.id, first + n, 1.0))
    store.stories.save(assignments)
    return {c.id: c for c in by_handle.values()}


def test_the_stories_browser_filters_by_the_same_coverage(store: Store) -> None:
    """«Covered by A but not B» in the browser (SQL, paged) is what coverage() says of each stored story."""
    channels = _stored(store)
    stored = store.stories.in_period(T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert len(stored) == len(STORIES)
    names = [None, *group_names(channels.values())]
    for a in names:
        for b in names:
            params = BrowseParams(hours=0, min_posts=1, group=a, not_group=b)
            shown = {r["id"] for r in stories_view(store, params, 50)["stories"]}
            want = {s.id for s in stored if covered_but_not(coverage(s.members, channels), a, b)}
            assert shown == want, (a, b)


def test_the_story_page_shows_coverage_by_group(store: Store) -> None:
    channels = _stored(store)
    stored = store.stories.in_period(T0 - timedelta(days=1), T0 + timedelta(days=1))
    both = next(s for s in stored if len(s.members) == 4)  # STORIES[0]: officials and independents
    page = story_page(store, both.id)
    assert page["groups"] == coverage(both.members, channels)
    assert [(g.group, g.first_channel) for g in page["groups"]] == [
        ("официальные", "tass"),
        ("независимые", "meduza"),
    ]

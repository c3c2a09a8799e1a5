"""Suggested channel groups (issue 16 §3): channels that keep covering the same stories, clustered by the
Jaccard of their story sets; shown with their members; grouped only when the user accepts."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from svodka.model import ChannelRef, Post
from svodka.pipeline.coverage import SuggestOptions, jaccard, suggest_groups
from svodka.store import open_store

T0 = datetime(2024, 11, 30, 8, 0, tzinfo=UTC)


def _blocs(seed: int = 7) -> list[set[int]]:
    """Stories as the channels that carry them: bloc A (1, 2, 3) and bloc B (4, 5) each cover their own
    stories, mostly together; channel 6 posts now and then (one story in ten) with either; channel 7
    only twice."""
    rnd = random.Random(seed)
    stories: list[set[int]] = []
    for _ in range(30):
        stories.append({c for c in (1, 2, 3) if rnd.random() < 0.8} | ({6} if rnd.random() < 0.1 else set()))
        stories.append({c for c in (4, 5) if rnd.random() < 0.85} | ({6} if rnd.random() < 0.1 else set()))
    stories += [{7, 1}, {7, 4}]
    return stories


def test_channels_that_cover_the_same_stories_are_suggested_together() -> None:
    found = suggest_groups(_blocs())
    groups = [set(g.channel_ids) for g in found]
    assert {1, 2, 3} in groups and {4, 5} in groups
    assert not any(6 in g or 7 in g for g in groups)  # the occasional and the rare channel join no one
    for g in found:
        assert 0.25 <= g.cohesion <= 1 and g.shared <= g.stories
    assert [g.cohesion for g in found] == sorted((g.cohesion for g in found), reverse=True)


def test_thresholds_decide_who_is_placed() -> None:
    # J(1,2) = 10/17, J(1,7) = 7/17, J(2,7) = 0: channel 7 (seven stories) is placed only when
    # min_stories lets it in and the mean link of (1, 2) to it, 7/34, is enough
    stories = [{1, 2}] * 10 + [{1, 7}] * 7
    assert [g.channel_ids for g in suggest_groups(stories, SuggestOptions(min_stories=8))] == [(1, 2)]
    assert [g.channel_ids for g in suggest_groups(stories, SuggestOptions(min_jaccard=0.3))] == [(1, 2)]
    three = suggest_groups(stories, SuggestOptions(min_jaccard=0.2))
    assert [g.channel_ids for g in three] == [(1, 2, 7)] and three[0].shared == 17 and three[0].stories == 17
    assert three[0].cohesion == round((10 / 17 + 7 / 17) / 3, 4)
    assert round(jaccard(frozenset({1, 2}), frozenset({2, 3})), 3) == 0.333
    # a single-channel story is no co-coverage at all
    assert suggest_groups([{1}] * 20 + [{2}] * 20) == []


def _fill(url: str) -> None:
    """A store with channels bloc_a1..bloc_a3, bloc_b1, bloc_b2, other_x and rare_one, and stories of them
    as :func:`_blocs` draws them."""
    names = {
        1: "bloc_a1",
        2: "bloc_a2",
        3: "bloc_a3",
        4: "bloc_b1",
        5: "bloc_b2",
        6: "other_x",
        7: "rare_one",
    }
    store = open_store(url)
    try:
        for c in names.values():
            store.channels.add(ChannelRef(handle=c), groups=("старые",) if c == "bloc_a1" else ())
        stories = _blocs()
        first = store.stories.reserve_ids(len(stories))
        posts, place = [], []
        for n, chans in enumerate(stories):
            for c in sorted(chans):
                posts.append(
                    Post(ChannelRef(handle=names[c]), n * 10 + c, T0 + timedelta(minutes=n), f"s{n}")
                )
                place.append((names[c], n * 10 + c, first + n))
        store.posts.save(posts)
        ids = {c.name: c.id for c in store.channels.list()}
        assignments = []
        for name, msg, sid in place:
            p = store.posts.by_key(ids[name], msg)
            assert p is not None
            assignments.append((p.id, sid, 1.0))
        store.stories.save(assignments)
    finally:
        store.close()


def test_suggest_groups_cli_shows_members_and_groups_nothing(cli_run) -> None:  # type: ignore[no-untyped-def]
    _fill(cli_run.db)
    result = cli_run("channels", "suggest-groups", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    members = [{c["name"] for c in r["channels"]} for r in rows]
    assert {"bloc_a1", "bloc_a2", "bloc_a3"} in members and {"bloc_b1", "bloc_b2"} in members
    a = rows[members.index({"bloc_a1", "bloc_a2", "bloc_a3"})]
    assert {c["name"]: c["groups"] for c in a["channels"]}["bloc_a1"] == ["старые"]
    assert a["accept"].startswith("svodka channels accept-group NAME ")
    text = cli_run("channels", "suggest-groups")
    assert (
        text.exit_code == 0
        and "cohesion" in text.stdout
        and "accept: svodka channels accept-group" in text.stdout
    )
    # suggesting changed nothing
    listed = json.loads(cli_run("channels", "list", "--json").stdout)
    assert {c["name"]: c["groups"] for c in listed}["bloc_a2"] == []


def test_accept_group_puts_the_named_channels_in_it(cli_run) -> None:  # type: ignore[no-untyped-def]
    _fill(cli_run.db)
    ok = cli_run("channels", "accept-group", "столичные", "bloc_a1", "@bloc_a2", "bloc_a3")
    assert ok.exit_code == 0, ok.output
    groups = {c["name"]: c["groups"] for c in json.loads(cli_run("channels", "list", "--json").stdout)}
    assert groups["bloc_a1"] == ["старые", "столичные"]  # the groups it was in are kept
    assert groups["bloc_a2"] == groups["bloc_a3"] == ["столичные"] and groups["bloc_b1"] == []
    # an unknown channel: one clear line, and none of the others is changed
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "svodka",
            "--db",
            cli_run.db,
            "channels",
            "accept-group",
            "новые",
            "bloc_b1",
            "nosuch",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0 and bad.stderr.strip().splitlines()[-1].count("unknown channel 'nosuch'") == 1
    groups = {c["name"]: c["groups"] for c in json.loads(cli_run("channels", "list", "--json").stdout)}
    assert groups["bloc_b1"] == []

"""The rules of analysts' corrections (svodka.pipeline.corrections): what each changes, what it overwrote,
which constraint it leaves, and the story level refusing a join a correction forbids."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from svodka.errors import CorrectionError
from svodka.model import Correction, Restore, StoredPost, Story, StoryMember
from svodka.pipeline import corrections as rules
from svodka.pipeline.developing import Development, DevelopSettings, group

HOUR = 3600.0
AT = datetime(2024, 11, 30, tzinfo=UTC)


def part(id: int, story: int, first: float, last: float | None = None) -> rules.Part:
    return rules.Part(id, story, first * HOUR, (first if last is None else last) * HOUR)


def correction(kind: str, anchors: tuple[int, int] | None, undone: bool = False) -> Correction:
    return Correction(1, kind, 1, 2, "ann", AT, Restore(), anchors, None, AT if undone else None)


def test_merge_keeps_the_older_id_and_remembers_where_each_part_was() -> None:
    change, keep = rules.merge([part(5, 5, 1), part(9, 5, 3)], [part(3, 3, 0)], (50, 30))
    assert keep == 3
    assert change.developments == ((5, 3), (9, 3))
    assert change.restore.developments == ((5, 5), (9, 5))
    assert change.anchors == (50, 30)
    with pytest.raises(CorrectionError, match="already one story"):
        rules.merge([part(3, 3, 0)], [part(4, 3, 1)], (1, 2))


def test_split_makes_the_later_parts_a_story_of_the_first_of_them() -> None:
    parts = [part(7, 2, 5), part(2, 2, 0), part(4, 2, 2)]
    change, new = rules.split(parts, 4, (20, 40))
    assert new == 4
    assert change.developments == ((4, 4), (7, 4))
    assert change.restore.developments == ((4, 2), (7, 2))
    with pytest.raises(CorrectionError, match="first part"):
        rules.split(parts, 2, (1, 2))
    with pytest.raises(CorrectionError, match="not part of"):
        rules.split(parts, 99, (1, 2))


def test_move_goes_to_the_development_nearest_in_time_and_detach_to_a_new_one() -> None:
    source = part(3, 3, 0, 1)
    target = [part(10, 10, 0, 2), part(12, 10, 8, 9), part(15, 10, 20, 21)]
    change = rules.move(77, source, target, 9.5 * HOUR, anchor=30)
    assert change.posts == ((77, 12),)
    assert change.restore == Restore(posts=((77, 3),), developments=((3, 3),))
    assert change.anchors == (77, 30)
    with pytest.raises(CorrectionError, match="already"):
        rules.move(77, source, [part(3, 3, 0)], 0.0, anchor=30)
    alone = rules.detach(77, source, 500, anchor=30)
    assert alone.posts == ((77, 500),) and alone.developments == ((500, 500),)
    assert alone.anchors == (77, 30)
    with pytest.raises(CorrectionError, match="alone"):
        rules.detach(77, source, 500, anchor=None)


def test_each_kind_leaves_its_constraint_and_undone_ones_none() -> None:
    assert rules.must_link(correction(rules.MERGE, (1, 2))) == (1, 2)
    assert rules.cannot_link(correction(rules.MERGE, (1, 2))) is None
    for kind in (rules.MOVE, rules.DETACH, rules.SPLIT):
        assert rules.cannot_link(correction(kind, (1, 2))) == (1, 2)
        assert rules.must_link(correction(kind, (1, 2))) is None
        assert rules.cannot_link(correction(kind, (1, 2), undone=True)) is None
    assert rules.cannot_link(correction(rules.NOT_NEWS_STORY, None)) is None
    # posts 1 and 2 now in stories 10 and 20; a pair already in one story, or a post gone, binds nothing
    found = rules.story_pairs(
        [correction(rules.SPLIT, (1, 2)), correction(rules.DETACH, (3, 4)), correction(rules.MOVE, (5, 6))],
        {1: 10, 2: 20, 3: 30, 4: 30, 5: 50},
    )
    assert found == [(10, 20)]


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def dev(id: int, vector: np.ndarray, story: int | None = None, hours: float = 0) -> Development:
    return Development(
        id, vector, frozenset(), frozenset(), frozenset({id}), hours * HOUR, (hours + 1) * HOUR, 2, story
    )


def test_the_story_level_never_joins_what_a_correction_keeps_apart() -> None:
    """The regression the constraint exists for: two parts of one event an analyst split, each with a
    new development as close to the other as to itself, come together without the constraint."""
    e1, e2 = unit(1, 0, 0), unit(0, 1, 0)
    devs = [dev(1, e1, story=1), dev(2, e1, story=2, hours=1), dev(3, e1, hours=2), dev(4, e2, hours=2)]
    settings = DevelopSettings(sem_floor=0.8)
    free = group(devs, [3], settings)
    assert free.story_of[1] == free.story_of[2] == free.story_of[3] == 1  # the pipeline joins them
    apart = rules.keep_apart({d.id: d.story for d in devs}, [(2, 1)])
    kept = group(devs, [3], settings, apart=apart)
    assert kept.story_of[1] != kept.story_of[2]
    assert kept.story_of[3] in (kept.story_of[1], kept.story_of[2])  # the new one joins one side only
    assert kept.merges == ()
    # forced joins (the clusterer merged two developments) are refused the same way
    forced = group(devs, [], settings, forced=[(1, 2)], apart=rules.keep_apart({1: 1, 2: 2}, [(1, 2)]))
    assert forced.story_of[1] != forced.story_of[2]


def post(id: int, minute: int) -> StoryMember:
    date = AT.replace(minute=minute)
    return StoryMember(StoredPost(id, 1, "ch", id, date, f"text {id}", None))


def test_not_news_drops_stories_and_posts() -> None:
    s1 = Story(1, (post(1, 0), post(2, 5)), AT, AT.replace(minute=5), developments=(1, 4))
    s2 = Story(2, (post(3, 1), post(4, 9)), AT.replace(minute=1), AT.replace(minute=9), developments=(2,))
    s3 = Story(3, (post(5, 2),), AT.replace(minute=2), AT.replace(minute=2), developments=(3,))
    kept = rules.drop_not_news([s1, s2, s3], frozenset({4}), frozenset({4, 5}))
    assert [s.id for s in kept] == [2]  # s1 by its development 4, s3 by its only post
    assert [m.post.id for m in kept[0].members] == [3]
    assert kept[0].last_date == AT.replace(minute=1)
    assert rules.drop_not_news([s1], frozenset(), frozenset()) == [s1]


def test_keep_apart_tracks_what_it_joined() -> None:
    apart = rules.keep_apart({1: 10, 2: 20, 3: None, 4: 10}, [(10, 20)])
    assert apart.join(3, 1)  # the new development joins story 10 …
    assert not apart.join(3, 2)  # … so it cannot bring story 20 along
    assert not apart.join(4, 2)  # another development of story 10 neither
    assert apart.join(1, 4)
    assert rules.keep_apart({}, []).join(1, 2)


def test_describe_and_as_dict() -> None:
    c = Correction(7, rules.SPLIT, 3, 9, "ann", AT, Restore(), (30, 90), 9)
    assert rules.describe(c) == "split story 3 at development 9"
    d = rules.as_dict(c)
    assert d["id"] == 7 and d["active"] is True and d["anchors"] == [30, 90] and d["user"] == "ann"


def test_a_merge_remembers_its_posts_and_undo_finds_the_ones_fused_across() -> None:
    change, keep = rules.merge(
        [part(3, 3, 0)], [part(5, 5, 1), part(9, 5, 3)], (30, 50), [(30, 3), (50, 5), (90, 9)]
    )
    assert keep == 3 and change.restore.posts == ((30, 3), (50, 5), (90, 9))
    restore = Restore(posts=((30, 3), (31, 3), (50, 5), (51, 5), (90, 9)), developments=((5, 5), (9, 5)))
    # the clusterer fused 5 into 3 (across the sides) and 9 into 5 (within the moved side); post 51 was
    # moved by another correction since, to development 77
    survivor = {3: 3, 5: 3, 9: 3}
    now = {30: 3, 31: 3, 50: 3, 51: 77, 90: 3}
    assert rules.fused_back(restore, now, survivor) == [(50, 5), (90, 9)]
    # the kept side fused into the moved one is found the same way
    assert rules.fused_back(restore, {30: 5, 31: 5, 50: 5, 51: 5, 90: 9}, {3: 5, 5: 5, 9: 9}) == [
        (30, 3),
        (31, 3),
    ]
    assert (
        rules.fused_back(restore, {30: 3, 31: 3, 50: 5, 51: 5, 90: 5}, {3: 3, 5: 5, 9: 5}) == []
    )  # one side
    assert rules.fused_back(Restore(developments=((5, 5),)), now, survivor) == []  # a merge of before

"""Analysts' corrections on real posts, on every backend: each survives a later `svodka process` over new
posts, ids stay stable, and undo gives back the pipeline's own placement."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import shared
from svodka.digest.compose import load_stories
from svodka.errors import CorrectionError
from svodka.ingest import import_file
from svodka.process import corrections, process
from svodka.settings import defaults
from svodka.store import Store

EPOCH, END = datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def day_in_two(tmp_path: Path) -> tuple[Path, Path]:
    """stories_dev's posts as two files: before 12:00 UTC, and from then on."""
    rows = [json.loads(x) for x in (shared("stories_dev") / "posts_2024-11-30.jsonl").open(encoding="utf-8")]
    early = [r for r in rows if datetime.fromisoformat(r["date"]).astimezone(UTC).hour < 12]
    late = [r for r in rows if r not in early]
    paths = []
    for name, part in (("early", early), ("late", late)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]


@pytest.fixture(scope="module")
def settings() -> dict[str, object]:
    return dict(defaults(pipeline__embedder="use", pipeline__batch_posts=60).items())


def story_of(store: Store, post: int) -> int:
    return store.corrections.story_of_posts([post])[post]


def test_corrections_survive_later_runs_and_undo_restores(store: Store, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    early, late = day_in_two(tmp_path)
    import_file(store, early, fmt="jsonl")
    process(store, settings)
    stories = load_stories(store, EPOCH, END)
    several = sorted((s for s in stories if len(s.developments) > 1), key=lambda s: -len(s.members))
    big = sorted((s for s in stories if len(s.members) >= 3), key=lambda s: -len(s.members))
    assert several and len(big) >= 3

    # split the largest multi-part story at its second development
    whole = several[0]
    at = whole.developments[1]
    before = {d: store.developments.story_of([d]).get(d, d) for d in whole.developments}
    split = corrections.split_story(store, whole.id, at, "ann")
    assert split.result == at and split.user == "ann" and split.active
    first_anchor, later_anchor = split.anchors or (0, 0)
    assert story_of(store, first_anchor) == whole.id and story_of(store, later_anchor) == at

    # move a post of one story into another; take a post of a third out on its own
    a, b, c = [s for s in big if s.id not in (whole.id, at)][:3]
    moved = a.members[-1].post.id
    move = corrections.move_post(store, moved, b.id, "ann")
    assert story_of(store, moved) == b.id
    lonely = c.members[-1].post.id
    detach = corrections.detach_post(store, lonely, "bob")
    own = detach.result
    assert own is not None and own > max(s.id for s in stories)  # a new id from the sequence
    assert story_of(store, lonely) == own

    # mark a story not news: out of the digest's stories
    flagged = next(s for s in stories if s.id not in (whole.id, at, a.id, b.id, c.id))
    nn = corrections.mark_not_news(store, "story", flagged.id, "bob")
    assert flagged.id not in {s.id for s in load_stories(store, EPOCH, END)}
    with pytest.raises(CorrectionError, match="not news already"):
        corrections.mark_not_news(store, "story", flagged.id, "ann")

    # a later run on the afternoon's posts honours every correction; the ids stay
    import_file(store, late, fmt="jsonl")
    process(store, settings)
    assert story_of(store, first_anchor) != story_of(store, later_anchor)
    assert story_of(store, first_anchor) <= whole.id and story_of(store, later_anchor) <= at
    assert story_of(store, moved) == story_of(store, b.members[0].post.id)
    assert story_of(store, lonely) != story_of(store, c.members[0].post.id)
    assert flagged.id not in {s.id for s in load_stories(store, EPOCH, END)}
    listed = store.corrections.concerning([whole.id], [])
    assert [x.id for x in listed] == [split.id]
    assert [x.id for x in store.corrections.list()] == [nn.id, detach.id, move.id, split.id]

    # undo, newest first: each gives back what the pipeline had decided
    corrections.undo(store, nn.id, "ann")
    assert corrections.story_id(store, flagged.id) in {s.id for s in load_stories(store, EPOCH, END)}
    corrections.undo(store, detach.id, "ann")
    assert story_of(store, lonely) == story_of(store, c.members[0].post.id)
    corrections.undo(store, move.id, "ann")
    assert story_of(store, moved) == story_of(store, a.members[0].post.id)
    corrections.undo(store, split.id, "ann")
    assert story_of(store, later_anchor) == story_of(store, first_anchor)
    for d, s in before.items():
        dev = store.stories.resolve(d)
        assert store.developments.story_of([dev]).get(dev, dev) <= s
    undone = store.corrections.get(split.id)
    assert not undone.active and undone.undone_by == "ann"
    assert store.corrections.active() == []
    with pytest.raises(CorrectionError):
        corrections.undo(store, split.id, "ann")


def test_a_merge_stays_merged_and_undo_parts_them(store: Store, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    early, late = day_in_two(tmp_path)
    import_file(store, early, fmt="jsonl")
    process(store, settings)
    big = sorted(
        (s for s in load_stories(store, EPOCH, END) if len(s.members) >= 3), key=lambda s: -len(s.members)
    )
    x, y = big[0], big[1]
    merge = corrections.merge_stories(store, y.id, x.id, "ann")
    keep = min(x.id, y.id)
    assert merge.result == keep
    px, py = x.members[0].post.id, y.members[0].post.id
    assert story_of(store, px) == story_of(store, py) == keep
    with pytest.raises(CorrectionError):
        corrections.merge_stories(store, x.id, y.id, "ann")  # one story already
    import_file(store, late, fmt="jsonl")
    process(store, settings)
    assert story_of(store, px) == story_of(store, py) <= keep
    merged = next(s for s in load_stories(store, EPOCH, END) if s.id == story_of(store, px))
    assert {px, py} <= {m.post.id for m in merged.members}
    corrections.undo(store, merge.id, "bob")
    assert story_of(store, px) != story_of(store, py)


def test_bad_corrections_are_refused_and_store_nothing(store: Store, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    early, _late = day_in_two(tmp_path)
    import_file(store, early, fmt="jsonl")
    process(store, settings)
    stories = load_stories(store, EPOCH, END)
    several = next(s for s in stories if len(s.developments) > 1)
    single = next(s for s in stories if len(s.members) == 1)
    with pytest.raises(CorrectionError, match="first part"):
        corrections.split_story(store, several.id, several.developments[0], "ann")
    with pytest.raises(CorrectionError, match="not part of"):
        corrections.split_story(store, several.id, single.id, "ann")
    with pytest.raises(CorrectionError, match="alone"):
        corrections.detach_post(store, single.members[0].post.id, "ann")
    with pytest.raises(CorrectionError, match="already"):
        corrections.move_post(store, several.members[0].post.id, several.id, "ann")
    assert store.corrections.list() == []
    assert story_of(store, single.members[0].post.id) == single.id


def test_the_clusterer_may_not_merge_developments_an_analyst_split(store: Store, tmp_path: Path) -> None:
    """The development level's merges go through the same constraints: a split story's parts are not
    joined again by the clusterer absorbing one's development into the other's."""
    path = tmp_path / "posts.jsonl"
    rows = [
        {
            "message_id": i,
            "sender_id": -1001000000001,
            "channel": "Лента",
            "date": f"2024-11-30T0{i}:00:00+00:00",
        }
        | {"text": f"Сообщение номер {i} о протестах в Тбилиси"}
        for i in range(1, 5)
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    import_file(store, path, fmt="jsonl")
    p1, p2, p3, p4 = sorted(p.id for p in store.posts.iter())
    with store.transaction():
        first = store.stories.reserve_ids(3)
        d1, d3, d5 = first, first + 1, first + 2
        store.stories.save([(p1, d1, 1.0), (p2, d1, 1.0), (p3, d3, 1.0), (p4, d5, 1.0)])
        store.developments.save({d1: d1, d3: d1, d5: d5})
    assert corrections.allowed_merges(store, [(d3, d1)]) == [(d3, d1)]  # no correction: the pipeline decides
    split = corrections.split_story(store, d1, d3, "ann")
    assert split.anchors == (p1, p3)
    assert corrections.allowed_merges(store, [(d3, d1), (d5, d1)]) == [(d5, d1)]
    assert corrections.allowed_merges(store, [(d5, d3), (d3, d1)]) == [(d5, d3)]  # d5 joined d3's side
    corrections.undo(store, split.id, "ann")
    assert corrections.allowed_merges(store, [(d3, d1)]) == [(d3, d1)]

"""An undone merge gives the older ids of its sides back, on every backend: a development merged into story
B before an analyst merged A and B (its id an alias of B's) opens B again after the undo — in the store,
on the story page and in the JSON API — even when the clusterer fused B into A meanwhile."""

from __future__ import annotations

from pathlib import Path

from svodka.ingest import import_file
from svodka.process import corrections, process
from svodka.store import Store
from svodka.web import views
from test_corrections_merges import BOTH, OFFENSIVE, SETTINGS, Keywords, story_of, two_stories, write


def test_an_undone_merge_gives_the_older_ids_of_a_side_back(store: Store, tmp_path: Path) -> None:
    settings, embedder = dict(SETTINGS), Keywords()
    a1, b1, _a2, b2 = two_stories(store, tmp_path, embedder)
    d_a, d_b = story_of(store, a1), story_of(store, b1)
    # b2 had come as a development of its own that the clusterer merged into d_b (its id now an alias)
    d_c = store.stories.reserve_ids(1)
    with store.transaction():
        store.stories.save([(b2, d_c, 1.0)])
    with store.transaction():
        store.stories.save([], merges=[(d_c, d_b)])
    assert store.stories.resolve(d_c) == d_b and story_of(store, b2) == d_b
    assert views.story_page(store, d_c)["story"]["id"] == d_b  # an old id opens the story it went to

    merge = corrections.merge_stories(store, d_b, d_a, "ann")
    assert views.story_page(store, d_c)["story"]["id"] == d_a
    later = [(5, "09:00", OFFENSIVE[2]), (6, "09:10", BOTH[0]), (7, "09:20", BOTH[1])]
    import_file(store, write(tmp_path / "later.jsonl", later), fmt="jsonl")
    assert process(store, settings, embedder=embedder).merges == 1
    assert store.stories.resolve(d_b) == store.stories.resolve(d_c) == d_a  # fused, the old alias with it

    corrections.undo(store, merge.id, "bob")
    assert store.stories.resolve(d_b) == d_b
    assert store.stories.resolve(d_c) == d_b  # not the absorbing development
    assert corrections.story_id(store, d_c) == d_b
    page = views.story_page(store, d_c)
    assert page["story"]["id"] == d_b and {m["post"]["id"] for m in page["timeline"]} == {b1, b2}
    assert [d["id"] for d in page["developments"] if d["current"]] == [d_b]
    # and a development that was d_a's before the merge still opens d_a's story
    assert store.stories.resolve(d_a) == d_a and views.story_page(store, d_a)["story"]["id"] == d_a

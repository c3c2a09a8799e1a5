"""The clusterer's merges of a batch under analysts' corrections, on every backend: a merge an analyst's split
forbids never happens, so the batch's posts stay on the side they belong to (not all in the survivor of a
merge refused afterwards)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from svodka.ingest import import_file
from svodka.process import corrections, process
from svodka.settings import defaults
from svodka.store import Store

TBILISI = "Тбилиси"
ALEPPO = "Алеппо"


class Keywords:
    """An embedder that places a text by the two events it names (Tbilisi's protests, the fight for Aleppo),
    with what all news share and a little of its own words: a post on one event is far from the other's
    (cosine 0.2), a post naming both halfway between."""

    name = "keywords-test"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 11), np.float32)
        for i, text in enumerate(texts):
            out[i, 0] = TBILISI in text
            out[i, 1] = ALEPPO in text
            out[i, 2] = 0.5
            out[i, 3 + zlib.crc32(text.encode()) % 8] = 0.1
        return out / np.linalg.norm(out, axis=1, keepdims=True)


PROTEST = [
    "Протестующие в Тбилиси снова вышли к зданию парламента на проспекте Руставели",
    "Полиция в Тбилиси применила водомёты против демонстрантов у парламента этой ночью",
]
OFFENSIVE = [
    "Боевики вошли в западные кварталы Алеппо, сообщает сирийская армия",
    "Сирийская армия отступила из нескольких районов Алеппо после атаки боевиков",
    "Бои идут в центре Алеппо, правительственные войска перебрасывают подкрепления",
    "Жители Алеппо покидают город, дороги на юг забиты машинами",
]
BOTH = [
    "Главное к утру: протесты в Тбилиси продолжаются, боевики наступают в Алеппо",
    "Коротко о главном: разгон акции в Тбилиси, уличные бои в Алеппо",
]


def write(path: Path, posts: Sequence[tuple[int, str, str]]) -> Path:
    """``(channel number, HH:MM of 2024-11-30 UTC, text)`` as a JSONL file, one channel each."""
    rows = [
        {
            "message_id": 100 + i,
            "sender_id": -1001000000000 - ch,
            "channel": f"Канал {ch}",
            "date": f"2024-11-30T{hhmm}:00+00:00",
            "text": text,
        }
        for i, (ch, hhmm, text) in enumerate(posts)
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def story_of(store: Store, post: int) -> int:
    return store.corrections.story_of_posts([post])[post]


SETTINGS = dict(defaults(pipeline__sem_floor=0.0).items())


def two_stories(store: Store, tmp_path: Path, embedder: Keywords) -> tuple[int, int, int, int]:
    """The protest (its posts a1, a2) and the offensive (b1, b2) of 08:00–08:15, imported and processed;
    the four post ids in time order: a1, b1, a2, b2."""
    first = [(1, "08:00", PROTEST[0]), (2, "08:10", PROTEST[1]), (3, "08:05", OFFENSIVE[0])]
    import_file(store, write(tmp_path / "first.jsonl", [*first, (4, "08:15", OFFENSIVE[1])]), fmt="jsonl")
    process(store, dict(SETTINGS), embedder=embedder)
    a1, b1, a2, b2 = (p.id for p in sorted(store.posts.iter(), key=lambda p: p.date))
    return a1, b1, a2, b2


def test_a_refused_merge_leaves_the_batch_posts_on_their_own_side(store: Store, tmp_path: Path) -> None:
    settings, embedder = dict(SETTINGS), Keywords()
    a1, b1, a2, b2 = two_stories(store, tmp_path, embedder)
    d_a, d_b = story_of(store, a1), story_of(store, b1)
    assert d_a < d_b and story_of(store, a2) == d_a and story_of(store, b2) == d_b  # two developments
    with store.transaction():
        store.developments.save({d_b: d_a})  # as the story level joins two developments into one story
    assert corrections.merge_guard(store, []) is None  # no correction: the clusterer merges as it likes
    split = corrections.split_story(store, d_a, d_b, "ann")  # the analyst: two events
    assert split.anchors == (a1, b1)

    # the next batch: one more post on Aleppo, then two round-ups naming both events (each scores with
    # both developments, and with them the two developments score together: the clusterer would merge
    # them), then another post on Aleppo
    later = [
        (5, "09:00", OFFENSIVE[2]),
        (6, "09:10", BOTH[0]),
        (7, "09:20", BOTH[1]),
        (8, "09:30", OFFENSIVE[3]),
    ]
    import_file(store, write(tmp_path / "later.jsonl", later), fmt="jsonl")
    report = process(store, settings, embedder=embedder)
    ids = {p.text: p.id for p in store.posts.iter()}
    b3, b4 = ids[OFFENSIVE[2]], ids[OFFENSIVE[3]]
    assert story_of(store, a1) == story_of(store, a2) != story_of(store, b1)
    # the batch's posts on Aleppo are with Aleppo, not in the survivor of a merge refused afterwards
    assert story_of(store, b3) == story_of(store, b4) == story_of(store, b1) == story_of(store, b2)
    assert store.corrections.development_of([b3, b4]) == {b3: d_b, b4: d_b}
    assert report.merges == 0  # the clusterer did not merge what the analyst split


def test_undoing_a_merge_parts_what_the_clusterer_fused_meanwhile(store: Store, tmp_path: Path) -> None:
    """An analyst merges the two stories; the next batch's round-ups make the clusterer fuse their
    developments into one. Undo gives each story back the posts it had before the merge (the fused
    development revived, under its own id); the posts that arrived after the merge stay where the
    pipeline put them."""
    settings, embedder = dict(SETTINGS), Keywords()
    a1, b1, a2, b2 = two_stories(store, tmp_path, embedder)
    d_a, d_b = story_of(store, a1), story_of(store, b1)
    assert d_a != d_b
    merge = corrections.merge_stories(store, d_b, d_a, "ann")
    assert story_of(store, b1) == story_of(store, a1) == d_a

    later = [
        (5, "09:00", OFFENSIVE[2]),
        (6, "09:10", BOTH[0]),
        (7, "09:20", BOTH[1]),
        (8, "09:30", OFFENSIVE[3]),
    ]
    import_file(store, write(tmp_path / "later.jsonl", later), fmt="jsonl")
    assert process(store, settings, embedder=embedder).merges == 1
    ids = {p.text: p.id for p in store.posts.iter()}
    arrived = [ids[t] for t in (OFFENSIVE[2], BOTH[0], BOTH[1], OFFENSIVE[3])]
    assert store.stories.resolve(d_b) == d_a  # the clusterer fused the two developments
    assert set(store.corrections.development_of([a1, a2, b1, b2, *arrived]).values()) == {d_a}

    corrections.undo(store, merge.id, "bob")
    assert store.stories.resolve(d_b) == d_b  # the development is back, under its id
    assert store.corrections.development_of([a1, a2, b1, b2]) == {a1: d_a, a2: d_a, b1: d_b, b2: d_b}
    assert story_of(store, b1) == story_of(store, b2) == d_b != story_of(store, a1) == d_a
    assert {story_of(store, p) for p in arrived} == {d_a}  # the later posts stay where the pipeline put them
    assert {m.post.id for m in store.stories.get(d_b).members} == {b1, b2}
    assert len(store.stories.get(d_a).members) == 6
    # and the next run goes on from there: the parts stay parts of their own stories
    import_file(store, write(tmp_path / "last.jsonl", [(9, "10:00", PROTEST[0] + " снова")]), fmt="jsonl")
    process(store, settings, embedder=embedder)
    assert story_of(store, b1) == d_b and story_of(store, a1) == d_a

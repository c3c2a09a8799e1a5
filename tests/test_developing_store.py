"""The story stage in `svodka process` on real posts: every development in a story, ids stable across runs,
links explained; the digest's one card per story; `svodka eval stories` at both levels."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import shared
from svodka.digest.compose import load_stories
from svodka.evaluate.stories import evaluate_stories
from svodka.ingest import import_file
from svodka.process import process
from svodka.settings import defaults
from svodka.store import Store
from svodka.web import views

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


def stories_of(store: Store) -> dict[int, int]:
    developments = [s.id for s in store.stories.in_period(EPOCH, END)]
    return store.developments.story_of(developments)


@pytest.fixture(scope="module")
def settings() -> dict[str, object]:
    # the fast model and small batches: each batch links its developments to the window's
    return dict(defaults(pipeline__embedder="use", pipeline__batch_posts=60).items())


def test_stories_are_incremental_and_keep_their_ids(store: Store, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    early, late = day_in_two(tmp_path)
    import_file(store, early, fmt="jsonl")
    process(store, settings)
    first = stories_of(store)
    developments = {s.id for s in store.stories.in_period(EPOCH, END)}
    assert set(first) == developments  # every development is in a story
    import_file(store, late, fmt="jsonl")
    process(store, settings)
    second = stories_of(store)
    assert set(second) == {s.id for s in store.stories.in_period(EPOCH, END)}
    for d, story in first.items():
        if d not in second:  # merged away by the clusterer: its posts are in the absorbing development
            continue
        assert second[d] <= story  # kept, or merged into an older story
        if second[d] != story:  # a merge takes the whole story along
            assert all(second[x] == second[d] for x, s in first.items() if s == story and x in second)
    grouped = {}
    for d, s in second.items():
        grouped.setdefault(s, []).append(d)
    multi = [ds for ds in grouped.values() if len(ds) > 1]
    assert multi, "some developments of the day are parts of one story"
    for sid, ds in grouped.items():
        assert sid <= min(ds)  # the story's id: its oldest development's (or one merged away)
    for ds in multi:
        links = store.developments.links(sorted(ds))
        assert links and all(why.split(":")[0] for _a, _b, _s, why in links)
        assert {why.split(":")[0].split("+")[0] for *_x, why in links} <= {"centroid", "names", "links"}


def test_the_digest_shows_one_card_per_story(store: Store, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    early, late = day_in_two(tmp_path)
    for path in (early, late):
        import_file(store, path, fmt="jsonl")
    process(store, settings)
    stories = load_stories(store, EPOCH, END)
    story_of = stories_of(store)
    assert sorted(s.id for s in stories) == sorted(set(story_of.values()))
    by_id = {s.id: s for s in stories}
    for d, sid in story_of.items():
        assert d in by_id[sid].developments
    several = [s for s in stories if len(s.developments) > 1]
    assert several
    for s in several:
        dates = [m.post.date for m in s.members]
        assert dates == sorted(dates)
        parts = [store.stories.get(d) for d in s.developments]
        assert [p.first_date for p in parts] == sorted(p.first_date for p in parts)
        assert len(s.members) == sum(len(p.members) for p in parts)
    # the story page (and /api/stories/ID) of any development lists the story's developments
    s = several[0]
    page = views.story_page(store, s.developments[-1])
    assert [d["id"] for d in page["developments"]] == list(s.developments)
    assert [d["current"] for d in page["developments"]] == [False] * (len(s.developments) - 1) + [True]
    joined = [j for d in page["developments"] for j in d["joined_by"]]
    assert joined and all(int(j[1:].split(":")[0]) in s.developments for j in joined)


def test_eval_stories_scores_both_levels(cli_run, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Grouping developments into stories raises B-cubed F1 on the morning of the labelled day."""
    early, _late = day_in_two(tmp_path)
    folder = tmp_path / "morning"
    folder.mkdir()
    (folder / "posts_morning.jsonl").write_bytes(early.read_bytes())
    keys = {f"{r['sender_id']}:{r['message_id']}" for r in map(json.loads, early.open(encoding="utf-8"))}
    gold = [
        x
        for x in (shared("stories_dev") / "stories_2024-11-30.jsonl").open(encoding="utf-8")
        if json.loads(x)["key"] in keys
    ]
    (folder / "stories_morning.jsonl").write_text("".join(gold), encoding="utf-8")
    result = evaluate_stories(folder, defaults(pipeline__embedder="use"))
    assert result.story.all_posts.f1 > result.development.all_posts.f1
    assert result.story.all_posts.precision >= result.development.all_posts.precision - 0.01
    out = tmp_path / "pred.jsonl"
    monkeypatch.setenv("SVODKA_PIPELINE_EMBEDDER", "use")
    cli = cli_run("eval", "stories", str(folder), "--level", "development", "--out", str(out))
    assert cli.exit_code == 0, cli.output
    lines = [x for x in cli.output.splitlines() if x.startswith(("all posts", "news only"))]
    assert [x.rsplit(" ", 2)[-2] for x in lines] == ["development", "development", "story", "story"]
    written = {r["key"]: r["story"] for r in map(json.loads, out.open(encoding="utf-8"))}
    assert written == result.development.predicted

"""The whole pipeline through the store: incremental runs, stable story ids, copies, the CLI.

Uses the USE-m3 embedder (~15× faster than e5 here) so the day of stories_dev runs in seconds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import open_test_store, shared
from svodka.errors import NotFoundError
from svodka.model import ChannelRef, ForwardOrigin, Post, PostAnalysis
from svodka.pipeline.embed import USEEmbedder
from svodka.process import context_ranges, process
from svodka.settings import defaults
from svodka.store import Store


@pytest.fixture(scope="module")
def embedder() -> USEEmbedder:
    return USEEmbedder()


def _posts(rows: list[dict]) -> list[Post]:  # type: ignore[type-arg]
    return [
        Post(
            channel=ChannelRef(ext_id=str(-r["sender_id"] - 1_000_000_000_000), title=r["channel"]),
            message_id=r["message_id"],
            date=datetime.fromisoformat(r["date"]),
            text=r["text"],
        )
        for r in rows
    ]


def _partition(store: Store) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for post, story in store.stories.assignments().items():
        groups.setdefault(story, set()).add(post)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.slow
def test_two_halves_give_the_same_stories_with_stable_ids(
    backend: str, tmp_path: Path, embedder: USEEmbedder
) -> None:
    path = shared("stories_dev", "posts_2024-11-30.jsonl")
    rows = sorted(
        (json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()), key=lambda r: r["date"]
    )
    settings = defaults()
    half = len(rows) // 2
    with open_test_store(backend, tmp_path, "a") as a, open_test_store(backend, tmp_path, "b") as b:
        a.posts.save(_posts(rows))
        whole = process(a, settings, embedder=embedder)
        assert whole.posts == len(rows)

        b.posts.save(_posts(rows[:half]))
        first = process(b, settings, embedder=embedder)
        ids_before = b.stories.assignments()
        b.posts.save(_posts(rows[half:]))
        second = process(b, settings, embedder=embedder)
        assert first.posts + second.posts == len(rows)
        assert second.embedded <= len(rows) - half  # the first half's vectors came from the cache
        assert process(b, settings, embedder=embedder).posts == 0  # nothing new: nothing done

        assert _partition(a) == _partition(b)
        after = b.stories.assignments()
        for post_id, story in ids_before.items():
            # A placed post keeps its story id, or the id it was merged into resolves to its story.
            assert after[post_id] == b.stories.resolve(story)
        grown = second.stories_joined
        assert grown > 0  # second-half posts joined first-half stories
        story = b.stories.get(after[next(iter(ids_before))])
        assert story.members and story.first_date <= story.last_date
        assert all(m.language for m in story.members)


def test_forward_metadata_and_near_duplicates_become_copies(store: Store, embedder: USEEmbedder) -> None:
    t0 = datetime(2024, 11, 30, 12, tzinfo=UTC)
    text = (
        "Правительство России продлило временный запрет на экспорт бензина до 31 января 2025 года, "
        "сообщили в пресс-службе кабмина. Ограничение не касается поставок в страны ЕАЭС."
    )
    src = ChannelRef(handle="origin_news", ext_id="111", title="Origin")
    store.posts.save(
        [
            Post(src, 10, t0, text),
            Post(
                ChannelRef(handle="fwd", ext_id="222"),
                5,
                t0 + timedelta(minutes=3),
                text,
                forward=ForwardOrigin(ext_id="111", message_id=10),
            ),
            Post(
                ChannelRef(handle="rewrite", ext_id="333"),
                7,
                t0 + timedelta(minutes=9),
                "⚡️" + text.replace("сообщили", "сообщили журналистам") + "\n\n[Подписаться](https://t.me/x)",
            ),
            Post(
                ChannelRef(handle="other", ext_id="444"),
                8,
                t0 + timedelta(minutes=20),
                "В Тбилиси продолжаются протесты у здания парламента, полиция применила водомёты и задержала "
                "десятки человек, сообщает МВД Грузии.",
            ),
        ]
    )
    report = process(store, defaults(), embedder=embedder)
    assert report.copies == 2
    origin = store.posts.by_key(store.channels.get(ChannelRef(handle="origin_news")).id, 10)
    assert origin is not None
    story = store.stories.get(store.stories.assignments()[origin.id])
    copies = [m for m in story.members if m.is_copy]
    assert {m.origin_post_id for m in copies} == {origin.id}
    assert len(story.originals) == 1
    assert len(story.members) == 3  # the protest post is another story


def test_ads_stay_out_of_stories(store: Store, embedder: USEEmbedder) -> None:
    t0 = datetime(2024, 11, 30, 12, tzinfo=UTC)
    store.posts.save(
        [
            Post(
                ChannelRef(handle="c1"),
                1,
                t0,
                "Лучшие курсы английского! Промокод SALE по ссылке. Реклама. erid: 2Vtzqx",
            )
        ]
    )
    report = process(store, defaults(), embedder=embedder)
    assert report.ads == 1
    assert store.stories.assignments() == {}
    rows = store.analysis.get_many([1])
    assert isinstance(rows[1], PostAnalysis) and rows[1].is_ad and rows[1].ad_reason == "label"


def test_context_ranges_surround_each_new_post() -> None:
    h = 3600
    # the newest posts of a run: one range, from 48 h before the first to 48 h after the last
    assert context_ranges([100 * h, 101 * h, 103 * h], 48) == [(52 * h, 151 * h + 1)]
    # a backlog post a month earlier gets a range of its own, not the month between
    assert context_ranges([1000 * h, 280 * h], 48) == [(232 * h, 328 * h + 1), (952 * h, 1048 * h + 1)]
    assert context_ranges([], 48) == []


def test_backlog_post_reads_only_its_own_window(store: Store, embedder: USEEmbedder) -> None:
    """A late import of an old post continues its own days' stories; the store between is never read."""
    t0 = datetime(2024, 10, 1, 12, tzinfo=UTC)
    fuel = (
        "Правительство России продлило временный запрет на экспорт бензина до 31 января 2025 года, "
        "сообщили в пресс-службе кабмина."
    )
    protest = (
        "В Тбилиси продолжаются протесты у здания парламента, полиция применила водомёты и задержала "
        "десятки человек, сообщает МВД Грузии."
    )
    ch = [ChannelRef(handle=f"c{i}", ext_id=str(100 + i)) for i in range(5)]
    store.posts.save(
        [
            Post(ch[0], 1, t0, fuel),
            Post(ch[1], 1, t0 + timedelta(hours=1), "Кабмин продлил запрет на экспорт бензина до 31 января."),
            Post(ch[2], 1, t0 + timedelta(days=10), "В Москве открылась выставка современного искусства."),
            Post(ch[0], 2, t0 + timedelta(days=30), protest),
            Post(ch[1], 2, t0 + timedelta(days=30, hours=1), "Полиция Грузии разогнала протест в Тбилиси."),
        ]
    )
    first = process(store, defaults(), embedder=embedder)
    assert first.posts == 5
    fuel_story = store.stories.assignments()[1]
    store.posts.save(
        [
            Post(
                ch[3],
                1,
                t0 + timedelta(hours=2),
                "Россия продлила запрет на экспорт бензина до 31 января 2025.",
            ),
            Post(ch[3], 2, t0 + timedelta(days=30, hours=2), "В Тбилиси полиция применила водомёты."),
        ]
    )
    second = process(store, defaults(), embedder=embedder)
    assert second.posts == 2
    assert second.window == 4  # two posts around each new one; the exhibition of day 10 was not read
    backlog = store.posts.by_key(store.channels.get(ChannelRef(handle="c3")).id, 1)
    assert backlog is not None
    assert store.stories.resolve(store.stories.assignments()[backlog.id]) == store.stories.resolve(fuel_story)


def test_cli_process_stories_story(cli_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = shared("stories_dev", "posts_2024-11-30.jsonl")
    part = tmp_path / "part.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()[:60]
    part.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli_run("import", str(part)).exit_code == 0
    import os

    os.environ["SVODKA_PIPELINE_EMBEDDER"] = "use"
    try:
        result = cli_run("process")
    finally:
        del os.environ["SVODKA_PIPELINE_EMBEDDER"]
    assert result.exit_code == 0, result.output
    assert "60 posts" in result.output
    listed = cli_run("stories", "--since", "100000h", "--min-posts", "2")
    assert listed.exit_code == 0
    first_id = listed.output.split()[0]
    shown = cli_run("story", first_id)
    assert shown.exit_code == 0 and "channels:" in shown.output and "original" in shown.output
    with pytest.raises(NotFoundError):  # the CLI's main() turns it into one `error:` line
        cli_run("story", "999999")

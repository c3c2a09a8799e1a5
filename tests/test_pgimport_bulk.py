"""The bulk-write path of posts in PostgreSQL (svodka.store.postgres.bulk): a batch's stored keys found by
probes of the unique key (never a scan of every post per batch), texts with NUL through the C dumpers of
the COPY, raw records compressed with lz4, and the same rows, dedup and versions as SQLite on a real slice."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from conftest import shared
from svodka.ingest import import_file
from svodka.model import ChannelRef, ForwardOrigin, Post
from svodka.store import Store
from svodka.store.postgres.bulk import STORED_KEYS, has_lz4

PG_ONLY = pytest.mark.backends("postgresql", reason="PostgreSQL's COPY path, its planner and its text type")
T0 = datetime(2024, 12, 2, tzinfo=UTC)


def _posts(channel: ChannelRef, ids: range) -> list[Post]:
    return [Post(channel, i, T0 + timedelta(seconds=i), f"пост номер {i} о погоде") for i in ids]


@PG_ONLY
def test_a_batchs_stored_keys_are_probed_in_the_unique_index_not_scanned(store: Store) -> None:
    """Before: a hash join over a scan of every stored post, once per batch (the planner's statistics are
    those of the table before the import: it thought posts small) — a scan of N posts per batch, quadratic
    over an import. Now one probe of (channel_id, message_id) per key, whatever the statistics."""
    channel = ChannelRef(handle="probe")
    for ids in (range(1, 3001), range(3001, 6001)):
        assert store.posts.save(_posts(channel, ids)).new == 3000
    channel_id = store.channels.get(channel).id
    keys = "{" + ",".join(str(i) for i in range(3001, 9001)) + "}"
    with store.db.read() as conn:  # type: ignore[attr-defined]
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                f"EXPLAIN {STORED_KEYS}", ("{" + ",".join([str(channel_id)] * 6000) + "}", keys)
            )
        )
    assert "Seq Scan on posts" not in plan and "Hash" not in plan, plan
    assert "posts_channel_id_message_id_key" in plan, plan
    # and the batch of 3,000 stored + 3,000 new is split right
    again = store.posts.save(_posts(channel, range(3001, 9001)))
    assert (again.new, again.unchanged, again.edited) == (3000, 3000, 0)
    assert store.posts.count() == 9000


@PG_ONLY
def test_nul_in_any_text_column_is_stored_marked_on_both_copy_paths(store: Store) -> None:
    """The COPY writes strings with psycopg's C dumper, so the rows' NULs are replaced before it: in the text,
    the author, a forward's name, the media and the URL; through the direct COPY (new posts) and the
    staging table (a batch with a stored post: the edit keeps the old text as a version)."""
    channel = ChannelRef(handle="nul")
    fwd = ForwardOrigin(name="из\x00вне", handle="src\x00", message_id=5)
    post = Post(
        channel,
        1,
        T0,
        "до\x00после",
        forward=fwd,
        media="photo\x00",
        author="ав\x00тор",
        url="https://e.org/\x00",
    )
    assert store.posts.save([post]).new == 1
    channel_id = store.channels.get(channel).id
    stored = store.posts.by_key(channel_id, 1)
    assert stored is not None
    assert stored.text == "до\ufffdпосле" and stored.author == "ав\ufffdтор" and stored.media == "photo\ufffd"
    assert (stored.url, stored.fwd_name, stored.fwd_handle) == (
        "https://e.org/\ufffd",
        "из\ufffdвне",
        "src\ufffd",
    )
    edited = Post(channel, 1, T0, "снова\x00", edited=T0 + timedelta(minutes=5))
    result = store.posts.save([edited, *_posts(channel, range(2, 4))])  # one stored: the stage's path
    assert (result.new, result.edited) == (2, 1)
    stored = store.posts.by_key(channel_id, 1)
    assert stored is not None and stored.text == "снова\ufffd" and stored.versions == 2
    assert [v.text for v in store.posts.versions(stored.id)] == ["до\ufffdпосле"]
    assert store.posts.save([edited]).unchanged == 1  # the hash is of the text as it came


@PG_ONLY
def test_raw_records_are_stored_whole_and_compressed_with_lz4(store: Store) -> None:
    """A raw record long enough to be compressed is compressed with lz4 where the server has it (pglz was
    a tenth of the server's CPU of a COPY), and reads back byte for byte."""
    raw = {"id": 7, "text": [{"type": "plain", "text": "длинный текст " * 400}], "n": list(range(200))}
    post = Post(ChannelRef(handle="raw"), 7, T0, "короткий текст", raw=raw)
    assert store.posts.save([post]).new == 1
    with store.db.read() as conn:  # type: ignore[attr-defined]
        stored, method = conn.execute(
            "SELECT raw, pg_column_compression(raw) FROM posts WHERE message_id = 7"
        ).fetchone()
        lz4 = has_lz4(conn)
    assert bytes(stored) == orjson.dumps(raw, option=orjson.OPT_NON_STR_KEYS)
    assert method == ("lz4" if lz4 else "pglz")


def _lines(path: Path, n: int) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in itertools.islice(f, n)]


def test_a_real_slice_and_its_edited_reimport_store_the_same_rows_on_both_backends(
    store: Store, tmp_path: Path
) -> None:
    """2,000 real posts imported in batches of 500, then again with every 10th text changed and 400 new:
    the same counts, versions and texts on both backends (the direct COPY, then the stage's merge)."""
    records = _lines(shared("tg_ru_news_2024", "posts.jsonl"), 2400)
    first = tmp_path / "first.jsonl"
    first.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[:2000]), "utf-8")
    report = import_file(store, first, batch_size=500)
    assert (report.saved.new, report.saved.edited, report.saved.unchanged) == (2000, 0, 0)
    changed = [dict(r, text=f"{r['text']} qqzedit") if i % 10 == 0 else r for i, r in enumerate(records)]
    second = tmp_path / "second.jsonl"
    second.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in changed), "utf-8")
    report = import_file(store, second, batch_size=500)
    assert (report.saved.new, report.saved.edited, report.saved.unchanged) == (400, 200, 1800)
    assert store.posts.count() == 2400
    posts = list(store.posts.iter())
    assert sum(p.versions == 2 for p in posts) == 200
    assert sum(p.text.endswith(" qqzedit") for p in posts) == 240
    assert store.posts.index_pending() == 2400
    assert store.posts.count_matches("qqzedit") == 240


def test_a_stored_post_is_written_only_when_its_copy_changes_it(store: Store) -> None:
    """A copy of a stored post is left out of the merge when it cannot change it (same text, no counter that
    differs): unchanged. Every other case is merged as before — new counters refreshed, a counter the copy
    lacks kept, another text an edit — on both backends alike."""
    channel = ChannelRef(handle="mix")

    def post(i: int, text: str = "текст", views: int | None = 10, edited: int = 0) -> Post:
        when = T0 + timedelta(minutes=edited) if edited else None
        return Post(channel, i, T0 + timedelta(seconds=i), f"{text} {i}", views=views, edited=when)

    assert store.posts.save([post(i) for i in range(1, 6)]).new == 5
    batch = [post(1), post(2, views=11), post(3, views=None), post(4, text="другой", edited=5), post(6)]
    result = store.posts.save(batch)
    assert (result.new, result.edited, result.unchanged) == (1, 1, 3)
    channel_id = store.channels.get(channel).id
    stored = {i: store.posts.by_key(channel_id, i) for i in range(1, 7)}
    assert [(s.views, s.versions) for s in stored.values() if s] == [
        (10, 1), (11, 1), (10, 1), (10, 2), (10, 1), (10, 1)
    ]  # fmt: skip
    assert stored[4] is not None and stored[4].text == "другой 4"
    again = store.posts.save(batch)
    assert (again.new, again.edited, again.unchanged) == (0, 0, 5)

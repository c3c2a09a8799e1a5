"""Migration 0012 (platform-neutral channel ids): a store written before it (tests/data/store_v0010.db, made
by tests/data/make_store_v0010.sh at commit d65fb8d) opens with today's code, and what it held survives.

SQLite only: the fixture is a SQLite file an older svodka wrote, checked table by table."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from svodka.model import ChannelRef, ForwardOrigin, Post, utc
from svodka.store import open_store

FIXTURE = Path(__file__).parent.parent / "data" / "store_v0010.db"


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    return path


def test_the_fixture_predates_migration_0012() -> None:
    conn = sqlite3.connect(f"file:{FIXTURE}?mode=ro", uri=True)
    applied = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert applied[-1] == "0010_question_stats"
    assert "tg_id" in {r[1] for r in conn.execute("PRAGMA table_info(channels)")}


def test_an_old_store_keeps_posts_forwards_stories_and_search(old_store: Path) -> None:
    with open_store(old_store) as store:
        assert "0012_platform_ids" in store.db.applied_migrations()  # type: ignore[attr-defined]
        conn = store.db.conn  # type: ignore[attr-defined]
        assert conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0] == 209
        channels = store.channels.list()
        assert len(channels) == 24
        assert sum(c.ext_id is not None for c in channels) == 22
        assert all(c.ext_id is None or c.ext_id.isdigit() for c in channels)
        # Telegram helpers still see numbers
        topor = store.channels.by_id(1)
        assert (topor.platform, topor.ext_id, topor.tg_id) == ("telegram", "1754252633", 1754252633)
        assert topor.as_dict()["tg_id"] == 1754252633 and topor.as_dict()["ext_id"] == "1754252633"
        feed = next(c for c in channels if c.platform == "rss")
        assert (feed.handle, feed.ext_id, feed.tg_id, feed.tier, feed.groups) == (
            "https://meduza.io/rss/all",
            None,
            None,
            2,
            ("live",),
        )
        # forwards: every origin names its platform and id; the six by (channel, message) link to origins
        fwd = conn.execute(
            "SELECT COUNT(*), COUNT(fwd_ext_id), SUM(fwd_platform = 'telegram') FROM posts "
            "WHERE fwd_ext_id IS NOT NULL OR fwd_name IS NOT NULL OR fwd_handle IS NOT NULL"
        ).fetchone()
        assert fwd == (33, 33, 33)
        ids = [r[0] for r in conn.execute("SELECT id FROM posts")]
        assert store.analysis.forward_origins(ids) == {165: 1, 166: 4, 167: 8, 168: 10, 169: 12, 170: 17}
        relayed = store.posts.get(165)
        assert (relayed.fwd_platform, relayed.fwd_ext_id, relayed.fwd_tg_id) == (
            "telegram",
            "1754252633",
            1754252633,
        )
        assert store.channel_stats.copies_of(1) == [165]  # type: ignore[attr-defined]
        # stories and copies as the old code left them
        assert conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0] == 175
        many = conn.execute(
            "SELECT COUNT(*) FROM (SELECT story_id FROM story_posts GROUP BY story_id HAVING COUNT(*) > 1)"
        ).fetchone()[0]
        assert many == 23
        copies = conn.execute(
            "SELECT COUNT(*) FROM post_analysis "
            "WHERE origin_post_id IS NOT NULL AND origin_post_id != post_id"
        ).fetchone()[0]
        assert copies == 9
        # search
        assert [len(store.posts.search(w, limit=100)) for w in ("Трамп", "Путин", "Salaf")] == [6, 15, 5]
        # the link of a post whose channel is known by id only
        assert relayed.url == "https://t.me/c/9990001111/500"


def test_new_posts_on_a_migrated_store_link_and_dedupe_by_ext_id(old_store: Path) -> None:
    with open_store(old_store) as store:
        before = store.channels.list()
        origin = store.posts.get(1)
        # the same Telegram channel, named by id the way an importer does: no second row
        again = store.channels.resolve(ChannelRef(ext_id="1754252633", title="Топор Live"))
        assert again == 1
        cid = store.channels.resolve(ChannelRef(handle="relay_two", ext_id="9990002222"))
        store.posts.save(
            [
                Post(
                    ChannelRef(handle="relay_two", ext_id="9990002222"),
                    1,
                    utc(origin.date),
                    origin.text,
                    forward=ForwardOrigin(ext_id="1754252633", message_id=origin.message_id),
                )
            ]
        )
        new = store.posts.by_key(cid, 1)
        assert new is not None
        assert store.analysis.forward_origins([new.id]) == {new.id: 1}
        assert len(store.channels.list()) == len(before) + 1


def test_names_users_type_are_read_at_the_edge(old_store: Path) -> None:
    from svodka.collect.registry import channel_named
    from svodka.errors import NotFoundError

    with open_store(old_store) as store:
        channels = store.channels
        assert channel_named(channels, "-1001754252633").id == 1  # Bot API form of the Telegram id
        assert channel_named(channels, "1754252633").id == 1
        assert channel_named(channels, "Топор Live").id == 1  # exact title
        assert channel_named(channels, "https://t.me/s/BBCRussian").handle == "bbcrussian"
        assert channel_named(channels, "@bbcrussian").handle == "bbcrussian"
        assert channel_named(channels, "https://meduza.io/rss/all").platform == "rss"
        assert channel_named(channels, "21").title == "Relay News"  # svodka's own number (channels list)
        with pytest.raises(NotFoundError, match="unknown channel 'nosuch'"):
            channel_named(channels, "nosuch")
        with pytest.raises(NotFoundError):
            channel_named(channels, "t.me/joinchat/AAAA")  # an invite link names no stored channel
        # the store itself takes refs, and changes channels by id
        assert store.channels.find(ChannelRef(handle="BBCRussian")) is not None
        assert store.channels.find(ChannelRef("rss", handle="https://MEDUZA.io/rss/all")) is None
        assert store.channels.set_tier(1, 3).tier == 3

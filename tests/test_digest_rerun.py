"""Digests you can re-run (issue 14 §5): --fresh, a past period reproduced, the previous digest is one
before the period, digests named."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from conftest import shared
from svodka.digest import DigestQuery, build_digest, save_digest
from svodka.digest.compose import DigestOptions, build_fresh_digest
from svodka.digest.model import digest_name, period_name
from svodka.digest.render import render_json
from svodka.evaluate.gold import gold_stories
from svodka.store import Store, open_store

DAY = (datetime(2024, 11, 30, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "d.db"
    store = open_store(path)
    gold = gold_stories(store, shared("stories_dev"))
    store.stories.save((m.post.id, s.id, 1.0) for s in gold.stories for m in s.members)
    store.close()
    yield path


@pytest.fixture
def store(db: Path) -> Iterator[Store]:
    s = open_store(db)
    yield s
    s.close()


def _doc(digest: object) -> bytes:
    data = orjson.loads(render_json(digest))  # type: ignore[arg-type]
    data.pop("generated_at")
    return orjson.dumps(data)


def _ids(digest: object) -> list[int]:
    return [it.card.story_id for it in digest.items]  # type: ignore[attr-defined]


def test_a_past_day_re_run_keeps_its_stories_and_is_the_same(store: Store) -> None:
    q = DigestQuery(*DAY, top=10)
    saved = save_digest(store, build_digest(store, q))
    assert len(saved.items) == 10
    again = build_digest(
        store, q
    )  # what `--no-save` gives: the saved digest of this period is no predecessor
    assert again.repeats_skipped == 0 and again.previous_id is None
    assert _ids(again) == _ids(saved)
    assert _doc(again) == _doc(build_digest(store, q))  # byte for byte, but for its creation time
    # the saved one names itself; otherwise the same document
    assert _doc(again) == _doc(saved).replace(f'"id":{saved.id},'.encode(), b'"id":null,')


def test_the_next_day_still_sees_yesterdays_digest(store: Store) -> None:
    day = save_digest(store, build_digest(store, DigestQuery(*DAY, top=10)))
    later = DigestQuery(DAY[0] + timedelta(hours=12), DAY[1] + timedelta(hours=12), top=10)
    nxt = build_digest(store, later)
    assert nxt.previous_id == day.id
    fresh = build_fresh_digest(store, later)
    assert fresh.previous_id is None and fresh.repeats_skipped == 0
    assert nxt.repeats_skipped > 0 and set(_ids(fresh)) & set(_ids(day))


def test_fresh_ignores_what_was_shown(store: Store) -> None:
    q = DigestQuery(*DAY, top=10)
    first = save_digest(store, build_digest(store, q))
    longer = DigestQuery(DAY[0], DAY[1] + timedelta(hours=1), top=10)
    assert build_digest(store, longer).repeats_skipped == 10  # shown, nothing new since
    fresh = build_fresh_digest(store, longer, DigestOptions(previous=None))
    assert _ids(fresh) == _ids(build_fresh_digest(store, longer)) and set(_ids(fresh)) == set(_ids(first))


def test_names() -> None:
    assert period_name(*DAY, "UTC", "ru") == "30 ноября"
    moscow = (datetime(2024, 11, 30, 21, tzinfo=UTC), datetime(2024, 12, 1, 21, tzinfo=UTC))
    assert (
        digest_name(DigestQuery(*moscow, topic="economy", tz="Europe/Moscow", language="ru"))
        == "Экономика · 1 декабря"
    )
    assert (
        digest_name(DigestQuery(DAY[0], DAY[1] + timedelta(days=2), group="news", language="ru"))
        == "news · 30 ноября – 2 декабря"
    )
    assert (
        digest_name(DigestQuery(DAY[0] + timedelta(hours=8), DAY[0] + timedelta(hours=20), language="ru"))
        == "30 ноября, 08:00–20:00"
    )
    assert digest_name(DigestQuery(*DAY, name="morning")) == "morning"


def test_names_are_stored_and_listed(store: Store) -> None:
    saved = save_digest(store, build_digest(store, DigestQuery(*DAY, topic="politics", top=5, language="ru")))
    rec = store.digests.get(saved.id)  # type: ignore[arg-type]
    assert rec.name == "Политика · 30 ноября" and store.digests.list()[0].name == rec.name


def test_cli_fresh_and_no_save_rerun(db: Path, cli_run) -> None:  # type: ignore[no-untyped-def]
    out = db.parent / "out"
    args = ("digest", "--from", "2024-11-30", "--top", "8", "--format", "json", "--out", str(out))
    assert cli_run(*args, db_path=db).exit_code == 0
    first = _strip((out / "digest.json").read_bytes())
    r = cli_run(*args, "--no-save", db_path=db)
    assert r.exit_code == 0
    assert _strip((out / "digest.json").read_bytes()) == first.replace(b'"id":1,', b'"id":null,')
    assert cli_run(*args, "--fresh", "--no-save", db_path=db).exit_code == 0
    assert _strip((out / "digest.json").read_bytes()) == first.replace(b'"id":1,', b'"id":null,')


def _strip(raw: bytes) -> bytes:
    data = orjson.loads(raw)
    data.pop("generated_at")
    return orjson.dumps(data)

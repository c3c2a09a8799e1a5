"""svodka.web.ttl: one cache for the web app's costly values (channel statistics, credibility records), kept
per store — weakly, so a store dropped takes its values with it — and for a time read at each call."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from svodka.store import open_store
from svodka.web import adapters, views
from svodka.web.ttl import Ttl


def test_values_are_kept_per_store_and_go_with_it(tmp_path: Path) -> None:
    one, two = open_store(tmp_path / "one.db"), open_store(tmp_path / "two.db")
    cache: Ttl[str] = Ttl(lambda: 60.0)
    assert cache.get(one, "k", lambda: "one") == "one"
    assert cache.get(two, "k", lambda: "two") == "two"  # the same key of another store is its own
    assert cache.get(one, "k", lambda: "again") == "one"  # kept
    assert len(cache._data) == 2
    two.close()
    del two
    gc.collect()
    assert len(cache._data) == 1  # a dropped store's values are not kept (no id() to be reused)
    one.close()


def test_the_time_to_keep_is_read_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(tmp_path / "s.db")
    made: list[int] = []

    def make() -> list[int]:
        made.append(1)
        return [len(made)]

    assert views.ACTIVITY.get(store, "probe", make) == [1]
    assert views.ACTIVITY.get(store, "probe", make) == [1]
    monkeypatch.setattr(views, "ACTIVITY_TTL_S", 0.0)  # as tests/test_web_store.py sets RECORDS_TTL_S
    assert views.ACTIVITY.get(store, "probe", make) == [2]
    assert adapters.records(store) == {}  # an empty store: no channel has a record
    learned = adapters.RECORDS.get(store, "records", lambda: {})
    assert learned == {} and learned is adapters.records(store)
    store.close()

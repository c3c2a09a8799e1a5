"""The story page computes its summary and evidence once per distinct story (svodka.web.story_model): a
second request computes neither, and what changes the story — a post that joins, an edit, an analyst's
"not news", a channel's new tier — is shown on the next request, the same as computed afresh.

The story is the bundled day's Tbilisi dispersal (9 posts of 4 channels, as `svodka process` placed them;
tests/test_story_page_fold.py), and a post of the evening at the parliament joins it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from svodka.digest import compose
from svodka.digest import evidence as evidence_module
from svodka.digest.compose import story_summary
from svodka.digest.evidence import evidence, story_channels
from svodka.ingest import import_file
from svodka.model import PostAnalysis
from svodka.pipeline.networks import membership
from svodka.pipeline.summarize import SummaryOptions
from svodka.process.corrections import mark_not_news
from svodka.store import Store
from svodka.web import adapters, views
from svodka.web.ttl import Ttl

ROOT = Path(__file__).resolve().parent.parent
DAY = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"
NIGHT = {"РИА Новости": (271315, 271317, 271318, 271320, 271327), "Топор Live": (125937,)}
NIGHT |= {"Ньюсач/Двач": (129154, 129160), "BBC News | Русская служба": (73623,)}
LATER = ("РИА Новости", 271410)  # the evening at the parliament: joins the night's story


def _lines(wanted: set[tuple[str, int]]) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in DAY.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if (r["channel"], r["message_id"]) in wanted]


def _import(store: Store, rows: list[dict[str, Any]], path: Path) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    import_file(store, path, fmt="jsonl")


def _place(store: Store, story_id: int, keys: list[tuple[str, int]]) -> list[int]:
    channels = {c.title or c.name: c.id for c in store.channels.list()}
    found = [store.posts.by_key(channels[ch], m) for ch, m in keys]
    posts = [p for p in found if p is not None]
    assert len(posts) == len(keys)
    store.analysis.save([PostAnalysis(p.id, "ru", False, None, p.text, p.id, None) for p in posts])
    store.stories.save([(p.id, story_id, 1.0) for p in posts])
    return [p.id for p in posts]


class Counted:
    """Wraps a function and counts its calls."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn, self.calls = fn, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.fn(*args, **kwargs)


class Page:
    """The story page of one story, with what each request computed (summaries, differences)."""

    def __init__(self, store: Store, story_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
        self.store, self.story_id = store, story_id
        self.summaries = Counted(compose.summarize)
        self.differences = Counted(evidence_module.differences)
        monkeypatch.setattr(compose, "summarize", self.summaries)
        monkeypatch.setattr(evidence_module, "differences", self.differences)

    def get(self, **kwargs: Any) -> tuple[dict[str, Any], tuple[int, int]]:
        before = (self.summaries.calls, self.differences.calls)
        page = views.story_page(self.store, self.story_id, **kwargs)
        return page, (self.summaries.calls - before[0], self.differences.calls - before[1])


def _afresh(store: Store, story_id: int) -> tuple[str, list[dict[str, Any]], list[str]]:
    """The headline, key sentences and difference lines computed now, without the web app's memo."""
    s = adapters.story(store, story_id)
    chans = story_channels(store, s)
    summary = story_summary(store, s, SummaryOptions(tz="UTC"), {c: ch.tier for c, ch in chans.items()})
    ev = evidence(s, chans, membership(store.networks.list()))
    return summary.headline.text, views.cited_summary(summary), [d.kind + d.subject for d in ev.differences]


def _shown(page: dict[str, Any]) -> tuple[str, list[dict[str, Any]], list[str]]:
    return page["story"]["headline"], page["summary"], [d["kind"] + d["subject"] for d in page["differences"]]


def test_a_story_page_computes_once_and_shows_every_change(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    night_keys = [(ch, m) for ch, ms in NIGHT.items() for m in ms]
    _import(store, _lines({*night_keys, LATER}), tmp_path / "tbilisi.jsonl")
    sid = store.stories.reserve_ids(1)
    ids = _place(store, sid, night_keys)
    story = Page(store, sid, monkeypatch)

    first, computed = story.get()
    assert computed == (1, 1)
    assert story.get() == (first, (0, 0))  # the same page, and nothing computed again
    page, computed = story.get(page=1, language="ru")
    assert page["story"] == first["story"] and computed == (0, 0)
    assert _shown(first) == _afresh(store, sid)

    # A post joins the story: the next request shows it, summarised with the rest.
    (joined,) = _place(store, sid, [LATER])
    page, computed = story.get()
    assert joined in {t["post"]["id"] for t in page["timeline"]} and page["story"]["posts"] == 10
    assert computed == (1, 1) and _shown(page) == _afresh(store, sid)

    # An edit of a member's text: the page shows the new text, and its summary is the new text's.
    (row,) = _lines({night_keys[0]})
    edited = "Полиция Тбилиси задержала сорок участников акции у парламента Грузии, сообщило МВД Грузии."
    row = {**row, "text": edited, "edit_date": "2024-12-02T12:00:00+00:00"}
    _import(store, [row], tmp_path / "edit.jsonl")
    page, computed = story.get()
    assert edited in {t["post"]["text"] for t in page["timeline"]}
    assert computed == (1, 1) and _shown(page) == _afresh(store, sid)

    # An analyst marks a post not news: the page leaves it out at once.
    mark_not_news(store, "post", ids[1], "analyst")
    page, computed = story.get()
    assert ids[1] not in {t["post"]["id"] for t in page["timeline"]} and page["story"]["posts"] == 9
    assert computed == (1, 1) and _shown(page) == _afresh(store, sid)

    # A channel's new tier weighs in the headline's choice: the summary is computed again.
    store.channels.set_tier(store.posts.get(ids[0]).channel_id, 1)
    page, computed = story.get()
    assert computed[0] == 1 and _shown(page) == _afresh(store, sid)
    assert story.get() == (page, (0, 0))


def test_channel_statistics_are_computed_once_while_many_pages_wait_or_read_the_last(store: Store) -> None:
    """The story page's channel statistics (views.ACTIVITY, a svodka.web.ttl.Ttl): twenty requests on a
    cold key wait for one computation; on an expired one, one request refreshes while the others get the
    last value. The time to keep is read at each call."""
    seconds = [60.0]
    cache: Ttl[int] = Ttl(lambda: seconds[0])
    started, release, made = threading.Event(), threading.Event(), []

    def slow() -> int:
        made.append(1)
        started.set()
        release.wait(5)
        return len(made)

    found: list[int] = []
    threads = [threading.Thread(target=lambda: found.append(cache.get(store, "k", slow))) for _ in range(20)]
    for t in threads:
        t.start()
    started.wait(5)
    time.sleep(0.05)  # the others are waiting on the first one's computation now
    release.set()
    for t in threads:
        t.join(5)
    assert found == [1] * 20 and len(made) == 1

    seconds[0] = 0.0  # expired: one request refreshes, the rest are answered with the last value
    release.clear()
    started.clear()
    refresher = threading.Thread(target=lambda: found.append(cache.get(store, "k", slow)))
    refresher.start()
    started.wait(5)
    assert cache.get(store, "k", slow) == 1 and len(made) == 2  # served at once, not a third computation
    release.set()
    refresher.join(5)
    assert found[-1] == 2
    cache.clear()  # a channel changed: the next request computes afresh
    assert cache.get(store, "k", lambda: 7) == 7

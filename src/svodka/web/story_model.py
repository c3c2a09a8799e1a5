"""The story page's costly parts that do not depend on who asks: computed once per distinct input.

A story page's summary (:func:`svodka.digest.compose.story_summary`) and evidence
(:func:`svodka.digest.evidence.evidence`: differences with natasha's names, coordination, coverage) are
pure functions of the story as loaded, its channels and channel networks and the display zone, and take
almost all of the page's time on a big story (tens of ms). Each is kept in a small LRU keyed by those inputs
themselves — the loaded story with every member's text, views, deletion and copy link, the channels' tiers,
names and groups — so a post that joins, an edit, a correction or a channel's new tier is a new key and
is computed afresh: the page never shows stale content, and a repeated request reads the store (the story,
about a millisecond) but computes nothing. What depends on the request (language, page, role, CSRF) is not
here. :func:`as_of_stamp` keeps a whole page's data while the store's change stamp stays the same, so a
repeated request reads next to nothing either.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

from svodka.digest.compose import story_summary
from svodka.digest.evidence import Evidence, evidence
from svodka.model import Channel, Story
from svodka.pipeline.summarize import Summary, SummaryOptions
from svodka.store import Store

V = TypeVar("V")

CACHED_STORIES = 256  # distinct (story, inputs) kept per part: the pages being read, not the archive
# A page's parts kept under the change stamp (as_of_stamp): the story's data, storyline and corrections part,
# so three entries a story read (and one more per language and page of its timeline): 256 stories' worth.
KEPT_AS_OF_STAMP = 4 * CACHED_STORIES


class Memo(Generic[V]):
    """A bounded least-recently-used map of computed values, safe across the server's worker threads.
    Two threads missing the same key both compute it (the value is the same); the lock guards the map only.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


# a page's parts of several kinds (the story's data, its storyline, its corrections), per store
_AS_OF_STAMP: weakref.WeakKeyDictionary[Store, Memo[Any]] = weakref.WeakKeyDictionary()
_AS_OF_STAMP_LOCK = threading.Lock()


def as_of_stamp(store: Store, key: Hashable, make: Callable[[], V]) -> V:
    """``make()`` — a page's data, read from ``store`` — kept while the store's change stamp stays the same
    (:meth:`svodka.store.base.Store.stamp`: nothing committed since, by any process), so a repeated request
    skips the store's reads (some 55 on a story page) as well as the computations. The value is shared:
    not to be changed by the caller."""
    with _AS_OF_STAMP_LOCK:
        memo = _AS_OF_STAMP.get(store)
        if memo is None:
            memo = _AS_OF_STAMP[store] = Memo(KEPT_AS_OF_STAMP)
    value: V = memo.get((store.stamp(), key), make)
    return value


SUMMARIES: Memo[Summary] = Memo(CACHED_STORIES)
EVIDENCE: Memo[Evidence] = Memo(CACHED_STORIES)


def summary(store: Store, story: Story, tz: str, tiers: Mapping[int, int]) -> Summary:
    """:func:`story_summary` of ``story`` (the headline and key sentences its digest card shows), memoised.
    Besides the story it reads its newest development's members (the headline is that development's), so
    those are part of the key."""
    newest: tuple[int, ...] = ()
    if len(story.developments) > 1:
        newest = tuple(m.post.id for m in store.stories.get(story.developments[-1]).members)
    options = SummaryOptions(tz=tz)
    key = (id(store), story, options, tuple(sorted(tiers.items())), newest)
    return SUMMARIES.get(key, lambda: story_summary(store, story, options, tiers))


def story_evidence(story: Story, channels: Mapping[int, Channel], networks: Mapping[int, int]) -> Evidence:
    """:func:`evidence` of ``story`` with its ``channels`` and the store's channel ``networks``, memoised."""
    key = (story, tuple(sorted(channels.items())), tuple(sorted(networks.items())))
    return EVIDENCE.get(key, lambda: evidence(story, channels, networks))

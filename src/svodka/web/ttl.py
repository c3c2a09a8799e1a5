"""A small time-bounded cache of values computed from a store, for what is too costly to compute per request.

The channel statistics scan every post and the credibility records are learned from a few thousand stories
(a third of a second on 100k posts, seconds on a million): 20 clients each recomputing them stalled every page
for seconds. So a value is kept per store (weakly: a store that is closed and dropped takes its values with
it) and per key for a time read at each call (so a setting, or a test, may change it), and it is computed by
one request at a time: a cold key makes the other requests wait for that one computation instead of each
making its own, and an expired one is served as it is while a single request refreshes it
(stale-while-refreshing). :meth:`Ttl.clear` (a channel was added, removed or changed) drops every value:
the next request computes afresh, and waits for it.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from svodka.store import Store

T = TypeVar("T")


class _Held(Generic[T]):
    """One key's value and when it was computed, and the lock its computation is made under."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.held: tuple[float, T] | None = None  # (time.monotonic() of the computation, the value)


class Ttl(Generic[T]):
    """Values of ``make()`` per store and key, each kept ``seconds()`` seconds after it was computed;
    single-flight and stale-while-refreshing (the module's docstring)."""

    def __init__(self, seconds: Callable[[], float]) -> None:
        self.seconds = seconds
        self._data: weakref.WeakKeyDictionary[Store, dict[Hashable, _Held[T]]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, store: Store, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            entry = self._data.setdefault(store, {}).setdefault(key, _Held())
        held = entry.held
        if held is not None and time.monotonic() - held[0] < self.seconds():
            return held[1]
        if not entry.lock.acquire(blocking=held is None):
            assert held is not None
            return held[1]  # another request is refreshing it: the last value meanwhile
        try:
            held = entry.held
            if held is not None and time.monotonic() - held[0] < self.seconds():
                return held[1]  # computed by the request we waited for
            value = make()
            entry.held = (time.monotonic(), value)
            return value
        finally:
            entry.lock.release()

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

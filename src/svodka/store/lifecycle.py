"""What an open store of either backend does the same way: one transaction across repositories, closing,
use as a context manager (``with open_store(url) as store: …``), and a held row renewed while it is held."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, Self

log = logging.getLogger(__name__)


class Database(Protocol):
    """A backend's database: its write transactions (re-entrant on a thread) and its closing."""

    def write(self) -> AbstractContextManager[object]: ...

    def close(self) -> None: ...


class Lifecycle:
    """The transaction and closing of an open store over its backend's ``db``."""

    db: Database

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Every repository write inside is one transaction: stored together, or not at all."""
        with self.db.write():
            yield

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Held:
    """A held row as its holder knows it: ``left()`` is how long it surely stays this holder's (from the
    start of the last renewal that went through, or of the take; the store's expiry is never earlier), 0
    once a renewal found it another's."""

    def __init__(self, ttl: float, since: float) -> None:
        self.ttl, self._until = ttl, since + ttl
        self._lost = False

    def renewed(self, since: float) -> None:
        self._until = max(self._until, since + self.ttl)

    def lost(self) -> None:
        """A renewal found the row another holder's: it stays lost."""
        self._lost = True

    def left(self) -> float:
        return 0.0 if self._lost else max(0.0, self._until - time.monotonic())


@contextmanager
def renewing(what: str, ttl: float, renew: Callable[[], bool], since: float | None = None) -> Iterator[Held]:
    """Call ``renew`` every third of ``ttl`` on a thread of its own while the block runs (a lease, a claim:
    ``what`` names it in the log), and stop it at the block's end. ``renew`` says whether the row was still
    this holder's; a failed turn is logged and the next one tries again, well before the expiry. The block
    gets the :class:`Held` row (``since``: the monotonic time the row was taken, by default now)."""
    stop = threading.Event()
    held = Held(ttl, time.monotonic() if since is None else since)

    def loop() -> None:
        while not stop.wait(ttl / 3):
            began = time.monotonic()
            try:
                if renew():
                    held.renewed(began)
                else:
                    held.lost()
                    log.warning("%s was taken over by another process while this one held it", what)
            except Exception as e:  # a busy moment
                log.warning("%s: could not renew it: %s", what, e)

    renewer = threading.Thread(target=loop, name=f"renew {what}", daemon=True)
    renewer.start()
    try:
        yield held
    finally:
        stop.set()
        renewer.join()

"""What an open store of either backend does the same way: one transaction across repositories, closing,
use as a context manager (``with open_store(url) as store: …``), and a held row renewed while it is held."""

from __future__ import annotations

import logging
import threading
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


@contextmanager
def renewing(what: str, ttl: float, renew: Callable[[], bool]) -> Iterator[None]:
    """Call ``renew`` every third of ``ttl`` on a thread of its own while the block runs (a lease, a claim:
    ``what`` names it in the log), and stop it at the block's end. ``renew`` says whether the row was still
    this holder's; a failed turn is logged and the next one tries again, well before the expiry."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(ttl / 3):
            try:
                if not renew():
                    log.warning("%s was taken over by another process while this one held it", what)
            except Exception as e:  # a busy moment
                log.warning("%s: could not renew it: %s", what, e)

    renewer = threading.Thread(target=loop, name=f"renew {what}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()

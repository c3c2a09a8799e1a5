"""What an open store of either backend does the same way: one transaction across repositories, closing,
and use as a context manager (``with open_store(url) as store: …``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, Self


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

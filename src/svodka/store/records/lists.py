"""A list of ids in a statement both backends share: its text says ``{ids}`` where a column is tested
against the list, and each dialect puts in its own test — SQLite a chunk of ``?`` marks (:func:`chunks`,
:func:`in_marks`), PostgreSQL one array parameter (:data:`ANY`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

# SQLite binds at most 999 variables a statement in its oldest builds: lists go in chunks below that.
CHUNK = 900
ANY = "= ANY(?)"  # PostgreSQL's test against one array parameter (``?`` as in every shared text)


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    """``ids`` in lists of at most ``size``, in order (none for no ids)."""
    items = list(ids)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def in_marks(n: int) -> str:
    """SQLite's test against ``n`` bound values: ``IN (?, ?, …)``."""
    return f"IN ({','.join('?' * n)})"

"""What each user has read, as both backends keep it: the check of what is kept read."""

from __future__ import annotations

from collections.abc import Iterable

from svodka.errors import StoreError
from svodka.store.base import READ_KINDS


def read_ids(kind: str, ref_ids: Iterable[int]) -> list[int]:
    """The ids of ``kind`` once each, in order; StoreError for a kind read state is not kept for."""
    if kind not in READ_KINDS:
        raise StoreError(f"read or unread is kept for {' and '.join(READ_KINDS)}, not {kind!r}")
    return list(dict.fromkeys(int(i) for i in ref_ids))

"""What each user has read, as both backends keep it: the check of what is kept read, and the reads and the
unmarking both write alike (``{ids}``: :mod:`svodka.store.records.dialect`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from svodka.errors import StoreError
from svodka.store.base import READ_KINDS
from svodka.store.records import when
from svodka.store.records.dialect import Database, changed_in, rows_in

UNMARK = "DELETE FROM read_state WHERE user_id = ? AND kind = ? AND ref_id {ids}"
READ = "SELECT ref_id, read_at FROM read_state WHERE user_id = ? AND kind = ? AND ref_id {ids}"


def read_ids(kind: str, ref_ids: Iterable[int]) -> list[int]:
    """The ids of ``kind`` once each, in order; StoreError for a kind read state is not kept for."""
    if kind not in READ_KINDS:
        raise StoreError(f"read or unread is kept for {' and '.join(READ_KINDS)}, not {kind!r}")
    return list(dict.fromkeys(int(i) for i in ref_ids))


class SharedReadState:
    """Read state on either backend; a backend's class marks things read (its own insert of many)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def unmark(self, user_id: int, kind: str, ref_ids: Iterable[int]) -> int:
        return changed_in(self.db, UNMARK, read_ids(kind, ref_ids), (user_id, kind))

    def read(self, user_id: int, kind: str, ref_ids: Iterable[int]) -> dict[int, datetime]:
        found = rows_in(self.db, READ, read_ids(kind, ref_ids), (user_id, kind))
        return {int(ref): when(at) for ref, at in found}

"""`svodka store copy`'s progress as both backends keep it (table ``copy_progress``): a table's last key as
JSON, and the SQL both dialects write alike (``?`` placeholders). The records themselves
(:class:`svodka.store.copy.Progress`) are the backends' to build: ``store.copy`` opens either backend."""

from __future__ import annotations

import json
from collections.abc import Sequence

SAVE_PROGRESS = (
    "INSERT INTO copy_progress (tbl, source, last_key, rows, done) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (tbl) DO UPDATE SET source = excluded.source, last_key = excluded.last_key,"
    " rows = excluded.rows, done = excluded.done"
)
PROGRESS = "SELECT tbl, source, last_key, rows, done FROM copy_progress"


def key_json(key: Sequence[object] | None) -> str | None:
    """A table's last key copied, as ``copy_progress.last_key`` keeps it."""
    return None if key is None else json.dumps(list(key), ensure_ascii=False)


def key_tuple(text: str | None) -> tuple[object, ...] | None:
    """``copy_progress.last_key`` read back."""
    return None if text is None else tuple(json.loads(text))

"""Digests as both backends store them: the rows of a digest and its items, and the stored record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson

from svodka.digest.model import Digest, DigestRecord
from svodka.model import from_ts

RECORD = "SELECT id, kind, since, until, created_at, name FROM digests"
ITEMS = "SELECT story_id, posts, last_date, folded_into FROM digest_items WHERE digest_id = ?"
ADD_ITEM = (
    "INSERT INTO digest_items (digest_id, story_id, rank, posts, last_date, is_update, folded_into) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
BODY = "SELECT body FROM digests WHERE id = ?"


def ts(dt: datetime) -> int:
    return int(dt.timestamp())


def body_of(document: object) -> str:
    """A digest's JSON document (``to_dict``) as stored text."""
    return orjson.dumps(document).decode()


def item_rows(digest: Digest, digest_id: int) -> list[tuple[Any, ...]]:
    """The parameters of :data:`ADD_ITEM` for each item of ``digest``, and for each story folded into one
    (kept as shown with the item's posts and last date, so the next digest judges it as a repeat)."""
    rows: list[tuple[Any, ...]] = []
    for it in digest.items:
        last = ts(it.card.last_date)
        rows.append((digest_id, it.card.story_id, it.rank, it.card.posts, last, it.update, None))
        rows.extend(
            (digest_id, sid, it.rank, it.card.posts, last, it.update, it.card.story_id) for sid in it.folded
        )
    return rows


def digest_record(row: Sequence[Any], items: Iterable[Sequence[Any]]) -> DigestRecord:
    """A row of :data:`RECORD` with its :data:`ITEMS` rows as the stored record."""
    items = list(items)
    return DigestRecord(
        id=row[0],
        kind=row[1],
        since=from_ts(row[2]),  # type: ignore[arg-type]
        until=from_ts(row[3]),  # type: ignore[arg-type]
        created_at=from_ts(row[4]),  # type: ignore[arg-type]
        items={story_id: (posts, from_ts(last) or datetime.min) for story_id, posts, last, _into in items},
        name=row[5],
        folded=frozenset(story_id for story_id, _posts, _last, into in items if into is not None),
    )

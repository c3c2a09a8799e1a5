"""Developments in stories as both backends store them: the rows read back and the SQL both write alike
(``?`` placeholders)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson

DEVELOPMENTS = (
    "SELECT d.development_id FROM story_of_development d JOIN stories s "
    "ON s.id = d.development_id WHERE d.story_id = ? ORDER BY s.first_date, s.id"
)


def developments(rows: Iterable[Sequence[Any]], story_id: int) -> list[int]:
    """The :data:`DEVELOPMENTS` of a story, oldest first; a development in none is its own story."""
    return [int(r[0]) for r in rows] or [story_id]


def link(r: Sequence[Any]) -> tuple[int, int, float, str]:
    """A row ``(a, b, score, signals)`` of ``development_links``."""
    return int(r[0]), int(r[1]), float(r[2]), str(r[3])


def post_links(raw: str | bytes) -> tuple[str, ...]:
    """A post's stored links (a JSON array)."""
    return tuple(str(u) for u in orjson.loads(raw))

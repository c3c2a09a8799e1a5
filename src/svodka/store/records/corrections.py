"""Analysts' corrections as both backends store them (migration 0024_corrections): a row ↔
:class:`~svodka.model.Correction`, the placement a correction overwrote as JSON, and the SQL both dialects
write alike (``?`` placeholders; ``{stories}``/``{posts}``: the dialect's test against a list,
:mod:`svodka.store.records.dialect`), and what of the repository is written once for both.

Each row keeps who and when, the two posts its constraint binds and the placement it overwrote (JSON), so
:mod:`svodka.process.corrections` can undo it; ``undone_at``/``undone_by`` say it was.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Sequence
from typing import Any

from svodka.errors import NotFoundError, StoreError
from svodka.model import Correction, NewCorrection, Restore, from_ts
from svodka.store.records.dialect import (
    Database,
    changed,
    changed_in,
    inserted,
    now_ts,
    row,
    rows,
    rows_in,
    write_many,
)

COLUMNS = (
    "id, kind, subject, target, result, anchor_a, anchor_b, restore, user_name, at, undone_at, undone_by"
)
INSERT = (
    "INSERT INTO corrections (kind, subject, target, result, anchor_a, anchor_b, restore, user_name, at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
GET = f"SELECT {COLUMNS} FROM corrections WHERE id = ?"
LIST = f"SELECT {COLUMNS} FROM corrections ORDER BY id DESC LIMIT ?"
ACTIVE = f"SELECT {COLUMNS} FROM corrections WHERE undone_at IS NULL ORDER BY id"
# The corrections of the stories ``{stories}`` and posts ``{posts}``: its parameters are
# :func:`concerning_params`' (stories four times, then posts).
CONCERNING = (
    f"SELECT {COLUMNS} FROM corrections WHERE "
    "(kind IN ('merge', 'split', 'not-news-story') AND (subject {stories} OR target {stories} "
    "OR result {stories})) OR (kind = 'move' AND target {stories}) "
    "OR (kind IN ('move', 'detach', 'not-news-post') AND subject {posts}) ORDER BY id DESC"
)
UNDO = "UPDATE corrections SET undone_at = ?, undone_by = ? WHERE id = ? AND undone_at IS NULL"
NOT_NEWS = (
    "SELECT kind, subject FROM corrections WHERE undone_at IS NULL "
    "AND kind IN ('not-news-story', 'not-news-post')"
)
# Where posts are placed: their development (``story_posts``), and their story (the development's story,
# else the development itself).
DEVELOPMENT_OF = "SELECT post_id, story_id FROM story_posts WHERE post_id {ids}"
STORY_OF_POSTS = (
    "SELECT sp.post_id, COALESCE(d.story_id, sp.story_id) FROM story_posts sp "
    "LEFT JOIN story_of_development d ON d.development_id = sp.story_id WHERE sp.post_id {ids}"
)
# A development a post is placed in exists (an empty one made, else its time touched).
PLACE_DEVELOPMENT = (
    "INSERT INTO stories (id, first_date, last_date, n_posts, created_at, updated_at) "
    "VALUES (?, 0, 0, 0, ?, ?) ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at"
)
PLACE_POST = (
    "INSERT INTO story_posts (post_id, story_id, similarity, added_at) VALUES (?, ?, 1.0, ?) "
    "ON CONFLICT (post_id) DO UPDATE SET story_id = excluded.story_id, added_at = excluded.added_at"
)


# The ids merged away that resolve to developments ``{ids}`` (a merge keeps them with what it overwrote), and
# one of them pointed at a development again.
ALIASES_TO = "SELECT old_id, story_id FROM story_aliases WHERE story_id {ids}"
POINT_ALIAS = "UPDATE story_aliases SET story_id = ? WHERE old_id = ?"
REVIVE = "DELETE FROM story_aliases WHERE old_id {ids}"


def restore_json(r: Restore) -> str:
    """The placement a correction overwrote, as its ``restore`` column keeps it."""
    data = {"posts": [list(x) for x in r.posts], "developments": [list(x) for x in r.developments]}
    if r.aliases:
        data["aliases"] = [list(x) for x in r.aliases]
    return json.dumps(data)


def to_correction(row: Sequence[Any]) -> Correction:
    """A row of :data:`COLUMNS` as its record."""
    data = json.loads(row[7])
    anchors = (int(row[5]), int(row[6])) if row[5] is not None and row[6] is not None else None
    at = from_ts(row[9])
    assert at is not None
    return Correction(
        id=int(row[0]),
        kind=str(row[1]),
        subject=int(row[2]),
        target=None if row[3] is None else int(row[3]),
        user=str(row[8]),
        at=at,
        restore=Restore(
            tuple((int(p), int(d)) for p, d in data.get("posts", ())),
            tuple((int(d), int(s)) for d, s in data.get("developments", ())),
            tuple((int(a), int(d)) for a, d in data.get("aliases", ())),
        ),
        anchors=anchors,
        result=None if row[4] is None else int(row[4]),
        undone_at=from_ts(row[10]),
        undone_by=row[11],
    )


def found(row: Sequence[Any] | None, correction_id: int) -> Correction:
    """The row :data:`GET` read as its record; NotFoundError when there was none."""
    if row is None:
        raise NotFoundError(f"no correction with id {correction_id}")
    return to_correction(row)


def undone_already(correction_id: int) -> StoreError:
    """What :data:`UNDO` changing no row of a stored correction means."""
    return StoreError(f"correction {correction_id} is undone already")


def new_row(c: NewCorrection, ts: int) -> tuple[object, ...]:
    """The parameters of :data:`INSERT`."""
    a, b = c.anchors if c.anchors else (None, None)
    return (c.kind, c.subject, c.target, c.result, a, b, restore_json(c.restore), c.user, ts)


def not_news(rows: Iterable[Sequence[Any]]) -> tuple[frozenset[int], frozenset[int]]:
    """The rows of :data:`NOT_NEWS`: the stories and the posts marked not news."""
    kinds = [(str(k), int(s)) for k, s in rows]
    return (
        frozenset(s for k, s in kinds if k == "not-news-story"),
        frozenset(s for k, s in kinds if k == "not-news-post"),
    )


def placements(rows: Iterable[Sequence[Any]]) -> dict[int, int]:
    """Rows of :data:`DEVELOPMENT_OF` or :data:`STORY_OF_POSTS` as ``{post: where}``."""
    return {int(p): int(d) for p, d in rows}


class SharedCorrections:
    """The corrections repository on either backend; a backend's class places posts (its own statements
    over many stories)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, correction: NewCorrection) -> Correction:
        with self.db.write():
            correction_id = inserted(self.db, INSERT, new_row(correction, now_ts()))
            return self.get(correction_id)

    def get(self, correction_id: int) -> Correction:
        return found(row(self.db, GET, (correction_id,)), correction_id)

    def list(self, limit: int = 200) -> builtins.list[Correction]:
        return [to_correction(r) for r in rows(self.db, LIST, (limit,))]

    def active(self) -> builtins.list[Correction]:
        return [to_correction(r) for r in rows(self.db, ACTIVE)]

    def concerning(self, story_ids: Sequence[int], post_ids: Sequence[int]) -> builtins.list[Correction]:
        d = self.db.dialect
        stories, posts = builtins.list(story_ids) or [0], builtins.list(post_ids) or [0]  # no story or post 0
        sql = CONCERNING.format(stories=d.ids(len(stories)), posts=d.ids(len(posts)))
        return [to_correction(r) for r in rows(self.db, sql, (*d.bind(stories) * 4, *d.bind(posts)))]

    def undo(self, correction_id: int, user: str) -> Correction:
        if not changed(self.db, UNDO, (now_ts(), user, correction_id)):
            self.get(correction_id)  # NotFoundError for an unknown one
            raise undone_already(correction_id)
        return self.get(correction_id)

    def not_news(self) -> tuple[frozenset[int], frozenset[int]]:
        return not_news(rows(self.db, NOT_NEWS))

    def development_of(self, post_ids: Sequence[int]) -> dict[int, int]:
        return placements(rows_in(self.db, DEVELOPMENT_OF, post_ids))

    def story_of_posts(self, post_ids: Sequence[int]) -> dict[int, int]:
        return placements(rows_in(self.db, STORY_OF_POSTS, post_ids))

    def revive(self, development_ids: Sequence[int]) -> None:
        changed_in(self.db, REVIVE, development_ids)

    def aliases_to(self, development_ids: Sequence[int]) -> dict[int, int]:
        return placements(rows_in(self.db, ALIASES_TO, development_ids))

    def point_aliases(self, rows: Iterable[tuple[int, int]]) -> None:
        write_many(self.db, POINT_ALIAS, [(d, old) for old, d in rows])

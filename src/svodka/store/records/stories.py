"""Stories and per-post analysis as both backends store them: an analysis row and its record, the story
members' select (``{stories}``: the dialect's test of ``sp.story_id`` against a list of ids) and the
assembly of :class:`~svodka.model.Story` records from them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from svodka.model import REPORT, PostAnalysis, Story, StoryMember, from_ts
from svodka.store.records.posts import SELECT_POST, stored_post

ANALYSIS_COLUMNS = "post_id, language, is_ad, ad_reason, norm_text, text_hash, origin_post_id, kind"
# Where a row is written: its columns, then when (the kind came last, migration 0037, and NULL there means a
# row analysed before it, not judged yet: svodka.process.kinds).
ANALYSIS_WRITE = f"post_analysis ({ANALYSIS_COLUMNS}, analysed_at)"
# A story's posts with their similarity, language, origin and kind, in date order.
MEMBERS = (
    SELECT_POST.replace(
        "SELECT ",
        "SELECT sp.story_id, sp.similarity, a.language, a.origin_post_id, a.kind, ",
        1,
    )
    + " JOIN story_posts sp ON sp.post_id = p.id "
    "LEFT JOIN post_analysis a ON a.post_id = p.id WHERE sp.story_id {stories} "
    "ORDER BY p.date, p.id"
)
# The post each forward of ``{posts}`` (the dialect's test of ``p.id`` against a list) copies, when stored.
FORWARD_ORIGINS = (
    "SELECT p.id, o.id FROM posts p JOIN channels c ON c.platform = p.fwd_platform "
    "AND (c.ext_id = p.fwd_ext_id "
    "OR (p.fwd_ext_id IS NULL AND c.handle = lower(p.fwd_handle))) "
    "JOIN posts o ON o.channel_id = c.id AND o.message_id = p.fwd_message_id "
    "WHERE p.fwd_message_id IS NOT NULL AND p.id {posts}"
)
WINDOW_COLUMNS = (
    "a.post_id, p.channel_id, p.date, a.norm_text, a.text_hash, a.origin_post_id, "
    "sp.story_id FROM post_analysis a JOIN posts p ON p.id = a.post_id "
    "LEFT JOIN story_posts sp ON sp.post_id = a.post_id"
)
FAR_FUTURE = 1 << 62  # a window without an end
# Rows analysed before their kind was judged (migration 0037), by their partial index, and their kinds set.
UNJUDGED = "SELECT post_id, norm_text FROM post_analysis WHERE kind IS NULL ORDER BY post_id LIMIT ?"
SET_KIND = "UPDATE post_analysis SET kind = ? WHERE post_id = ?"


def analysis_rows(rows: Iterable[PostAnalysis], analysed_at: int) -> list[tuple[Any, ...]]:
    """The rows of ``post_analysis`` (:data:`ANALYSIS_WRITE`) for ``rows``."""
    return [
        (
            r.post_id,
            r.language,
            r.is_ad,
            r.ad_reason,
            r.norm_text,
            r.text_hash,
            r.origin_post_id,
            r.kind,
            analysed_at,
        )
        for r in rows
    ]


def post_analysis(r: Sequence[Any]) -> PostAnalysis:
    """A row of :data:`ANALYSIS_COLUMNS` as its record (a kind not judged yet reads as a report)."""
    return PostAnalysis(r[0], r[1], bool(r[2]), r[3], r[4], r[5], r[6], r[7] or REPORT)


def add_members(members: Mapping[int, list[StoryMember]], rows: Iterable[Sequence[Any]]) -> None:
    """The :data:`MEMBERS` ``rows`` added to their stories' lists in ``members``."""
    for r in rows:
        members[r[0]].append(StoryMember(stored_post(r[5:]), r[2], r[3], float(r[1]), r[4] or REPORT))


def stories(
    ids: Sequence[int], updated_at: Mapping[int, int], members: Mapping[int, Sequence[StoryMember]]
) -> list[Story]:
    """The stories ``ids``, in that order, that are stored (``updated_at`` by id) and have members."""
    out = []
    for sid in ids:
        if sid not in updated_at or not members[sid]:
            continue
        ms = tuple(members[sid])
        out.append(
            Story(
                id=sid,
                members=ms,
                first_date=ms[0].post.date,
                last_date=ms[-1].post.date,
                updated_at=from_ts(updated_at[sid]),
            )
        )
    return out

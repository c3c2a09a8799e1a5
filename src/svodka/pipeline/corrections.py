"""Analysts' corrections of the stories, as rules: what each one changes and what it binds later runs to.

An analyst merges two stories, moves a post to another story, takes a post out into a story of its own,
splits a story at one of its developments, or marks a story or a post "not news". Each correction is a
record (:class:`Correction`) kept with who and when; :mod:`svodka.process.corrections` applies it to the
store and undoes it. This module is pure: from the placement the store read (developments, their stories,
their times), it computes the change (:class:`Change`: posts into developments, developments into
stories) and what the change overwrote (:class:`Restore`), and it says which constraint each correction
leaves for later pipeline runs:

* *must-link*: two posts stay in one story (a merge; a moved post stays where it was put). The store
  keeps a story's developments together, so a later run honours it without help.
* *cannot-link*: two posts never share a story again (a split, a move, a detach). Posts never change
  ids, so a constraint anchored on posts survives the clusterer's merges and the story level's renames;
  :class:`KeepApart` turns the active ones into story ids and refuses, inside
  :func:`svodka.pipeline.developing.group`, any link or join that would put both sides in one story.
* *not news*: a story or post flagged; :func:`drop_not_news` keeps them out of the digest's stories.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from svodka.errors import CorrectionError
from svodka.model import (
    DETACH,
    MERGE,
    MOVE,
    NOT_NEWS_POST,
    NOT_NEWS_STORY,
    SPLIT,
    Correction,
    CorrectionKind,
    NewCorrection,
    Restore,
    Story,
)

__all__ = [
    "DETACH",
    "MERGE",
    "MOVE",
    "NOT_NEWS_POST",
    "NOT_NEWS_STORY",
    "SPLIT",
    "Change",
    "Correction",
    "CorrectionError",
    "CorrectionKind",
    "NewCorrection",
    "Restore",
]


@dataclass(frozen=True, slots=True)
class Change:
    """A correction's effect on the placement, and what it overwrote."""

    posts: tuple[tuple[int, int], ...] = ()  # (post id, the development it goes to)
    developments: tuple[tuple[int, int], ...] = ()  # (development id, the story it goes to)
    restore: Restore = field(default_factory=Restore)
    # the posts the constraint binds: must-link or cannot-link between ``anchors[0]`` and ``anchors[1]``
    anchors: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Part:
    """A development as a correction sees it: its id, story and span of time (Unix seconds)."""

    id: int
    story: int
    first: float
    last: float


def must_link(c: Correction) -> tuple[int, int] | None:
    """The two posts an active merge keeps in one story (a moved post stays in the development it was
    put in: the clusterer never places a placed post again)."""
    return c.anchors if c.active and c.kind == MERGE and c.anchors else None


def cannot_link(c: Correction) -> tuple[int, int] | None:
    """The two posts an active split, move or detach keeps in two stories."""
    return c.anchors if c.active and c.kind in (MOVE, DETACH, SPLIT) and c.anchors else None


def merge(
    a: Sequence[Part], b: Sequence[Part], anchors: tuple[int, int], posts: Sequence[tuple[int, int]] = ()
) -> tuple[Change, int]:
    """Two stories as one (the older id, the smaller, is kept): every development of the other goes over.
    ``posts``, ``(post, development)`` of both stories, are remembered with the placement it overwrote: if
    the clusterer later fuses a development of one side into the other's, undo parts them again
    (:func:`fused_back`)."""
    if not a or not b:
        raise CorrectionError("a story to merge has no developments")
    sa, sb = a[0].story, b[0].story
    if sa == sb:
        raise CorrectionError(f"story {sa} is already one story")
    keep = min(sa, sb)
    moved = [p for p in (b if keep == sa else a)]
    return (
        Change(
            developments=tuple((p.id, keep) for p in moved),
            restore=Restore(posts=tuple(sorted(posts)), developments=tuple((p.id, p.story) for p in moved)),
            anchors=anchors,
        ),
        keep,
    )


def fused_back(
    restore: Restore, development_now: Mapping[int, int], survivor: Mapping[int, int]
) -> list[tuple[int, int]]:
    """Undoing a merge: the posts it had found in one side that the clusterer has since fused into a
    development of the other side, each with the development it goes back to, ``(post, development)``.

    ``restore``: the merge's (its posts with their developments then; ``developments``, the side that
    moved); ``development_now``: each post's development now; ``survivor``: each recorded development's
    now (itself, or the one it was fused into). A post moved since by another correction, or fused within
    its own side, stays where it is; posts that arrived after the merge are not in ``restore`` at all."""
    moved = {d for d, _s in restore.developments}
    sides = {d: d in moved for _p, d in restore.posts}
    out = []
    for post, dev in restore.posts:
        into = survivor.get(dev, dev)
        if into == dev or development_now.get(post) != into or into not in sides:
            continue
        if sides[into] != sides[dev]:
            out.append((post, dev))
    return out


def split(parts: Sequence[Part], at: int, anchors: tuple[int, int]) -> tuple[Change, int]:
    """The story of ``parts`` (oldest first) in two at development ``at``: it and every later development
    become a story with ``at``'s id (a story's id is its oldest development's)."""
    ordered = sorted(parts, key=lambda p: (p.first, p.id))
    ids = [p.id for p in ordered]
    if at not in ids:
        raise CorrectionError(f"development {at} is not part of story {ordered[0].story if ordered else '?'}")
    i = ids.index(at)
    if i == 0:
        raise CorrectionError(f"development {at} is the story's first part: split at a later one")
    later = ordered[i:]
    return (
        Change(
            developments=tuple((p.id, at) for p in later),
            restore=Restore(developments=tuple((p.id, p.story) for p in later)),
            anchors=anchors,
        ),
        at,
    )


def move(post: int, source: Part, target: Sequence[Part], ts: float, anchor: int | None) -> Change:
    """``post`` from development ``source`` into the story of ``target``: into its development nearest in
    time to the post. Cannot-link with ``anchor``, a post of the story it leaves (None: it leaves none)."""
    if not target:
        raise CorrectionError("the target story has no developments")
    if target[0].story == source.story:
        raise CorrectionError(f"post {post} is in story {source.story} already")
    into = min(target, key=lambda p: (max(0.0, p.first - ts, ts - p.last), -p.last, p.id))
    return Change(
        posts=((post, into.id),),
        restore=Restore(posts=((post, source.id),), developments=((source.id, source.story),)),
        anchors=(post, anchor) if anchor is not None else None,
    )


def detach(post: int, source: Part, new_development: int, anchor: int | None) -> Change:
    """``post`` out of its story into a new development that is a story of its own."""
    if anchor is None:
        raise CorrectionError(f"post {post} is alone in its story already")
    return Change(
        posts=((post, new_development),),
        developments=((new_development, new_development),),
        restore=Restore(posts=((post, source.id),), developments=((source.id, source.story),)),
        anchors=(post, anchor),
    )


def anchor_of(posts: Iterable[tuple[int, float]], leave_out: int | None = None) -> int | None:
    """A story's anchor for a constraint: its earliest post of ``(post id, time)``, not ``leave_out``."""
    ordered = sorted((ts, pid) for pid, ts in posts if pid != leave_out)
    return ordered[0][1] if ordered else None


@dataclass(slots=True)
class KeepApart:
    """Cannot-link constraints as pairs of stories, over the developments a story-level grouping joins.

    Built from the developments' stored stories; :meth:`join` says whether two developments may become
    one story and, if so, records that they did, so a third development can join neither side to the
    other."""

    apart: frozenset[tuple[int, int]]  # (smaller story id, larger)
    _parent: dict[int, int]
    _stories: dict[int, set[int]]

    def _find(self, x: int) -> int:
        root = x
        while self._parent.setdefault(root, root) != root:
            root = self._parent[root]
        while self._parent[x] != root:
            self._parent[x], x = root, self._parent[x]
        return root

    def join(self, a: int, b: int) -> bool:
        """Whether developments ``a`` and ``b`` may be in one story (then they are, from now on)."""
        if not self.apart:
            return True
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return True
        sa, sb = self._stories.setdefault(ra, set()), self._stories.setdefault(rb, set())
        if any((min(x, y), max(x, y)) in self.apart for x in sa for y in sb):
            return False
        self._parent[rb] = ra
        sa |= self._stories.pop(rb)
        return True


NO_CONSTRAINTS = KeepApart(frozenset(), {}, {})  # joins everything, never changes


def keep_apart(stories: Mapping[int, int | None], apart: Iterable[tuple[int, int]]) -> KeepApart:
    """:class:`KeepApart` over developments ``{id: its stored story, None for a new one}`` and pairs of
    stories that must stay apart (from :func:`story_pairs`)."""
    pairs = frozenset((min(a, b), max(a, b)) for a, b in apart if a != b)
    parent: dict[int, int] = {}
    members: dict[int, set[int]] = {}
    by_story: dict[int, int] = {}
    for dev, story in stories.items():
        key = dev if story is None else story
        root = by_story.setdefault(key, dev)
        parent[dev] = root
        members.setdefault(root, set()).add(key)
    return KeepApart(pairs, parent, members)


def story_pairs(corrections: Iterable[Correction], story_of_post: Mapping[int, int]) -> list[tuple[int, int]]:
    """The active cannot-link constraints as pairs of the stories their posts are in now (a pair whose
    posts already share a story, or whose post is gone, binds nothing)."""
    out = []
    for c in corrections:
        pair = cannot_link(c)
        if pair is None:
            continue
        a, b = story_of_post.get(pair[0]), story_of_post.get(pair[1])
        if a is not None and b is not None and a != b:
            out.append((a, b))
    return out


def drop_not_news(
    stories: Iterable[Story], story_ids: frozenset[int], post_ids: frozenset[int]
) -> list[Story]:
    """``stories`` without those marked not news (by the story's id or one of its developments') and
    without posts marked not news (a story left with no post goes)."""
    out = []
    for s in stories:
        if s.id in story_ids or story_ids.intersection(s.developments):
            continue
        if post_ids and any(m.post.id in post_ids for m in s.members):
            members = tuple(m for m in s.members if m.post.id not in post_ids)
            if not members:
                continue
            s = replace(s, members=members, first_date=members[0].post.date, last_date=members[-1].post.date)
        out.append(s)
    return out


def describe(c: Correction) -> str:
    """One line in English for the log (``svodka corrections list``)."""
    what = {
        MERGE: f"merge stories {c.subject} and {c.target} into {c.result}",
        MOVE: f"move post {c.subject} to story {c.target}",
        DETACH: f"take post {c.subject} out into story {c.result}",
        SPLIT: f"split story {c.subject} at development {c.target}",
        NOT_NEWS_STORY: f"story {c.subject} is not news",
        NOT_NEWS_POST: f"post {c.subject} is not news",
    }.get(c.kind, f"{c.kind} {c.subject}")
    return what


def as_dict(c: Correction) -> dict[str, object]:
    """A correction as the JSON outputs show it."""
    return {
        "id": c.id,
        "kind": c.kind,
        "subject": c.subject,
        "target": c.target,
        "result": c.result,
        "user": c.user,
        "at": c.at,
        "active": c.active,
        "undone_at": c.undone_at,
        "undone_by": c.undone_by,
        "anchors": list(c.anchors) if c.anchors else None,
        "what": describe(c),
    }

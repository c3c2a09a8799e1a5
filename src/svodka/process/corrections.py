"""Analysts' corrections applied to the store, undone, honoured by later runs, and exported as a gold set.

Each correction reads the placement it changes, asks :mod:`svodka.pipeline.corrections` what to change,
and writes the change with its log row in one transaction (``store.transaction()``); undoing it writes the
placement it overwrote back (the pipeline's own decision) and marks the row undone. Story ids given by a
user are resolved first: an alias of a merged development to the survivor, a development to its story.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from svodka.errors import CorrectionError, NotFoundError
from svodka.model import (
    DETACH,
    MERGE,
    MOVE,
    NOT_NEWS_POST,
    NOT_NEWS_STORY,
    SPLIT,
    Correction,
    NewCorrection,
    Story,
    WindowPost,
    bot_api_id,
)
from svodka.pipeline import corrections as rules
from svodka.store.base import Store

log = logging.getLogger(__name__)


def story_id(store: Store, ref: int) -> int:
    """The story ``ref`` names now: a story id, a development's, or an alias of one merged away."""
    dev = store.stories.resolve(ref)
    store.stories.get(dev)  # NotFoundError when there is no such story
    return store.developments.story_of([dev]).get(dev, dev)


def parts(store: Store, story: int) -> list[tuple[rules.Part, Story]]:
    """The developments of ``story``, oldest first, with their posts."""
    out = []
    for d in store.developments.developments(story):
        try:
            dev = store.stories.get(d)
        except NotFoundError:
            continue
        out.append((rules.Part(d, story, dev.first_date.timestamp(), dev.last_date.timestamp()), dev))
    if not out:
        raise NotFoundError(f"no story with id {story}")
    return out


def _anchor(devs: Sequence[tuple[rules.Part, Story]], leave_out: int | None = None) -> int | None:
    return rules.anchor_of(
        ((m.post.id, m.post.date.timestamp()) for _p, s in devs for m in s.members), leave_out
    )


def _write(store: Store, change: rules.Change, correction: NewCorrection) -> Correction:
    store.corrections.place_posts(change.posts)
    if change.developments:
        store.developments.save(dict(change.developments))
    done = store.corrections.add(correction)
    log.info("correction %d: %s %s %s by %s", done.id, done.kind, done.subject, done.target or "", done.user)
    return done


def merge_stories(store: Store, a: int, b: int, user: str) -> Correction:
    """Stories ``a`` and ``b`` as one, under the older id."""
    with store.transaction():
        sa, sb = story_id(store, a), story_id(store, b)
        pa, pb = parts(store, sa), parts(store, sb)
        anchors = (_anchor(pa), _anchor(pb))
        assert anchors[0] is not None and anchors[1] is not None
        posts = [(m.post.id, p.id) for p, dev in (*pa, *pb) for m in dev.members]
        change, keep = rules.merge([p for p, _s in pa], [p for p, _s in pb], (anchors[0], anchors[1]), posts)
        # the older ids of both sides too: an undo gives a side the clusterer fused meanwhile its ids back
        aliases = store.corrections.aliases_to([p.id for p, _s in (*pa, *pb)])
        restore = replace(change.restore, aliases=tuple(sorted(aliases.items())))
        return _write(store, change, NewCorrection(MERGE, sa, sb, user, restore, change.anchors, keep))


def move_post(store: Store, post_id: int, story: int, user: str) -> Correction:
    """Post ``post_id`` into story ``story`` (its development nearest in time); no run moves it back."""
    with store.transaction():
        source, dest = _placed(store, post_id), story_id(store, story)
        ps, pt = parts(store, source.story), parts(store, dest)
        post = store.posts.get(post_id)
        change = rules.move(post_id, source, [p for p, _s in pt], post.date.timestamp(), _anchor(ps, post_id))
        return _write(
            store, change, NewCorrection(MOVE, post_id, dest, user, change.restore, change.anchors, dest)
        )


def detach_post(store: Store, post_id: int, user: str) -> Correction:
    """Post ``post_id`` out of its story into a story of its own (a new id)."""
    with store.transaction():
        source = _placed(store, post_id)
        anchor = _anchor(parts(store, source.story), post_id)
        if anchor is None:
            raise CorrectionError(f"post {post_id} is alone in its story already")
        new = store.stories.reserve_ids(1)
        change = rules.detach(post_id, source, new, anchor)
        return _write(
            store, change, NewCorrection(DETACH, post_id, None, user, change.restore, change.anchors, new)
        )


def split_story(store: Store, story: int, development: int, user: str) -> Correction:
    """Story ``story`` in two at ``development``: it and the later developments become a story of its id."""
    with store.transaction():
        sid = story_id(store, story)
        dev = store.stories.resolve(development)
        ps = parts(store, sid)
        by_id = {p.id: s for p, s in ps}
        if dev not in by_id:
            raise CorrectionError(f"development {development} is not part of story {sid}")
        before = [x for x in ps if (x[0].first, x[0].id) < (by_id[dev].first_date.timestamp(), dev)]
        a, b = _anchor(before), _anchor([x for x in ps if x[0].id == dev])
        change, new = rules.split([p for p, _s in ps], dev, (a or 0, b or 0))
        return _write(
            store, change, NewCorrection(SPLIT, sid, dev, user, change.restore, change.anchors, new)
        )


def mark_not_news(store: Store, kind: str, ref: int, user: str) -> Correction:
    """A story (``kind`` "story") or a post ("post") kept out of the digests until undone."""
    with store.transaction():
        if kind == "story":
            subject, what = story_id(store, ref), NOT_NEWS_STORY
        elif kind == "post":
            subject, what = store.posts.get(ref).id, NOT_NEWS_POST
        else:
            raise CorrectionError(f"not-news is for a story or a post, not {kind!r}")
        if subject in store.corrections.not_news()[0 if kind == "story" else 1]:
            raise CorrectionError(f"{kind} {subject} is marked not news already")
        return store.corrections.add(NewCorrection(what, subject, None, user))


def undo(store: Store, correction_id: int, user: str) -> Correction:
    """Undo a correction: what it overwrote is written back (the pipeline's own placement) and it no
    longer binds later runs. Posts and developments gone since are left as they are.

    A merge undone gives each story back the posts it had then, even those the clusterer has since fused
    into a development of the other story (that development is revived with them,
    :func:`svodka.pipeline.corrections.fused_back`); posts that arrived after the merge stay where the
    pipeline put them."""
    with store.transaction():
        c = store.corrections.get(correction_id)
        if not c.active:
            raise CorrectionError(f"correction {correction_id} is undone already")
        revived: dict[int, int] = {}
        if c.kind == MERGE:
            revived = _part_fused(store, c)
        else:
            back = [(p, store.stories.resolve(d)) for p, d in c.restore.posts]
            placed = store.corrections.development_of([p for p, _d in back])
            store.corrections.place_posts([(p, d) for p, d in back if p in placed])
        if c.restore.developments or revived:
            devs = {store.stories.resolve(d): s for d, s in c.restore.developments}
            devs = {**revived, **devs}
            # a story given back whose own development went to another story since goes there
            moved = store.developments.story_of(sorted(set(devs.values()) - set(devs)))
            store.developments.save({d: moved.get(s, s) for d, s in devs.items()})
        return store.corrections.undo(correction_id, user)


def _part_fused(store: Store, c: Correction) -> dict[int, int]:
    """The merge ``c``'s posts the clusterer fused across the two sides since, back in their developments
    (revived); returns the revived developments of the side that stayed, with the story that side is in
    now (the moved side's go back to their story with the rest of ``c.restore.developments``)."""
    recorded = sorted({d for _p, d in c.restore.posts})
    survivor = {d: store.stories.resolve(d) for d in recorded}
    now = store.corrections.development_of([p for p, _d in c.restore.posts])
    back = rules.fused_back(c.restore, now, survivor)
    if not back:
        return {}
    home = story_id(store, c.result) if c.result is not None else None  # before any revival
    devs = sorted({d for _p, d in back})
    store.corrections.revive(devs)
    store.corrections.place_posts(back)
    # the ids merged into a revived development before the merge went with it to the other side: back too
    store.corrections.point_aliases([(old, d) for old, d in c.restore.aliases if d in devs])
    log.info("undo of correction %d: developments %s parted again", c.id, devs)
    moved = {d for d, _s in c.restore.developments}
    return {d: home for d in devs if d not in moved and home is not None}


def keep_apart(store: Store, stories: Mapping[int, int | None]) -> rules.KeepApart:
    """The active cannot-link corrections over developments ``{id: stored story or None}``, for the story
    level of a pipeline run (:func:`svodka.pipeline.developing.group`)."""
    active = [c for c in store.corrections.active() if rules.cannot_link(c)]
    if not active:
        return rules.keep_apart({}, ())
    posts = sorted({p for c in active for p in (c.anchors or ())})
    return rules.keep_apart(stories, rules.story_pairs(active, store.corrections.story_of_posts(posts)))


def merge_guard(store: Store, window: Iterable[WindowPost]) -> Callable[[int, int], bool] | None:
    """Whether the clusterer may merge two of a batch's stories (its developments: the ``window``'s, or new
    ones), for :class:`svodka.pipeline.cluster.StoryClusterer`: never two an analyst keeps apart, nor a third
    that would bring them together. None when no correction keeps anything apart.

    Asked while the batch is placed, so a refused merge never happens: the posts the batch already put in
    either side stay there, and the later ones go where they score best, as if the merge had not been
    possible (not all into the survivor of a merge undone afterwards)."""
    active = [c for c in store.corrections.active() if rules.cannot_link(c)]
    if not active:
        return None
    posts = sorted({p for c in active for p in (c.anchors or ())})
    pairs = rules.story_pairs(active, store.corrections.story_of_posts(posts))
    if not pairs:
        return None
    devs = sorted({w.story_id for w in window if w.story_id})
    story_of = store.developments.story_of(devs)
    return rules.keep_apart({d: story_of.get(d) for d in devs}, pairs).join


def allowed_merges(store: Store, merges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The clusterer's ``(absorbed, into)`` merges of a batch without those that would put two stories an
    analyst keeps apart into one development (the absorbed one's posts then stay where they are)."""
    active = [c for c in store.corrections.active() if rules.cannot_link(c)] if merges else []
    if not active:
        return list(merges)
    posts = sorted({p for c in active for p in (c.anchors or ())})
    pairs = rules.story_pairs(active, store.corrections.story_of_posts(posts))
    story_of = store.developments.story_of(sorted({d for m in merges for d in m}))
    apart = rules.keep_apart({d: story_of.get(d) for m in merges for d in m}, pairs)
    kept = [(a, b) for a, b in merges if apart.join(a, b)]
    if len(kept) < len(merges):
        log.info("kept apart by analysts' corrections: merges %s", sorted(set(merges) - set(kept)))
    return kept


def hidden_developments(store: Store, developments: Sequence[tuple[int, int]]) -> frozenset[int]:
    """Which of ``developments``, ``(id, posts)`` as the readers' lists count them, analysts marked not news:
    its story (or the development itself) marked — under the id it had then or the one it has now — or
    every one of its posts marked."""
    marked, posts = store.corrections.not_news()
    if not developments or not (marked or posts):
        return frozenset()
    hidden: set[int] = set()
    if marked:
        stories = set(marked)
        for m in marked:
            try:
                stories.add(story_id(store, m))
            except NotFoundError:
                continue
        story_of = store.developments.story_of([d for d, _n in developments])
        hidden.update(d for d, _n in developments if d in stories or story_of.get(d, d) in stories)
    if posts:
        counts: dict[int, int] = {}
        for dev in store.corrections.development_of(sorted(posts)).values():
            counts[dev] = counts.get(dev, 0) + 1
        hidden.update(d for d, n in developments if counts.get(d, 0) >= n)
    return frozenset(hidden)


def without_not_news(store: Store, stories: Sequence[Story]) -> list[Story]:
    """``stories`` (developments, as ``store.stories`` lists them, or whole stories) without those analysts
    marked not news, and without the posts they marked (:func:`hidden_developments`)."""
    marked, posts = store.corrections.not_news()
    if not (marked or posts):
        return list(stories)
    hidden = hidden_developments(store, [(s.id, len(s.members)) for s in stories])
    return rules.drop_not_news(stories, hidden | marked, posts)


def without_not_news_posts(store: Store, story: Story) -> Story:
    """``story`` without the posts analysts marked not news, as its digest card and the stories browser count
    it; whole when every post of it is marked (a story listed flagged still opens)."""
    posts = store.corrections.not_news()[1]
    return (rules.drop_not_news([story], frozenset(), posts) or [story])[0]


def _placed(store: Store, post_id: int) -> rules.Part:
    store.posts.get(post_id)  # NotFoundError for an unknown post
    dev = store.corrections.development_of([post_id]).get(post_id)
    if dev is None:
        raise CorrectionError(f"post {post_id} is in no story (an ad, or not processed yet)")
    s = store.stories.get(dev)
    story = store.developments.story_of([dev]).get(dev, dev)
    return rules.Part(dev, story, s.first_date.timestamp(), s.last_date.timestamp())


@dataclass(frozen=True, slots=True)
class Export:
    posts: int
    stories: int
    noise: int


def export_gold(store: Store, folder: str | Path, name: str = "corrections") -> Export:
    """The stories the active corrections touch, as they stand, in the gold layout of stories_dev
    (``posts_NAME.jsonl`` and ``stories_NAME.jsonl``), so `svodka eval stories FOLDER` scores the pipeline
    against the team's decisions. A post or story marked not news is noise."""
    from svodka.digest.compose import load_story

    active = store.corrections.active()
    no_story, no_post = store.corrections.not_news()
    refs: set[int] = set()
    posts = {c.subject for c in active if c.kind in (MOVE, DETACH, NOT_NEWS_POST)}
    for c in active:
        refs.update(x for x in (c.result, c.target if c.kind == MERGE else None) if x is not None)
        if c.kind in (SPLIT, NOT_NEWS_STORY, MERGE):
            refs.add(c.subject)
    refs.update(store.corrections.story_of_posts(sorted(posts)).values())
    stories: dict[int, Story] = {}
    for ref in sorted(refs):
        try:
            s = load_story(store, story_id(store, ref))
        except NotFoundError:
            continue
        stories[s.id] = s
    channels = {c.id: c for c in store.channels.list()}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n_noise = 0
    with (
        (folder / f"posts_{name}.jsonl").open("w", encoding="utf-8") as pout,
        (folder / f"stories_{name}.jsonl").open("w", encoding="utf-8") as sout,
    ):
        for sid, s in sorted(stories.items()):
            for m in s.members:
                ch = channels[m.post.channel_id]
                sender = str(bot_api_id(ch.tg_id)) if ch.tg_id is not None else ch.name
                key = f"{sender}:{m.post.message_id}"
                row = {"message_id": m.post.message_id, "text": m.post.text, "date": m.post.date.isoformat()}
                row["channel"] = ch.title or ch.name
                if ch.tg_id is not None:
                    row["sender_id"] = bot_api_id(ch.tg_id)
                pout.write(json.dumps(row, ensure_ascii=False) + "\n")
                noise = sid in no_story or bool(no_story.intersection(s.developments)) or m.post.id in no_post
                n_noise += noise
                label = {"key": key, "story": f"noise:{key}" if noise else f"c{sid}"}
                sout.write(
                    json.dumps({**label, "kind": "noise" if noise else "news"}, ensure_ascii=False) + "\n"
                )
    return Export(sum(len(s.members) for s in stories.values()), len(stories), n_noise)

"""Stories from hand labels: the posts of a ``stories_dev``-style folder grouped by their gold story.

Used to measure the digest apart from clustering (benchmarks/bench_digest.py, tests): which of the
largest gold stories reach the top of the digest. A post's key is ``<sender_id>:<message_id>``, as in
``stories_*.jsonl``; noise posts are left out, as the pipeline leaves ads and non-news out of stories, and
each member has the kind the ads stage would store for it (``StoryMember.kind``: a report or a plug).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import orjson

from svodka.errors import InputError
from svodka.ingest import import_file
from svodka.model import StoredPost, Story, StoryMember, normalize_tg_id
from svodka.pipeline.ads import post_kind
from svodka.pipeline.normalize import normalize
from svodka.store import Store


@dataclass(frozen=True, slots=True)
class GoldStories:
    stories: list[Story]
    labels: dict[int, str]  # story id -> gold story label ("s023")
    titles: dict[str, str]  # gold label -> title


def read_labels(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``key -> story label`` for news posts, and ``label -> title``."""
    labels: dict[str, str] = {}
    for path in sorted(folder.glob("stories_*.jsonl")):
        for n, line in enumerate(path.read_bytes().splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError as e:
                raise InputError(path, f"not JSON: {e}", f"line {n}") from None
            if row.get("kind", "news") == "news":
                labels[row["key"]] = row["story"]
    titles: dict[str, str] = {}
    for path in sorted(folder.glob("stories_*_titles.json")):
        titles.update({k: v.get("title", "") for k, v in orjson.loads(path.read_bytes()).items()})
    return labels, titles


def group_by_labels(
    posts: Iterable[StoredPost],
    labels: dict[str, str],
    tg_id_of: Callable[[int], int | None],
) -> GoldStories:
    """Stories of ``posts`` by ``labels``; ``tg_id_of(channel_id)`` gives the channel's bare Telegram id."""
    groups: dict[str, list[StoredPost]] = defaultdict(list)
    for p in posts:
        tg = tg_id_of(p.channel_id)
        if tg is None:
            continue
        label = labels.get(f"-100{tg}:{p.message_id}")
        if label is not None:
            groups[label].append(p)
    stories: list[Story] = []
    by_id: dict[int, str] = {}
    for n, label in enumerate(sorted(groups), 1):
        posts = sorted(groups[label], key=lambda p: (p.date, p.id))
        members = tuple(StoryMember(p, kind=post_kind(normalize(p.text))) for p in posts)  # as stored
        stories.append(Story(n, members, members[0].post.date, members[-1].post.date))
        by_id[n] = label
    return GoldStories(stories, by_id, {})


def gold_stories(store: Store, folder: str | Path) -> GoldStories:
    """Import ``folder``'s posts into ``store`` and group them by the folder's gold labels."""
    folder = Path(folder)
    labels, titles = read_labels(folder)
    for path in sorted(folder.glob("posts_*.jsonl")):
        import_file(store, path)
    channels = {c.id: c for c in store.channels.list()}
    result = group_by_labels(
        store.posts.iter(),
        labels,
        lambda cid: normalize_tg_id(channels[cid].tg_id) if cid in channels else None,
    )
    return GoldStories(result.stories, result.labels, titles)


def topic_labelled_stories(store: Store, labels: Path, posts: Path) -> list[tuple[str, Story, str]]:
    """``(label, story, topic)`` for a hand-labelled ``topics_<day>.json`` (tests/data): its stories rebuilt
    from ``posts`` imported into ``store``; the posts it names as copies point to their story's first post."""
    doc = orjson.loads(labels.read_bytes())
    keys = {k: s["story"] for s in doc["stories"] for k in s["posts"]}
    copies = {k for s in doc["stories"] for k in s["copies"]}
    topic = {s["story"]: s["topic"] for s in doc["stories"]}
    import_file(store, posts)
    tg = {c.id: c.tg_id for c in store.channels.list()}
    gold = group_by_labels(store.posts.iter(), keys, tg.get)
    out = []
    for s in gold.stories:
        first = s.members[0].post.id
        members = tuple(
            replace(m, origin_post_id=first)
            if f"-100{tg[m.post.channel_id]}:{m.post.message_id}" in copies
            else m
            for m in s.members
        )
        label = gold.labels[s.id]
        out.append((label, replace(s, members=members), topic[label]))
    return out

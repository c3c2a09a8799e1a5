"""Channels' public handles, learned where their posts show them.

A channel imported by id (a Telegram Desktop export, a dataset) has no handle, so its posts link to
``t.me/c/<id>/<msg>``, which opens for members only. The handle is usually in the posts themselves:

- a forward names its origin by id *and* handle (``fwd_ext_id`` with ``fwd_handle``): the origin channel
  has that handle — the source says so, one forward is enough;
- a channel's own footer («@banksta», «[Подписаться](https://t.me/moscowtop)») repeats the handle in most
  of its posts: a handle is taken when it is in at least :attr:`HandleOptions.min_posts` of the channel's
  recent posts, in at least :attr:`HandleOptions.min_share` of them, and in more of them than any other
  handle (a tie teaches nothing). Bots (``…bot``) and Telegram's own paths (``joinchat``, ``addlist`` …)
  are not channels;
- other posts link to its posts (``t.me/<handle>/<msg>`` where the channel holds post ``<msg>`` and the words
  around the link are that post's), in at least :attr:`HandleOptions.min_links` posts of it;
- its name stands beside the handle («[РИА Новости](t.me/rian_ru)», «РИА Новости (@rian_ru)») in at least
  :attr:`HandleOptions.min_named` posts (:mod:`svodka.pipeline.handle_links` reads both).

Each rule needs its evidence repeated, and a channel it shows two handles of (or a handle it gives two
channels) learns nothing from it. The rules are tried in that order: a forward says most.

The t.me/s collector stores the handle it reads by (nothing to learn there). :func:`learn_handles` only
proposes; :func:`apply_handles` stores them through ``store.channels.set_handle``, which also merges a
channel added as ``@handle`` into the imported one.
"""

from __future__ import annotations

import builtins
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from svodka.errors import StoreError
from svodka.model import PLATFORM_TELEGRAM, Channel, ChannelStats, StoredPost
from svodka.pipeline.handle_links import (
    Held,
    PostLink,
    channel_names,
    linked_handles,
    named_handles,
    post_links,
)

log = logging.getLogger(__name__)

_MENTION = re.compile(
    r"(?:(?<![\w@/.])@|\bt(?:elegram)?\.me/(?:s/)?)([A-Za-z][A-Za-z0-9_]{3,31})(?![A-Za-z0-9_]|/\d)"
)  # a link to a post (t.me/x/123) is no footer: the links rule checks that the post is the channel's
_NOT_CHANNELS = frozenset(
    ("joinchat", "addlist", "addstickers", "addemoji", "share", "proxy", "socks", "iv", "boost", "contact")
)


@dataclass(frozen=True, slots=True)
class HandleOptions:
    min_posts: int = 3  # a footer handle must be in this many of the channel's recent posts …
    min_share: float = 0.15  # … and in this share of them
    days: float = 30.0  # recent: the posts of this many days before the newest one
    min_links: int = 2  # linked posts of the channel (each verified by its words) that name one handle …
    min_shared: int = 2  # … a link's words and the linked post's sharing this many rare words
    min_verified: float = 1 / 3  # … and this share at least of the posts links to that handle find in it
    min_named: int = 2  # posts that put the channel's name beside one handle


@dataclass(frozen=True, slots=True)
class LearnedHandle:
    channel_id: int
    handle: str
    evidence: str  # "forward", "footer 52/55", "links 5" or "named 3"


def mentions(text: str) -> set[str]:
    """The channel handles a post's text names (lower case, without @), bots, t.me paths and links to
    posts left out."""
    found = {m.group(1).lower() for m in _MENTION.finditer(text)}
    return {h for h in found if not h.endswith("bot") and h not in _NOT_CHANNELS}


def learn_handles(
    channels: Mapping[int, Channel],
    posts: Iterable[StoredPost],
    options: HandleOptions | None = None,
    texts_of: Callable[[Iterable[int]], Mapping[int, str]] | None = None,
) -> list[LearnedHandle]:
    """The handles of Telegram channels without one that ``posts`` (the recent ones) show. ``texts_of``
    gives posts' texts by their ids, to check the posts links point to (default: kept as ``posts`` pass)."""
    opt = options or HandleOptions()
    by_ext = {c.ext_id: c.id for c in channels.values() if c.platform == PLATFORM_TELEGRAM and c.ext_id}
    wanted = {cid for cid, c in channels.items() if c.platform == PLATFORM_TELEGRAM and not c.handle}
    # a handle another channel with its own id holds is that channel's: nothing to learn from links to it
    taken = frozenset(c.handle.lower() for c in channels.values() if c.handle and c.ext_id) | _NOT_CHANNELS
    names = channel_names(channels[cid] for cid in wanted)
    counts: dict[int, Counter[str]] = {cid: Counter() for cid in wanted}
    seen: Counter[int] = Counter()
    forwarded: dict[int, str] = {}
    named: dict[int, Counter[str]] = {cid: Counter() for cid in wanted}
    held: dict[int, list[Held]] = {}  # message id → the wanted channels' posts of that id
    texts: dict[int, str] = {}
    links: list[PostLink] = []
    for p in posts:
        if p.fwd_handle and p.fwd_ext_id and (p.fwd_platform or PLATFORM_TELEGRAM) == PLATFORM_TELEGRAM:
            origin = by_ext.get(p.fwd_ext_id)
            if origin in wanted:
                forwarded.setdefault(origin, p.fwd_handle.lower().lstrip("@"))
        if p.channel_id in wanted:
            seen[p.channel_id] += 1
            counts[p.channel_id].update(mentions(p.text))
            held.setdefault(p.message_id, []).append(Held(p.channel_id, p.id, p.date))
            if texts_of is None:
                texts[p.id] = p.text
        links += post_links(p, skip=taken)
        for cid, handle in named_handles(p.text, names):
            if handle not in taken and not handle.endswith("bot"):
                named[cid][handle] += 1
    found: dict[int, LearnedHandle] = {cid: LearnedHandle(cid, h, "forward") for cid, h in forwarded.items()}
    for cid in sorted(wanted.difference(found)):
        top = counts[cid].most_common(2)
        if not top:
            continue
        handle, n = top[0]
        runner_up = top[1][1] if len(top) > 1 else 0
        if n >= opt.min_posts and n >= opt.min_share * seen[cid] and n > runner_up:
            found[cid] = LearnedHandle(cid, handle, f"footer {n}/{seen[cid]}")
    kept = texts_of or (lambda ids: {i: texts[i] for i in ids})
    linked = linked_handles(links, held, kept, opt.min_shared, opt.min_verified)
    for kind, votes, least in (("links", linked, opt.min_links), ("named", named, opt.min_named)):
        given = {h.handle for h in found.values()}
        for cid, (handle, n) in _agreed(votes, least).items():
            if cid not in found and handle not in given:
                found[cid] = LearnedHandle(cid, handle, f"{kind} {n}")
    return [found[cid] for cid in sorted(found)]


def _agreed(votes: Mapping[int, Counter[str]], least: int) -> dict[int, tuple[str, int]]:
    """Each channel's handle that at least ``least`` pieces of evidence name and no other handle comes
    near (more than twice any other's); a handle that two channels would get is given to neither."""
    chosen: dict[int, tuple[str, int]] = {}
    for cid, counter in votes.items():
        top = counter.most_common(2)
        if top and top[0][1] >= least and (len(top) == 1 or top[0][1] > 2 * top[1][1]):
            chosen[cid] = top[0]
    twice = {h for h, n in Counter(h for h, _ in chosen.values()).items() if n > 1}
    return {cid: hn for cid, hn in chosen.items() if hn[0] not in twice}


class HandleStore(Protocol):
    """What :func:`apply_handles` needs of the store's channel repository."""

    def set_handle(self, channel_id: int, handle: str) -> Channel: ...


def apply_handles(channels: HandleStore, learned: Iterable[LearnedHandle]) -> list[LearnedHandle]:
    """Store the learned handles; one that another channel holds is one warning line, the rest go on."""
    stored: list[LearnedHandle] = []
    for h in learned:
        try:
            channels.set_handle(h.channel_id, h.handle)
        except StoreError as e:
            log.warning("handle @%s not given to channel #%s: %s", h.handle, h.channel_id, e)
            continue
        stored.append(h)
    return stored


class PostReader(Protocol):
    def get_many(self, post_ids: Iterable[int]) -> dict[int, StoredPost]: ...

    def iter(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int = 0,
        channel_ids: Sequence[int] | None = None,
        include_deleted: bool = True,
    ) -> Iterator[StoredPost]: ...


class ChannelReader(HandleStore, Protocol):
    def list(self, group: str | None = None) -> list[Channel]: ...

    def stats(self) -> builtins.list[ChannelStats]: ...


def learn_store_handles(
    channels: ChannelReader, posts: PostReader, options: HandleOptions | None = None
) -> list[LearnedHandle]:
    """Learn the handles the recent posts of the store's channels without one show, and store them
    (`svodka channels learn-handles`, and the end of every `svodka process` run that placed posts)."""
    opt = options or HandleOptions()
    known = {c.id: c for c in channels.list()}
    wanted = [cid for cid, c in known.items() if c.platform == PLATFORM_TELEGRAM and not c.handle]
    if not wanted:
        return []
    last = [s.last for s in channels.stats() if s.last is not None]
    since = max(last) - timedelta(days=opt.days) if last else None
    recent = posts.iter(since=since, include_deleted=False)
    stored = apply_handles(
        channels,
        learn_handles(known, recent, opt, lambda ids: {i: p.text for i, p in posts.get_many(ids).items()}),
    )
    for h in stored:
        log.info("channel #%s: handle @%s learned (%s)", h.channel_id, h.handle, h.evidence)
    return stored

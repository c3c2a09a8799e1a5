"""Handles from what posts say of a channel: links to its posts, and its name beside a handle.

Two kinds of evidence, each verified and needing repetition (:mod:`svodka.pipeline.handles` decides):

- **a link to a post**: a post links ``t.me/<handle>/<msg>`` («Ранее СМИ [сообщали](https://t.me/rian_ru/271061),
  что более 170 пассажиров…», a list of links under their titles, «Источник: t.me/x/123») and an id-only
  channel holds post ``<msg>``, from before the link, whose text shares at least
  :attr:`~svodka.pipeline.handles.HandleOptions.min_shared` rare words with the words around the link.
  Message ids are counted per channel, so several channels hold a post ``<msg>``: the words tell which one
  (if any) was meant; one link could still be chance, so several linked posts must agree, and a good share
  of the linked posts the channel holds must be verified so.
- **a name beside a handle**: a channel's title (or its head of two words or more before « | », « • »,
  « - », « — ») is the text of a link to ``t.me/<handle>`` («[Библиотека программиста](http://t.me/proglibrary)»)
  or stands right before ``@handle`` («РИА Новости (@rian_ru)», «Банкста: @banksta»), in several posts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from svodka.model import Channel, StoredPost
from svodka.stopwords import RUSSIAN_FUNCTION_WORDS

_TME = r"(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?:s/)?"
_POST_LINK = re.compile(_TME + r"([A-Za-z][A-Za-z0-9_]{3,31})/(\d{1,10})(?![\d])", re.IGNORECASE)
_NAMED_LINK = re.compile(
    r"\[([^\[\]\n]{2,80})\]\(" + _TME + r"([A-Za-z][A-Za-z0-9_]{3,31})(?:[/?][^)\s]*)?\)", re.IGNORECASE
)
_AT = re.compile(r"(?<![\w@/.])@([A-Za-z][A-Za-z0-9_]{3,31})(?![A-Za-z0-9_])")
_URLS = re.compile(r"\]\([^)\s]*\)|(?:https?://|(?:t|telegram)\.me/)\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{4,}|\d{2,}")
_HEAD = re.compile(r"\s+[|•\-—–]\s+")
_NAME_JUNK = re.compile(r"[^\w+#&.\s]", re.UNICODE)
_TAIL = " \t([«\"':—–-*_"
NAME_WORDS = 8  # a channel's name is looked for in this many words before an @handle
STEM = 6  # letters a word is compared by: Russian inflection changes the ending
_COMMON_WORDS = frozenset(("this", "that", "with", "from", "have", "will", "they", "were", "about"))


@dataclass(frozen=True, slots=True)
class PostLink:
    """A link to a post: ``t.me/<handle>/<message_id>``, with the words around it."""

    handle: str
    message_id: int
    date: datetime  # the linking post's
    words: frozenset[str]


def stems(text: str) -> frozenset[str]:
    """A text's content words, cut to :data:`STEM` letters (numbers of two digits or more kept whole)."""
    words = _WORD.findall(_URLS.sub(" ", text).lower().replace("ё", "е"))
    return frozenset(w[:STEM] for w in words if w not in RUSSIAN_FUNCTION_WORDS and w not in _COMMON_WORDS)


def _context(text: str, start: int, end: int) -> str:
    """The line a link stands in; with the line above when the link's own says little (a list of links
    under their titles)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    if len(stems(line)) >= 3 or line_start == 0:
        return line
    above = text[:line_start].rstrip().rsplit("\n", 1)[-1]
    return above + "\n" + line


def post_links(post: StoredPost, skip: frozenset[str] = frozenset()) -> list[PostLink]:
    """The links to Telegram posts that ``post`` makes, in its text and its stored links (a link whose
    text is the post's, as in a Desktop export's ``text_link``: the whole text is its context)."""
    found: dict[tuple[str, int], PostLink] = {}
    if "me/" not in post.text and not post.links:
        return []
    for m in _POST_LINK.finditer(post.text):
        handle = m.group(1).lower()
        if handle not in skip:
            words = stems(_context(post.text, m.start(), m.end()))
            found.setdefault((handle, int(m.group(2))), PostLink(handle, int(m.group(2)), post.date, words))
    for url in post.links:
        hit = _POST_LINK.match(url)
        if hit and (key := (hit.group(1).lower(), int(hit.group(2)))) not in found and key[0] not in skip:
            found[key] = PostLink(key[0], key[1], post.date, stems(post.text))
    return list(found.values())


def name_key(name: str) -> str:
    """A channel name as compared: lower case, ё as е, emoji and quotes out, spaces collapsed."""
    return " ".join(_NAME_JUNK.sub(" ", name.lower().replace("ё", "е")).split())


def channel_names(channels: Iterable[Channel]) -> dict[str, int]:
    """The names each channel can be recognised by: its title, and the title's head before « | », « • »,
    « - » or « — » when the head has two words or more («Библиотека программиста»; a one-word head such as
    «Москва» or «Топор» is a word, not a name). A name two channels share, or one of fewer than four
    letters, names nobody."""
    owners: dict[str, set[int]] = {}
    for c in channels:
        if not c.title:
            continue
        head = name_key(_HEAD.split(c.title, maxsplit=1)[0])
        for name in {name_key(c.title), head if " " in head else ""}:
            if len(name.replace(" ", "")) >= 4:
                owners.setdefault(name, set()).add(c.id)
    return {name: next(iter(ids)) for name, ids in owners.items() if len(ids) == 1}


def named_handles(text: str, names: Mapping[str, int]) -> set[tuple[int, str]]:
    """(channel, handle) pairs a post's text shows: the channel's name as a link's text to ``t.me/<handle>``,
    or the name right before ``@handle``."""
    found: set[tuple[int, str]] = set()
    for m in _NAMED_LINK.finditer(text):
        cid = names.get(name_key(m.group(1)))
        if cid is not None:
            found.add((cid, m.group(2).lower()))
    for m in _AT.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        words = name_key(text[max(line_start, m.start() - 120) : m.start()].rstrip(_TAIL)).split()
        for n in range(1, min(len(words), NAME_WORDS) + 1):  # the name is the last words before the handle
            cid = names.get(" ".join(words[-n:]))
            if cid is not None:
                found.add((cid, m.group(1).lower()))
    return found


@dataclass(frozen=True, slots=True)
class Held:
    """A post of a channel without a handle, as a link to its message id might mean it."""

    channel_id: int
    post_id: int
    date: datetime


def linked_handles(
    links: Sequence[PostLink],
    held: Mapping[int, Sequence[Held]],
    texts_of: Callable[[Iterable[int]], Mapping[int, str]],
    least: int,
    share: float,
) -> dict[int, Counter[str]]:
    """Per channel, the handles links to its posts use: each linked post counted once, and only when the
    words around the link (every link to it) are that post's — :func:`verified` — and no other's; a handle
    counts for a channel only when at least ``share`` of the linked posts it holds are so verified (where a
    handle is another channel's, a few of the ids it links find a post that shares words by chance).
    ``texts_of`` gives the texts of posts by id, all the linked ones in one call (the store reads them in a
    few statements, not one by one)."""
    wanted = {(link.handle, link.message_id) for link in links}
    texts = texts_of({h.post_id for _, msg in wanted for h in held.get(msg, ())})
    words = {pid: stems(text) for pid, text in texts.items()}
    rare = rare_words(words.values(), links)
    meant_by: dict[tuple[str, int], set[int]] = {}
    holding: Counter[tuple[str, int]] = Counter()  # (handle, channel): the linked posts the channel holds
    for handle, msg in wanted:
        holding.update((handle, cid) for cid in {h.channel_id for h in held.get(msg, ())})
    for link in links:
        meant = {
            h.channel_id
            for h in held.get(link.message_id, ())
            if verified(link, h, words.get(h.post_id, frozenset()), rare, least)
        }
        if len(meant) == 1:
            meant_by.setdefault((link.handle, link.message_id), set()).update(meant)
    votes: dict[int, Counter[str]] = {}
    for (handle, _), cids in meant_by.items():
        if len(cids) == 1:
            votes.setdefault(cids.pop(), Counter())[handle] += 1
    for cid, counter in votes.items():
        for handle, n in counter.items():
            if n < share * holding[(handle, cid)]:
                counter[handle] = 0  # mostly not its posts: the verified few are chance
    return votes


def verified(link: PostLink, post: Held, words: frozenset[str], rare: set[str], least: int) -> bool:
    """Whether a held post (and its :func:`stems`) is the one ``link`` means: posted before the link,
    sharing at least ``least`` rare words with the words around it."""
    return post.date <= link.date and len(link.words & words & rare) >= least


def rare_words(texts: Iterable[frozenset[str]], links: Iterable[PostLink], share: float = 0.05) -> set[str]:
    """The words of ``links`` in at most ``share`` of the linked posts' ``texts`` (or in 3): the words a
    link and a post share by intent, not because most posts say them. Message ids are counted per channel,
    so most posts a link's id finds are not the one it means: a sample of the channels' posts."""
    asked = frozenset().union(*(link.words for link in links))
    df: Counter[str] = Counter()
    total = 0
    for words in texts:
        df.update(words & asked)
        total += 1
    limit = max(3, int(share * total))
    return {w for w in asked if df[w] <= limit}
